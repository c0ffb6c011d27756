"""The `rename` and `db` commands: changes to what is stored, kept apart from the everyday commands
in monitor.cli (whose helpers they use)."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from monitor.cli import DAEMON_HINT, EXIT_USAGE, UserError, _config_path, _load, _shown_db, _store


def cmd_rename(args: argparse.Namespace) -> int:
    """Rename a watch in the database (its history goes with it) and in the config file (with
    tomlkit: comments and layout stay). Both or neither: the database change commits only after
    the file is written, and the file is restored if that commit fails."""
    from monitor.config import check_watch_name
    from monitor.watchlist import rename_watch

    path = _config_path(args)
    config = _load(args)
    try:
        new = check_watch_name(args.new)
    except ValueError as exc:
        raise UserError(f"new name: {exc}") from None
    wc = config.watch(args.old)
    other = config.watch(new)
    if other is not None and other is not wc:
        raise UserError(f"{path}: a watch named {other.name!r} already exists")
    store = _store(config)
    original = path.read_bytes() if path is not None and path.exists() else None
    written = False
    try:
        with store.session() as s:
            row = find_watch(s, wc.name if wc else args.old)
            if row is None and wc is None:
                raise UserError(f"{path or 'config'}: no watch named {args.old!r} (nor in the database)")
            taken = find_watch(s, new)
            if taken is not None and (row is None or taken.id != row.id):
                raise UserError(
                    f"the database keeps the history of a watch named {taken.name!r} (removed from "
                    "the config); choose another name"
                )
            before = row.name if row is not None else wc.name  # type: ignore[union-attr]
            if before == new and (wc is None or wc.name == new):
                print(f"{new!r} already has that name; nothing changed")
                return 0
            if row is not None:
                row.name = new
                s.flush()
            if wc is not None and path is not None:
                written = True
                rename_watch(path, wc.name, new)
    except BaseException:
        if written and original is not None:
            path.write_bytes(original)  # type: ignore[union-attr]
        raise
    kept = " (its history comes along)" if row is not None else ""
    print(f"renamed {before!r} to {new!r}{kept}")
    if wc is not None:
        print(DAEMON_HINT)
    return 0


def find_watch(s: Any, name: str) -> Any:
    """The database row of a watch by exact name, else by name in any case or Unicode form."""
    from sqlalchemy import select

    from monitor.config import name_key
    from monitor.store import Store, Watch

    row = Store.watch_by_name(s, name)
    if row is not None:
        return row
    key = name_key(name)
    return next((w for w in s.scalars(select(Watch)) if name_key(w.name) == key), None)


def cmd_db(args: argparse.Namespace) -> int:
    """Schema migrations. `downgrade` needs an explicit revision, and `base` (which drops every
    table, so every stored version) also `--yes`; without them it only explains."""
    from alembic.util import CommandError

    from monitor.store import Store, current_revision, downgrade, upgrade

    config = _load(args)
    # Only `upgrade` makes a database; `current` and `downgrade` report on one that exists.
    store = Store(config.database.url, migrate=False, create=args.db_command == "upgrade")
    shown = _shown_db(config)
    if args.db_command == "downgrade":
        now = current_revision(store.engine) or "base"
        if args.revision is None:
            print(
                f"database {shown} is at revision {now}; nothing was changed.\n"
                "`db downgrade REVISION` migrates the schema down to REVISION, dropping the columns and "
                "tables later revisions added, with their data; `db downgrade base --yes` drops every "
                "table, so every stored version, event and check. Back the database up first.\n"
                f"revisions:\n{_revisions(store)}",
                file=sys.stderr,
            )
            return EXIT_USAGE
        if now == "base":
            print(f"database {shown} is empty (revision base); nothing to downgrade")
            return 0
        if _reaches_base(store, now, args.revision) and not args.yes:
            raise UserError(
                f"`db downgrade {args.revision}` goes to base: it drops every table of {shown}, so every "
                "stored version, event and check; nothing was changed. Add --yes to do it."
            )
    try:
        if args.db_command == "upgrade":
            upgrade(store.engine, args.revision)
        elif args.db_command == "downgrade":
            downgrade(store.engine, args.revision)
    except CommandError as exc:
        raise UserError(f"db {args.db_command} {args.revision}: {exc}") from None
    print(f"database {shown} at revision {current_revision(store.engine) or 'base (empty)'}")
    return 0


def _reaches_base(store: Any, now: str, revision: str) -> bool:
    """Whether downgrading from `now` to `revision` ('base', or relative like '-2') empties the
    database."""
    if revision == "base":
        return True
    m = re.fullmatch(r"-(\d+)", revision)
    if not m:
        return False
    from alembic.script import ScriptDirectory

    from monitor.store import alembic_config

    script = ScriptDirectory.from_config(alembic_config(store.engine))
    return int(m.group(1)) >= len(list(script.iterate_revisions(now, "base")))


def _revisions(store: Any) -> str:
    """'  0002  suspect captures kept on checks; ...' per revision, newest first; 'base' last."""
    from alembic.script import ScriptDirectory

    from monitor.store import alembic_config

    script = ScriptDirectory.from_config(alembic_config(store.engine))
    lines = [f"  {r.revision:<6} {(r.doc or '').splitlines()[0]}" for r in script.walk_revisions()]
    return "\n".join([*lines, "  base   an empty database (needs --yes)"])
