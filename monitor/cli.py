"""The `policy-monitor` command. Each subcommand parses its arguments and calls one module."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from monitor.config import Config, ConfigError, WatchConfig, load_config

EXIT_USAGE = 2


class UserError(Exception):
    """A problem the user can fix; printed without a traceback, exit code 2."""


# -- shared helpers ---------------------------------------------------------------------------------


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
    return config


def _store(config: Config):
    from monitor.store import Store

    return Store(config.database.url)


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
    print(f"added {watch.name!r} ({watch.url}) to {path}")
    return 0


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        e = errors()[0]
        return f"{'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}"
    return str(exc)


def cmd_remove(args: argparse.Namespace) -> int:
    from monitor.watchlist import remove_watch

    path = _config_path(args)
    if path is None or not remove_watch(path, args.name):
        raise UserError(f"{path or 'config.toml'}: no watch named {args.name!r}")
    print(f"removed {args.name!r} from {path} (its history stays in the database)")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from monitor.store import Version, Watch

    config = _load(args)
    store = _store(config)
    rows = []
    with store.session() as s:
        state = {w.name: w for w in s.scalars(select(Watch))}
        counts = dict(s.execute(select(Version.watch_id, func.count()).group_by(Version.watch_id)).all())
        for wc in config.watches:
            w = state.get(wc.name)
            rows.append(
                {
                    "name": wc.name,
                    "url": wc.url,
                    "interval": config.interval_of(wc),
                    "tags": wc.tags,
                    "notify": config.targets_of(wc),
                    "status": w.status if w else "new",
                    "versions": counts.get(w.id, 0) if w else 0,
                    "last_checked": w.last_checked_at if w else None,
                    "next_due": w.next_due_at if w else None,
                }
            )
    if args.json:
        _print_json(rows)
        return 0
    if not rows:
        print("no watches: add one with `policy-monitor add NAME URL` or edit the config")
        return 0
    for r in rows:
        print(
            f"{r['name']:<28} {r['status']:<8} v{r['versions']:<3} every {r['interval']:<10} "
            f"last {_ts(r['last_checked'])}  next {_ts(r['next_due'])}  {r['url']}"
        )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from monitor.checker import run_checks

    config = _load(args)
    if not config.watches:
        raise UserError(f"{config.path or 'config'}: no watches to check")
    store = _store(config)
    names = args.watch or None
    for n in names or []:
        if config.watch(n) is None:
            raise UserError(f"{config.path or 'config'}: no watch named {n!r}")
    total = len(names) if names else len(config.watches)
    show_progress = sys.stderr.isatty() and not args.json and total > 1
    if show_progress:
        from rich.progress import Progress

        with Progress(transient=True) as progress:
            task = progress.add_task("checking", total=total)
            results = asyncio.run(run_checks(store, config, names, on_done=lambda _r: progress.advance(task)))
    else:
        results = asyncio.run(run_checks(store, config, names))
    _deliver_quietly(store, config)
    if args.json:
        _print_json([r.to_dict() for r in results])
        return 0
    for r in results:
        line = f"{r.watch}: {r.outcome}"
        if r.outcome == "changed":
            sev = f" [{r.severity.upper()}]" if r.severity else ""
            line += f"{sev} {r.summary or ''}" if r.substantive else " (no substantive change)"
        elif r.detail:
            line += f" ({r.detail})"
        print(line)
    return 0


def cmd_accept(args: argparse.Namespace) -> int:
    """Make the latest suspect capture of a watch its current version (see monitor.suspects)."""
    from monitor.suspects import AcceptError, accept_latest

    config = _load(args)
    wc = config.watch(args.watch)
    if wc is None:
        raise UserError(f"{config.path or 'config'}: no watch named {args.watch!r}")
    store = _store(config)
    try:
        res = accept_latest(store, config, wc)
    except AcceptError as exc:
        raise UserError(str(exc)) from None
    _deliver_quietly(store, config)
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

    config = _load(args)
    store = _store(config)
    try:
        run_forever(config, store)
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
    listen = args.listen or config.web.listen or "127.0.0.1:8000"
    try:
        parse_listen(listen)
    except ValueError as exc:
        raise UserError(f"--listen: {exc}") from None
    store = _store(config)
    try:
        serve(config, store, listen)
    except ListenError as exc:
        raise UserError(str(exc)) from None
    return 0


def _watch_row(s: Any, name: str) -> Any:
    from monitor.store import Store

    w = Store.watch_by_name(s, name)
    if w is None:
        raise UserError(f"no watch named {name!r} in the database (has it been checked yet?)")
    return w


def cmd_history(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from monitor.store import Check, Event, Store

    config = _load(args)
    store = _store(config)
    with store.session() as s:
        w = _watch_row(s, args.watch)
        versions = Store.versions_of(s, w.id)
        seq = {v.id: v.seq for v in versions}
        events = list(s.scalars(select(Event).where(Event.watch_id == w.id).order_by(Event.id)))
        checks = list(
            s.scalars(select(Check).where(Check.watch_id == w.id).order_by(Check.id.desc()).limit(args.limit))
        )
        data = {
            "watch": w.name,
            "url": w.url,
            "status": w.status,
            "versions": [
                {
                    "version": v.seq,
                    "hash": v.content_hash,
                    "words": v.word_count,
                    "language": v.language,
                    "extractor": v.extractor_version,
                    "created_at": v.created_at,
                    "last_seen_at": v.last_seen_at,
                    "upgrade_of": seq.get(v.upgrade_of_id) if v.upgrade_of_id else None,
                }
                for v in versions
            ],
            "events": [
                {
                    "id": e.id,
                    "from": seq.get(e.from_version_id),
                    "to": seq.get(e.to_version_id),
                    "created_at": e.created_at,
                    "substantive": e.substantive,
                    "categories": e.categories,
                    "severity": e.severity,
                    "summary": e.report_json.get("summary", ""),
                }
                for e in events
            ],
            "checks": [
                {
                    "started_at": c.started_at,
                    "outcome": c.outcome,
                    "http_status": c.http_status,
                    "duration_ms": c.duration_ms,
                    "detail": c.error,
                    "version": seq.get(c.version_id) if c.version_id else None,
                }
                for c in checks
            ],
        }
    if args.json:
        _print_json(data)
        return 0
    print(f"{data['watch']}  {data['url']}  status: {data['status']}")
    print(f"\nversions ({len(data['versions'])}):")
    for v in data["versions"]:
        up = f"  (re-derived from v{v['upgrade_of']})" if v["upgrade_of"] else ""
        up = (f"  [{v['language']}]" if v.get("language") else "") + up
        print(
            f"  v{v['version']:<3} {_ts(v['created_at'])}  last seen {_ts(v['last_seen_at'])}  {v['words']} words{up}"
        )
    print(f"\nchanges ({len(data['events'])}):")
    for e in data["events"]:
        tag = f"[{e['severity'].upper()}] " if e["severity"] else ""
        what = e["summary"] if e["substantive"] else "no substantive change"
        print(f"  #{e['id']:<4} v{e['from']} -> v{e['to']}  {_ts(e['created_at'])}  {tag}{what}")
    print(f"\nlast {len(data['checks'])} checks:")
    for c in data["checks"]:
        status = f" HTTP {c['http_status']}" if c["http_status"] else ""
        detail = f"  {c['detail']}" if c["detail"] else ""
        print(f"  {_ts(c['started_at'])}  {c['outcome']:<9}{status} {c['duration_ms']} ms{detail}")
    return 0


def _stored_version(store: Any, name: str, seq: int | None) -> tuple[Any, str]:
    from monitor.store import Store

    with store.session() as s:
        w = _watch_row(s, name)
        v = Store.version_by_seq(s, w.id, seq) if seq is not None else w.current_version
        if v is None:
            raise UserError(
                f"{name!r} has no version {seq}" if seq is not None else f"{name!r} has no versions yet"
            )
        return v.document(), f"{name} v{v.seq}"


def cmd_show(args: argparse.Namespace) -> int:
    config = _load(args)
    store = _store(config)
    doc, _label = _stored_version(store, args.watch, args.version)
    sys.stdout.write(doc.to_markdown())
    return 0


def _resolve_side(arg: str, watch: str | None, store_fn: Any) -> tuple[Any, str]:
    from monitor.extract import ExtractError, extract_file

    path = Path(arg)
    if watch is None and path.exists():
        try:
            return extract_file(path), path.name
        except (ExtractError, OSError) as exc:
            raise UserError(f"{arg}: {exc}") from None
    name, seq = (watch, arg) if watch else arg.rpartition("@")[::2]
    if not name or not seq.isdigit():
        raise UserError(f"{arg}: no such file (stored versions are NAME@N, or --watch NAME N)")
    return _stored_version(store_fn(), name, int(seq))


def cmd_diff(args: argparse.Namespace) -> int:
    from monitor.diff import compare
    from monitor.report import render_html, render_json, render_text

    store_cache: list[Any] = []

    def store() -> Any:
        if not store_cache:
            store_cache.append(_store(_load(args)))
        return store_cache[0]

    old, old_label = _resolve_side(args.old, args.watch, store)
    new, new_label = _resolve_side(args.new, args.watch, store)
    report = compare(old, new)
    if args.format == "json":
        out = render_json(report)
    elif args.format == "html":
        out = render_html(
            report, old, new, title=new.title or new_label, old_label=old_label, new_label=new_label
        )
    else:
        out = render_text(
            report, color=sys.stdout.isatty() and not args.output, title=f"{old_label} -> {new_label}"
        )
    if args.output:
        Path(args.output).write_text(out, "utf-8")
    else:
        sys.stdout.write(out if out.endswith("\n") else out + "\n")
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from monitor.store import Store, current_revision, downgrade, upgrade

    config = _load(args)
    store = Store(config.database.url, migrate=False)
    if args.db_command == "upgrade":
        upgrade(store.engine, args.revision)
    elif args.db_command == "downgrade":
        downgrade(store.engine, args.revision)
    print(f"database at revision {current_revision(store.engine) or 'base (empty)'}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from monitor.demo import run_demo

    return run_demo(database=args.database or "sqlite:///./data/demo.db", fmt=args.format)


def cmd_notify(args: argparse.Namespace) -> int:
    from monitor import notify

    config = _load(args)
    if args.notify_command == "test":
        if args.target not in config.notify.targets:
            raise UserError(f"{config.path or 'config'}: no target named {args.target!r} in [notify.targets]")
        ok = notify.send_test(config, args.target)
        print(f"sample alert to {args.target!r}: {'sent' if ok else 'FAILED (see log)'}")
        return 0 if ok else 1
    store = _store(config)
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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="policy-monitor",
        description="Watch privacy policies, keep every version, and alert on changes of substance.",
    )
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

    ls = sub.add_parser("list", help="list watches with their state")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)

    c = sub.add_parser("check", help="check now (all watches, or --watch NAME) and exit")
    c.add_argument("--watch", action="append", help="only this watch (repeatable)")
    c.add_argument("--json", action="store_true", help="print one JSON object per watch")
    c.set_defaults(func=cmd_check)

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
    h.add_argument("--limit", type=int, default=20, help="how many recent checks (default 20)")
    h.set_defaults(func=cmd_history)

    sh = sub.add_parser("show", help="print a stored version as markdown")
    sh.add_argument("watch")
    sh.add_argument("version", nargs="?", type=int, help="version number (default: current)")
    sh.set_defaults(func=cmd_show)

    d = sub.add_parser("diff", help="compare two files, or two stored versions (NAME@N, or --watch NAME N M)")
    d.add_argument("old")
    d.add_argument("new")
    d.add_argument("--format", choices=["text", "json", "html"], default="text")
    d.add_argument("--watch", help="OLD and NEW are version numbers of this watch")
    d.add_argument("-o", "--output", help="write the report to this file")
    d.set_defaults(func=cmd_diff)

    db = sub.add_parser("db", help="database schema")
    dbs = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    up = dbs.add_parser("upgrade", help="migrate to the latest schema (also done on start)")
    up.add_argument("revision", nargs="?", default="head")
    down = dbs.add_parser("downgrade", help="migrate down (default: to an empty database)")
    down.add_argument("revision", nargs="?", default="base")
    dbs.add_parser("current", help="print the schema revision")
    db.set_defaults(func=cmd_db)

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
    parser = build_parser()
    args = parser.parse_args(argv)
    from monitor.logs import setup_logging

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
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`check --json | head`): not an error of ours. Point stdout at devnull
        # so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
