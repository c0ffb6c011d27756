"""The `policy-monitor` command. Each subcommand parses its arguments and calls one module."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from monitor.config import Config, ConfigError, WatchConfig, load_config
from monitor.counts import count
from monitor.dberrors import EXIT_DATABASE, DatabaseError, database_failure, is_database_error
from monitor.interrupted import Terminated

# Printed by `add` and `remove`: the config file changed, a running daemon has not seen it yet.
DAEMON_HINT = (
    "a running daemon picks this up on reload: `systemctl reload policy-monitor` or `kill -HUP <pid>`"
)
NO_CONFIG = "no config file: ./config.toml does not exist and neither -c nor $MONITOR_CONFIG names one"
log = logging.getLogger("monitor.cli")

EXIT_OK = 0
EXIT_WATCH_FAILED = 1  # `check`: a watch errored or was suspect; `notify`: a send failed
EXIT_USAGE = 2  # a usage or config error
# EXIT_DATABASE = 3: the database cannot be opened or written (monitor.dberrors)
EXIT_INTERNAL = 70  # a bug (EX_SOFTWARE); the traceback is logged at debug level
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as a shell reports it)
EXIT_TERMINATED = 143  # `check` stopped by SIGTERM (128 + SIGTERM)

EXIT_CODES = """exit codes:
  0   success (for `check`: every watch was checked; changes found are not failures)
  1   `check`: at least one watch errored or was suspect (every result is still printed;
      with --json only under --strict, as the JSON carries every outcome);
      `notify test`/`notify flush`: a notification could not be sent
  2   usage or config error (a bad argument, an invalid config file, no such watch)
  3   the database cannot be opened or written (wrong URL, server down, read-only, disk full),
      or a command that only reads found no SQLite file (only check, run, demo, db upgrade make one)
  70  internal error (a bug: rerun with --log-level debug for the traceback)
  130 interrupted (Ctrl-C); for `check`, the checks that finished are stored
  143 `check` stopped by SIGTERM (timeout, systemctl stop): as for Ctrl-C"""

# The database URL of the command being run, so a failure anywhere can name it (password masked).
_DB_URL: list[str] = []


class UserError(Exception):
    """A problem the user can fix; printed without a traceback, exit code 2."""


# -- shared helpers ---------------------------------------------------------------------------------


def _positive(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number")
    return value


def _config_path(args: argparse.Namespace) -> Path | None:
    if args.config:
        return Path(args.config)
    env = os.environ.get("MONITOR_CONFIG")
    if env:
        return Path(env)
    default = Path("config.toml")
    return default if default.exists() else None


def _load(args: argparse.Namespace) -> Config:
    config = load_config(_config_path(args))
    url = args.database or os.environ.get("MONITOR_DATABASE_URL")
    if url:
        config = config.model_copy(update={"database": config.database.model_copy(update={"url": url})})
    _DB_URL[:] = [config.database.url]
    return config


def _load_to_send(args: argparse.Namespace) -> Config:
    """The config of a command that sends alerts (check, accept, run, notify flush): every
    notification URL must be readable, so an unset ${VAR} in one is a config error (exit 2) here,
    while read-only commands (list, history, serve, ...) work without those variables (and `notify
    test T` needs those of T alone)."""
    config = _load(args)
    config.require_targets()
    return config


def _store(config: Config, *, create: bool = True):
    """The database; without `create` (read-only commands) a SQLite file must exist already."""
    from monitor.store import Store

    return Store(config.database.url, create=create)


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False, default=str))


def _ts(dt: Any) -> str:
    return dt.strftime("%Y-%m-%d %H:%M") if dt else "-"


# -- commands ---------------------------------------------------------------------------------------


def cmd_add(args: argparse.Namespace) -> int:
    from monitor.watchlist import add_watch

    path = _config_path(args) or Path("config.toml")
    try:
        watch = WatchConfig(
            name=args.name,
            url=args.url,
            interval=args.interval,
            tags=args.tag or [],
            notify=args.notify,
            select=args.select,
            remove=args.remove,
            fetcher="browser" if args.browser or args.wait_for else None,
            wait_for=args.wait_for,
        )
    except Exception as exc:  # pydantic ValidationError: report the first problem plainly
        raise UserError(f"{path}: watch {args.name!r}: {_first_error(exc)}") from None
    add_watch(path, watch)
    from monitor.secrets import hide_passwords

    print(f"added {watch.name!r} ({hide_passwords(watch.url)}) to {path}")
    print(DAEMON_HINT)
    return 0


# The option of `add` that sets each field, to name in its errors ("--tag", not "tags.1").
_ADD_OPTIONS = {"tags": "--tag", "interval": "--interval", "notify": "--notify", "select": "--select",
                "remove": "--remove", "wait_for": "--wait-for"}  # fmt: skip


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        e = errors()[0]
        key = _ADD_OPTIONS.get(str(e["loc"][0])) if e["loc"] else None
        return f"{key or '.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}"
    return str(exc)


def cmd_remove(args: argparse.Namespace) -> int:
    from monitor.watchlist import remove_watch

    path = _config_path(args)
    removed = remove_watch(path, args.name) if path is not None else None
    if removed is None:
        raise UserError(f"{path or 'config.toml'}: no watch named {args.name!r}")
    print(f"removed {removed!r} from {path} (its history stays in the database)")
    print(DAEMON_HINT)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from monitor.claims import planned_due
    from monitor.store import Version, Watch

    config = _load(args)
    try:
        store = _store(config, create=False)
    except DatabaseError:
        if config.path is None:  # likely the wrong directory: say that first
            print(f"policy-monitor: {NO_CONFIG}", file=sys.stderr)
        raise
    rows = []
    with store.session() as s:
        state = {w.name: w for w in s.scalars(select(Watch))}
        counts = dict(s.execute(select(Version.watch_id, func.count()).group_by(Version.watch_id)).all())
        for wc in config.watches:
            w = state.get(wc.name)
            rows.append(
                {
                    "name": wc.name,
                    "url": config.shown(wc.url),
                    "interval": config.interval_of(wc),
                    "tags": wc.tags,
                    "notify": config.targets_of(wc),
                    "status": w.status if w else "new",
                    "versions": counts.get(w.id, 0) if w else 0,
                    "last_checked": w.last_checked_at if w else None,
                    # As the next sync will store it: an interval edited since counts from the last check.
                    "next_due": planned_due(w, config.interval_of(wc)) if w else None,
                }
            )
    if args.json:
        _print_json(rows)
        return 0
    if not rows:
        if config.path is None:
            print(NO_CONFIG)
        print("no watches: add one with `policy-monitor add NAME URL` or edit the config")
    # `list` shows the configured watches; say what else the database keeps, so none looks lost.
    others = sorted(set(state) - {wc.name for wc in config.watches})
    if others:
        print(
            f"{count(len(others), 'watch', 'watches')} in the database but not in the config, history kept "
            f"(`policy-monitor history NAME`): {', '.join(others[:5])}{' ...' if len(others) > 5 else ''}"
        )
    if not rows:
        return 0
    width = max(28, *(len(r["name"]) for r in rows))
    for r in rows:
        versions = count(r["versions"], "version")
        print(
            f"{r['name']:<{width}} {r['status']:<8} {versions:<12} every {r['interval']:<10} "
            f"last {_ts(r['last_checked'])}  next {_ts(r['next_due'])}  {r['url']}"
        )
    return 0


def _shown_db(config: Config) -> str:
    from monitor.dberrors import display_url

    return display_url(config.database.url)


def _canonical(config: Config, name: str) -> str:
    """The configured spelling of a watch name given in any case or Unicode form; UserError if none."""
    wc = config.watch(name)
    if wc is None:
        raise UserError(f"{config.path or 'config'}: no watch named {name!r}")
    return wc.name


def cmd_accept(args: argparse.Namespace) -> int:
    """Make the latest suspect capture of a watch its current version (see monitor.suspects)."""
    from monitor.suspects import AcceptError, accept_latest

    config = _load_to_send(args)
    wc = config.watch(args.watch)
    if wc is None:
        raise UserError(f"{config.path or 'config'}: no watch named {args.watch!r}")
    store = _store(config, create=False)  # no database: no suspect capture to accept
    try:
        res = accept_latest(store, config, wc)
    except AcceptError as exc:
        raise UserError(str(exc)) from None
    _deliver_quietly(store, config)
    res.detail = config.shown(res.detail)
    if args.json:
        _print_json(res.to_dict())
        return 0
    line = f"{res.watch}: accepted as version {res.version}"
    if res.event_id is not None:
        sev = f" [{res.severity.upper()}]" if res.severity else ""
        line += f"; change reported:{sev} {res.summary}" if res.substantive else "; no substantive change"
    print(line)
    return 0


def _deliver_quietly(store: Any, config: Config) -> None:
    """`check` is also the cron user's daemon: send what it queued (failures stay queued)."""
    if not config.notify.targets:
        return
    try:
        from monitor.notify import deliver_pending
    except ImportError:
        return
    deliver_pending(store, config)


def cmd_run(args: argparse.Namespace) -> int:
    from monitor.scheduler import run_forever

    config = _load_to_send(args)
    if config.web.listen:
        config.web.served_token()  # an unset ${VAR} token: say so before anything starts
    store = _store(config)
    try:
        run_forever(config, store, reload=lambda: _load_to_send(args))
    except OSError as exc:
        from monitor.web import ListenError

        if not isinstance(exc, ListenError):
            raise
        raise UserError(str(exc)) from None
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from monitor.config import parse_listen
    from monitor.web import ListenError, serve

    config = _load(args)
    config.web.served_token()  # an unset ${VAR} token: say so before anything starts
    listen = args.listen or config.web.listen or "127.0.0.1:8000"
    try:
        parse_listen(listen)
    except ValueError as exc:
        raise UserError(f"--listen: {exc}") from None
    store = _store(config, create=False)
    try:
        serve(config, store, listen)
    except ListenError as exc:
        raise UserError(str(exc)) from None
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from monitor.demo import run_demo

    return run_demo(database=args.database or "sqlite:///./data/demo.db", fmt=args.format)


def cmd_notify(args: argparse.Namespace) -> int:
    from monitor import notify

    # `pending` only reads the outbox; `flush` sends to every target, `test` to the one it names.
    config = _load_to_send(args) if args.notify_command == "flush" else _load(args)
    if args.notify_command == "test":
        if args.target not in config.notify.targets:
            raise UserError(f"{config.path or 'config'}: no target named {args.target!r} in [notify.targets]")
        config.require_targets([args.target])  # not the variables of targets it does not send to
        ok = notify.send_test(config, args.target)
        print(f"sample alert to {args.target!r}: {'sent' if ok else 'FAILED (see log)'}")
        return 0 if ok else 1
    store = _store(config, create=args.notify_command != "pending")
    if args.notify_command == "pending":
        rows = notify.pending_rows(store, config)
        if args.json:
            _print_json(rows)
        elif not rows:
            print("nothing pending")
        else:
            for r in rows:
                err = f"\n        last error: {r['last_error']}" if r.get("last_error") else ""
                print(
                    f"#{r['id']:<5} {r['status']:<8} {r['kind']:<7} -> {r['target']:<12} {r.get('watch') or ''}"
                    f"  attempts {r['attempts']}  next {_ts(r.get('next_attempt_at'))}  ({r.get('why', '')}){err}"
                )
        return 0
    stats = notify.deliver_pending(store, config, ignore_backoff=True)
    print(f"sent {stats.sent}, failed {stats.failed}, deferred {stats.deferred}, gave up {stats.gave_up}")
    return 0 if not stats.failed else 1


# -- parser -----------------------------------------------------------------------------------------


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("policy-monitor")
    except PackageNotFoundError:  # run from a source tree that was never installed
        from monitor import __version__

        return __version__


def build_parser() -> argparse.ArgumentParser:
    from monitor import cli_admin, cli_check, cli_versions

    p = argparse.ArgumentParser(
        prog="policy-monitor",
        description="Watch privacy policies, keep every version, and alert on changes of substance.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    p.add_argument("-c", "--config", help="config file (default: $MONITOR_CONFIG, else ./config.toml)")
    p.add_argument("--database", help="database URL, overriding [database] url ($MONITOR_DATABASE_URL)")
    p.add_argument("--log-level", choices=["debug", "info", "warning", "error"], help="override [log] level")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    a = sub.add_parser("add", help="add a watch to the config file")
    a.add_argument("name")
    a.add_argument("url")
    a.add_argument("--interval", help="'6h', '1d' or a cron expression")
    a.add_argument("--tag", action="append", help="a tag (repeatable)")
    a.add_argument("--notify", action="append", help="a notification target (repeatable)")
    a.add_argument("--select", action="append", help="CSS selector of the policy text (repeatable)")
    a.add_argument("--remove", action="append", help="CSS selector of parts to drop (repeatable)")
    a.add_argument("--browser", action="store_true", help="render the page in headless Chromium (JavaScript)")
    a.add_argument("--wait-for", metavar="CSS", help="with the browser: wait for this selector (implies --browser)")
    a.set_defaults(func=cmd_add)

    r = sub.add_parser("remove", help="remove a watch from the config file (history is kept)")
    r.add_argument("name")
    r.set_defaults(func=cmd_remove)

    rn = sub.add_parser(
        "rename", help="rename a watch in the config and the database, keeping its history"
    )
    rn.add_argument("old", metavar="OLD")
    rn.add_argument("new", metavar="NEW")
    rn.set_defaults(func=cli_admin.cmd_rename)

    ls = sub.add_parser("list", help="list watches with their state")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)

    c = sub.add_parser(
        "check",
        help="check now (all watches, or --watch NAME) and exit",
        description="Check now and exit. Exit code 0: every watch was checked (changed or not); "
        "1: a watch errored or was suspect (with --json only when --strict is given: the JSON "
        "carries every outcome); 2: usage or config error; 3: database error. Every result is "
        "printed whatever the exit code, and failed or suspect watches are named on stderr.",
    )
    c.add_argument("--watch", action="append", help="only this watch (repeatable)")
    c.add_argument("--json", action="store_true", help="print one JSON object per watch")
    c.add_argument(
        "--strict",
        action="store_true",
        help="with --json: exit 1 when a watch errored or was suspect, as without --json",
    )
    c.set_defaults(func=cli_check.cmd_check)

    acc = sub.add_parser(
        "accept", help="accept the latest suspect capture of a watch as its current version, now"
    )
    acc.add_argument("watch", metavar="WATCH")
    acc.add_argument("--json", action="store_true", help="print the result as JSON")
    acc.set_defaults(func=cmd_accept)

    run = sub.add_parser("run", help="run the scheduler until SIGTERM/SIGINT")
    run.set_defaults(func=cmd_run)

    web = sub.add_parser("serve", help="the read-only web view, JSON API, Atom feed and /metrics")
    web.add_argument(
        "--listen", help="HOST:PORT to bind (default: [web] listen, else 127.0.0.1:8000)", metavar="HOST:PORT"
    )
    web.set_defaults(func=cmd_serve)

    h = sub.add_parser("history", help="versions, changes and recent checks of a watch")
    h.add_argument("watch")
    h.add_argument("--json", action="store_true")
    h.add_argument("--limit", type=_positive, default=20, help="how many recent checks (default 20)")
    h.set_defaults(func=cli_versions.cmd_history)

    sh = sub.add_parser("show", help="print a stored version as markdown")
    sh.add_argument("watch")
    sh.add_argument("version", nargs="?", type=int, help="version number (default: current)")
    sh.set_defaults(func=cli_versions.cmd_show)

    d = sub.add_parser("diff", help="compare two files, or two stored versions (NAME@N, or --watch NAME N M)")
    d.add_argument("old")
    d.add_argument("new")
    d.add_argument("--format", choices=["text", "json", "html"], default="text")
    d.add_argument("--watch", help="OLD and NEW are version numbers of this watch")
    d.add_argument("-o", "--output", help="write the report to this file")
    d.set_defaults(func=cli_versions.cmd_diff)

    db = sub.add_parser("db", help="database schema")
    dbs = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    up = dbs.add_parser("upgrade", help="migrate to the latest schema (also done on start)")
    up.add_argument("revision", nargs="?", default="head")
    down = dbs.add_parser(
        "downgrade",
        help="migrate down to REVISION (without one: only explains; 'base' drops everything and needs --yes)",
    )
    down.add_argument("revision", nargs="?", help="the revision to go down to ('base': an empty database)")
    down.add_argument("--yes", action="store_true", help="confirm `base`, which drops every stored version")
    dbs.add_parser("current", help="print the schema revision")
    db.set_defaults(func=cli_admin.cmd_db)

    demo = sub.add_parser("demo", help="watch bundled sample policies on a local server and show a change")
    demo.add_argument("--format", choices=["text", "json"], default="text")
    demo.set_defaults(func=cmd_demo)

    n = sub.add_parser("notify", help="notification targets and the outbox")
    ns = n.add_subparsers(dest="notify_command", required=True, metavar="ACTION")
    t = ns.add_parser("test", help="send a sample alert to a target")
    t.add_argument("target")
    pend = ns.add_parser("pending", help="list notifications waiting to be sent, and why")
    pend.add_argument("--json", action="store_true")
    ns.add_parser("flush", help="try every pending notification now, ignoring backoff")
    n.set_defaults(func=cmd_notify)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit code (see EXIT_CODES). No traceback reaches the user:
    config and usage errors exit 2, database failures 3 (naming the database, password masked),
    anything else 70, with the traceback in the log at debug level."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from monitor.logs import setup_logging

    _DB_URL.clear()
    try:
        level, fmt = "info", "auto"
        path = _config_path(args)
        if args.command not in ("add", "remove", "diff", "demo"):
            cfg = load_config(path)
            level, fmt = cfg.log.level, cfg.log.format
        setup_logging(args.log_level or level, fmt)
        return int(args.func(args) or 0)
    except (ConfigError, UserError) as exc:
        print(f"policy-monitor: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Terminated:  # SIGTERM to `check` outside its round (monitor.interrupted.StopOnTerm)
        log.debug("stopped by SIGTERM", exc_info=True)
        print("policy-monitor: stopped by SIGTERM", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        log.debug("interrupted", exc_info=True)
        print("policy-monitor: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`check --json | head`): not an error of ours. Point stdout at devnull
        # so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        if isinstance(exc, DatabaseError) or is_database_error(exc):
            log.debug("database failure", exc_info=True)
            failure = database_failure(_DB_URL[0] if _DB_URL else None, exc)
            print(f"policy-monitor: {failure}", file=sys.stderr)
            return EXIT_DATABASE
        log.debug("internal error", exc_info=True)
        print(
            f"policy-monitor: internal error: {type(exc).__name__}: {_one_line(exc)} "
            "(rerun with --log-level debug for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _one_line(exc: BaseException) -> str:
    from monitor.secrets import mask_text

    text = str(exc).strip().splitlines()
    return mask_text(text[0] if text else "", [])[:300]


if __name__ == "__main__":
    sys.exit(main())
