"""Read-only queries behind the web view and the JSON API: database rows in, plain dicts out.

Field names follow the CLI's JSON: a check is shaped like one element of `check --json` (it is built
by `CheckResult.to_dict()` itself), a change event carries `substantive`, `categories`, `severity` and
`summary` as in `diff --format json`, and `report` is exactly that object. Timestamps are ISO 8601
strings in UTC. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.changes import severity_rank
from monitor.checker import CheckResult
from monitor.config import Config
from monitor.store import MAX_SEQ, Check, Event, Version, Watch

# Outcomes of a check that reached the page and read a plausible policy.
SUCCESS = ("first", "unchanged", "changed", "flap", "upgrade")
PROBLEMS = ("error", "suspect")
STATUSES = ("ok", "failing", "suspect", "new")
SEVERITIES = ("low", "medium", "high")


class QueryError(ValueError):
    """A bad query parameter, phrased for the user (the API answers 400 with it)."""


def iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def parse_since(text: str | None) -> datetime | None:
    """'2024-05-01' or '2024-05-01T12:00:00Z' (UTC when no offset is given) -> aware datetime."""
    if not text:
        return None
    from datetime import UTC

    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise QueryError(f"since={text!r} is not an ISO date or time like 2024-05-01T12:00:00Z") from None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def parse_severity(text: str | None) -> str | None:
    if not text:
        return None
    if text not in SEVERITIES:
        raise QueryError(f"severity={text!r}: use one of {', '.join(SEVERITIES)} (the least severity shown)")
    return text


def _seqs(s: Session, ids: set[int | None]) -> dict[int, int]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(s.execute(select(Version.id, Version.seq).where(Version.id.in_(ids))).all())


def check_dict(
    config: Config, name: str, c: Check, seq: dict[int, int], event: Event | None
) -> dict[str, Any]:
    """One check row as `check --json` printed it (its detail as `config.shown` prints it: no
    secret, no URL's password), plus when it started and finished."""
    res = CheckResult(
        watch=name,
        outcome=c.outcome,
        version=seq.get(c.version_id) if c.version_id else None,
        event_id=c.event_id,
        detail=config.shown(c.error),
        http_status=c.http_status,
        duration_ms=c.duration_ms,
    )
    if event is not None:
        res.substantive = event.substantive
        res.categories = list(event.categories or [])
        res.severity = event.severity
        res.summary = event.report_json.get("summary", "")
    return {**res.to_dict(), "started_at": iso(c.started_at), "finished_at": iso(c.finished_at)}


def event_dict(name: str, e: Event, seq: dict[int, int], *, report: bool = False) -> dict[str, Any]:
    """A change event: `event_id`, `from_version`, `version` (the new one), `created_at`, and the
    report's `substantive`, `categories`, `severity`, `summary` (`report`: the whole diff JSON)."""
    d: dict[str, Any] = {
        "watch": name,
        "event_id": e.id,
        "from_version": seq.get(e.from_version_id),
        "version": seq.get(e.to_version_id),
        "created_at": iso(e.created_at),
        "substantive": e.substantive,
        "categories": list(e.categories or []),
        "severity": e.severity,
        "summary": e.report_json.get("summary", ""),
    }
    if report:
        d["report"] = e.report_json
    return d


@dataclass
class Filters:
    tag: str | None = None
    status: str | None = None


def watch_summaries(s: Session, config: Config, filters: Filters | None = None) -> list[dict[str, Any]]:
    """Every watch (those in the config first, in its order, then the ones only in the database)
    with its status, last check and last substantive change, filtered by tag and status."""
    f = filters or Filters()
    rows = {w.name: w for w in s.scalars(select(Watch))}
    counts = dict(s.execute(select(Version.watch_id, func.count()).group_by(Version.watch_id)).all())
    last_check_ids = s.scalars(select(func.max(Check.id)).group_by(Check.watch_id)).all()
    checks = {c.watch_id: c for c in s.scalars(select(Check).where(Check.id.in_(last_check_ids)))}
    last_event_ids = s.scalars(
        select(func.max(Event.id)).where(Event.substantive.is_(True)).group_by(Event.watch_id)
    ).all()
    changes = {e.watch_id: e for e in s.scalars(select(Event).where(Event.id.in_(last_event_ids)))}
    check_events = {
        e.id: e
        for e in s.scalars(select(Event).where(Event.id.in_([c.event_id for c in checks.values() if c.event_id])))
    }
    seq = _seqs(
        s,
        {w.current_version_id for w in rows.values()}
        | {c.version_id for c in checks.values()}
        | {e.from_version_id for e in changes.values()}
        | {e.to_version_id for e in changes.values()},
    )
    configured = {wc.name: wc for wc in config.watches}
    names = [wc.name for wc in config.watches] + sorted(n for n in rows if n not in configured)
    out = []
    for name in names:
        w, wc = rows.get(name), configured.get(name)
        c = checks.get(w.id) if w else None
        e = changes.get(w.id) if w else None
        item = {
            "watch": name,
            # As `list` shows it: a password in the URL masked, or as written ('${SITE_PW}').
            "url": config.shown(wc.url if wc else w.url if w else None),
            "status": w.status if w else "new",
            "active": wc is not None,
            "tags": list(wc.tags) if wc else [],
            "interval": config.interval_of(wc) if wc else None,
            "version": seq.get(w.current_version_id) if w and w.current_version_id else None,
            "versions": counts.get(w.id, 0) if w else 0,
            "last_checked_at": iso(w.last_checked_at) if w else None,
            "next_due_at": iso(w.next_due_at) if w and wc else None,
            "consecutive_failures": w.consecutive_failures if w else 0,
            "last_check": check_dict(config, name, c, seq, check_events.get(c.event_id or -1)) if c else None,
            "last_change": event_dict(name, e, seq) if e else None,
        }
        if f.tag and f.tag not in item["tags"]:
            continue
        if f.status and item["status"] != f.status:
            continue
        out.append(item)
    return out


def watch_detail(s: Session, config: Config, name: str, *, checks: int = 50) -> dict[str, Any] | None:
    """One watch: its summary, every version and change event, and its recent failed and suspect
    checks, plus `timeline`: all of those newest first. None when no such watch exists."""
    summary = next((w for w in watch_summaries(s, config) if w["watch"] == name), None)
    if summary is None:
        return None
    w = s.scalars(select(Watch).where(Watch.name == name)).first()
    if w is None:
        return {**summary, "versions_list": [], "events": [], "problems": [], "timeline": []}
    versions = list(s.scalars(select(Version).where(Version.watch_id == w.id).order_by(Version.seq)))
    seq = {v.id: v.seq for v in versions}
    events = list(s.scalars(select(Event).where(Event.watch_id == w.id).order_by(Event.id)))
    problems = list(
        s.scalars(
            select(Check)
            .where(Check.watch_id == w.id, Check.outcome.in_(PROBLEMS))
            .order_by(Check.id.desc())
            .limit(checks)
        )
    )
    vlist = [
        {
            "version": v.seq,
            "hash": v.content_hash,
            "words": v.word_count,
            "language": v.language,
            "created_at": iso(v.created_at),
            "last_seen_at": iso(v.last_seen_at),
            "upgrade_of": seq.get(v.upgrade_of_id) if v.upgrade_of_id else None,
        }
        for v in versions
    ]
    elist = [event_dict(name, e, seq) for e in events]
    plist = [check_dict(config, name, c, seq, None) for c in problems]
    timeline = (
        [{"kind": "version", "at": v["created_at"], **v} for v in vlist]
        + [{"kind": "change", "at": e["created_at"], **e} for e in elist]
        + [{"kind": "check", "at": c["started_at"], **c} for c in plist]
    )
    # Newest first; a change sorts above the version it produced.
    order = {"change": 0, "version": 1, "check": 2}
    timeline.sort(key=lambda t: (t["at"] or "", -order[t["kind"]]), reverse=True)
    return {**summary, "versions_list": vlist, "events": elist, "problems": plist, "timeline": timeline}


def events(
    s: Session,
    config: Config,
    *,
    watch: str | None = None,
    since: datetime | None = None,
    severity: str | None = None,
    tag: str | None = None,
    substantive: bool | None = None,
    limit: int = 200,
    report: bool = False,
) -> list[dict[str, Any]]:
    """Change events newest first, filtered by watch, time, least severity, tag and substance."""
    q = select(Event, Watch.name).join(Watch, Watch.id == Event.watch_id)
    if watch is not None:
        q = q.where(Watch.name == watch)
    if since is not None:
        q = q.where(Event.created_at >= since)
    if substantive is not None:
        q = q.where(Event.substantive.is_(substantive))
    if severity:
        wanted = [sv for sv in SEVERITIES if severity_rank(sv) >= severity_rank(severity)]
        q = q.where(Event.severity.in_(wanted))
    if tag:
        q = q.where(Watch.name.in_([wc.name for wc in config.watches if tag in wc.tags]))
    rows = s.execute(q.order_by(Event.created_at.desc(), Event.id.desc()).limit(limit)).all()
    seq = _seqs(s, {e.from_version_id for e, _ in rows} | {e.to_version_id for e, _ in rows})
    return [event_dict(name, e, seq, report=report) for e, name in rows]


def version_of(s: Session, name: str, n: int) -> Version | None:
    """Version `n` of the watch `name`, or None (also for a number no database column can hold)."""
    if not 0 <= n <= MAX_SEQ:
        return None
    return s.scalars(
        select(Version).join(Watch, Watch.id == Version.watch_id).where(Watch.name == name, Version.seq == n)
    ).first()


def canonical_name(s: Session, config: Config, name: str) -> str:
    """The stored spelling of a watch named in any case or Unicode form, as the CLI matches names
    (`/watches/orbitrail` finds "Orbitrail"): the config's watch, else the database's (a watch
    removed from the config keeps its history there); `name` itself when neither knows it."""
    wc = config.watch(name)
    if wc is not None:
        return wc.name
    if watch_exists(s, name):
        return name
    from monitor.config import name_key

    key = name_key(name)
    return next((n for n in s.scalars(select(Watch.name)) if name_key(n) == key), name)


def watch_exists(s: Session, name: str) -> bool:
    return s.scalar(select(Watch.id).where(Watch.name == name)) is not None


def version_count(s: Session, watch_id: int) -> int:
    return s.scalar(select(func.count()).where(Version.watch_id == watch_id)) or 0
