"""The `history`, `show` and `diff` commands: reading stored versions and comparing them (or two
files), kept apart from the everyday commands in monitor.cli (whose helpers they use)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from monitor.cli import UserError, _load, _print_json, _store, _ts
from monitor.counts import count


def _watch_row(s: Any, name: str) -> Any:
    from monitor.cli_admin import find_watch

    w = find_watch(s, name)
    if w is None:
        raise UserError(f"no watch named {name!r} in the database (has it been checked yet?)")
    return w


def cmd_history(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from monitor.store import Check, Event, Store

    config = _load(args)
    store = _store(config, create=False)
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
            "url": config.shown(w.url),
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
                    "detail": config.shown(c.error),
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
            f"  v{v['version']:<3} {_ts(v['created_at'])}  last seen {_ts(v['last_seen_at'])}  {count(v['words'], 'word')}{up}"
        )
    print(f"\nchanges ({len(data['events'])}):")
    for e in data["events"]:
        tag = f"[{e['severity'].upper()}] " if e["severity"] else ""
        what = e["summary"] if e["substantive"] else "no substantive change"
        print(f"  #{e['id']:<4} v{e['from']} -> v{e['to']}  {_ts(e['created_at'])}  {tag}{what}")
    print(f"\nlast {count(len(data['checks']), 'check')}:")
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
    store = _store(config, create=False)
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
            store_cache.append(_store(_load(args), create=False))
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
        try:
            Path(args.output).write_text(out, "utf-8")
        except OSError as exc:
            raise UserError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(out if out.endswith("\n") else out + "\n")
    return 0
