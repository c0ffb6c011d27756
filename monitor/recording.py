"""The writing half of a check: new versions (and their raw bodies), re-derivation after an extractor
upgrade, change events with their outbox rows, ops notes, and the check row that ends every check
(health, next due time, lease released).

All of it works inside the caller's transaction (a `Session`); monitor.checker decides what a
fetched page is and calls these. Split off monitor.checker, which re-exports every name here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor import extract as extract_mod
from monitor.changes import DiffReport
from monitor.chrome_evidence import MAX_SIBLINGS
from monitor.claims import _release, next_due
from monitor.config import Config, WatchConfig
from monitor.document import Document
from monitor.fetch import FetchResult, decode_body
from monitor.packing import pack_raw, unpack_text
from monitor.store import Check, Event, RawBody, Version, Watch, utcnow

log = logging.getLogger("monitor.checker")

def extraction_id(wc: WatchConfig) -> str:
    """What made a version: the extractor release, plus the watch's own selectors if it has any.
    When either changes, stored versions are re-derived from their raw bodies (an upgrade, never an
    alert), exactly as after a new release."""
    if not wc.select and not wc.remove:
        return extract_mod.EXTRACTOR_VERSION
    spec = json.dumps([wc.select or [], wc.remove or []], sort_keys=True)
    return f"{extract_mod.EXTRACTOR_VERSION}+{hashlib.sha1(spec.encode()).hexdigest()[:8]}"


def _told_accepted(s: Session, watch_id: int, cur: Version) -> bool:
    """Whether `cur` became a version by accepting a suspect capture and the watch's latest change
    event is the one that made it current (so the user believes `cur` is the policy)."""
    last_to = s.scalar(
        select(Event.to_version_id).where(Event.watch_id == watch_id).order_by(Event.id.desc()).limit(1)
    )
    return last_to == cur.id and was_suspect(s, watch_id, cur)


def undoes_told_change(s: Session, watch_id: int, cur: Version, back: Version) -> bool:
    """Whether going from `cur` back to the earlier version `back` undoes a substantive change the
    user was told of, for the first time: the watch's latest event made `cur` current and was
    substantive, and no event ever went from `cur` to `back`. A policy reverted after an alert is a
    change the reader must hear of (a fresh user's finding: "30 days -> 2 years" was told, the
    return to 30 days was a silent flap). Later returns are judged by monitor.served_again."""
    last = s.execute(
        select(Event.to_version_id, Event.substantive)
        .where(Event.watch_id == watch_id)
        .order_by(Event.id.desc())
        .limit(1)
    ).first()
    if last is None or not last.substantive or not is_or_rederives(s, cur, last.to_version_id):
        return False
    again = s.scalar(
        select(Event.id)
        .where(Event.watch_id == watch_id, Event.from_version_id == cur.id, Event.to_version_id == back.id)
        .limit(1)
    )
    return again is None


def is_or_rederives(s: Session, version: Version, version_id: int | None) -> bool:
    """Whether `version` is the version `version_id`, or its re-derivation after extractor upgrades
    (`Version.upgrade_of_id`, followed back a few steps): the same page, read by newer code."""
    for _ in range(_UPGRADES_FOLLOWED):
        if version.id == version_id:
            return True
        if version.upgrade_of_id is None:
            return False
        earlier = s.get(Version, version.upgrade_of_id)
        if earlier is None:
            return False
        version = earlier
    return False


_UPGRADES_FOLLOWED = 8  # extractor upgrades between two changes of a page, at most


def was_suspect(s: Session, watch_id: int, version: Version) -> bool:
    """Whether `version` was once a suspect capture of the watch, i.e. became a version only by
    acceptance (`policy-monitor accept`, or identical captures repeated)."""
    return (
        s.scalar(
            select(Check.id)
            .where(
                Check.watch_id == watch_id,
                Check.outcome == "suspect",
                Check.capture_hash == version.content_hash,
            )
            .limit(1)
        )
        is not None
    )


@lru_cache(maxsize=16_384)
def _host_of(url: str) -> str | None:
    return urlsplit(url).hostname


def _sibling_markdowns(s: Session, watch: Watch) -> list[str]:
    """The current versions of up to `MAX_SIBLINGS` other active watches on the same host, as in
    `monitor.chrome_evidence.shared_blocks`, reading only the rows it uses."""
    return [unpack_text(b) for b in _sibling_blobs(s, watch)]


def _sibling_blobs(s: Session, watch: Watch) -> list[bytes]:
    """`_sibling_markdowns` as stored (each version's `markdown_z`), for a worker to decompress."""
    host = _host_of(watch.url)
    if not host:
        return []
    # Read in id order only as far as the first MAX_SIBLINGS watches of this host (with thousands of
    # watches, reading and splitting every URL for each changed page was ~50 ms of the checker's time).
    rows = s.execute(
        select(Watch.url, Watch.current_version_id)
        .where(Watch.id != watch.id, Watch.active.is_(True), Watch.current_version_id.is_not(None))
        .order_by(Watch.id)
        .execution_options(yield_per=256)
    )
    ids: list[int] = []
    try:
        for r in rows:
            if _host_of(r.url) == host:
                ids.append(r.current_version_id)
                if len(ids) == MAX_SIBLINGS:
                    break
    finally:
        rows.close()
    if not ids:
        return []
    return list(s.scalars(select(Version.markdown_z).where(Version.id.in_(ids))))


def _note_accepted(s: Session, config: Config, watch: Watch, version: Version, why: str) -> None:
    """Tell the ops target that a suspect capture became a version, and end the suspect state
    quietly (this note, kind "accepted", replaces the generic "recovered" one: the watch was not
    failing, a capture was let through)."""
    _enqueue_ops(s, config, watch, "accepted", f"version {version.seq} {why}")
    watch.status = "ok"


def _rederive(
    s: Session, wc: WatchConfig, watch: Watch, cur: Version, fresh: Document
) -> tuple[Document, str]:
    rb = s.get(RawBody, cur.raw_body_id) if cur.raw_body_id is not None else None
    if rb is not None:
        body, content_type = rb.body, rb.media_type
        media_type = content_type.split(";")[0].strip()
        text: bytes | str = (
            body if media_type == "application/pdf" else decode_body(body, content_type, media_type)[0]
        )
        wc_doc = extract_mod.extract(text, media_type, select=wc.select, remove=wc.remove)
        note = f"re-derived version {cur.seq} with extraction {extraction_id(wc)}"
    else:
        # No raw body kept: the freshly fetched page becomes the baseline, marked as an upgrade.
        wc_doc = fresh
        note = f"extraction {extraction_id(wc)}: no raw body kept; current page taken as baseline"
    if wc_doc.content_hash() == cur.content_hash:
        cur.extractor_version = extraction_id(wc)
        return wc_doc, note
    version = _new_version(s, wc, watch, wc_doc, None, upgrade_of=cur)
    version.raw_body_id = cur.raw_body_id
    watch.current_version = version
    return wc_doc, note


def _new_version(
    s: Session,
    wc: WatchConfig,
    watch: Watch,
    doc: Document,
    raw: RawBody | None,
    upgrade_of: Version | None = None,
    *,
    markdown_z: bytes | None = None,
    content_hash: str | None = None,
) -> Version:
    """A new version of `doc` (`markdown_z`, `content_hash`: already computed by `extract_job`)."""
    seq = (s.scalar(select(func.max(Version.seq)).where(Version.watch_id == watch.id)) or 0) + 1
    version = Version(
        watch_id=watch.id,
        seq=seq,
        content_hash=content_hash or doc.content_hash(),
        markdown_z=markdown_z or Version.pack(doc.to_markdown()),
        word_count=doc.word_count,
        language=doc.language,
        extractor_version=extraction_id(wc),
        raw_body_id=raw.id if raw else None,
        upgrade_of_id=upgrade_of.id if upgrade_of else None,
    )
    s.add(version)
    s.flush()
    return version


def _keep_raw(
    s: Session, config: Config, watch: Watch, result: FetchResult, raw: bytes, body_z: bytes | None = None
) -> RawBody:
    rb = RawBody(
        watch_id=watch.id,
        url=result.url,
        media_type=raw_media_type(result),
        sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        body_z=body_z or pack_raw(raw),
    )
    s.add(rb)
    s.flush()
    _prune_raw(s, config, watch, keep_id=rb.id)
    return rb


def raw_media_type(result: FetchResult) -> str:
    """The media type a raw body is kept with: the fetched one, plus the charset the fetch settled
    on, so that a re-derivation decodes the bytes the same way."""
    media_type = result.media_type or "text/html"
    if result.encoding and result.text is not None:
        media_type += f"; charset={result.encoding}"
    return media_type


def _prune_raw(s: Session, config: Config, watch: Watch, keep_id: int) -> None:
    keep = max(config.database.keep_raw_bodies, 1)
    ids = list(
        s.scalars(
            select(RawBody.id).where(RawBody.watch_id == watch.id).order_by(RawBody.id.desc()).offset(keep)
        )
    )
    for rid in ids:
        if rid != keep_id:
            s.delete(s.get(RawBody, rid))


def _recent_versions(s: Session, config: Config, watch: Watch) -> list[Version]:
    return list(
        s.scalars(
            select(Version)
            .where(Version.watch_id == watch.id)
            .order_by(Version.seq.desc())
            .limit(config.database.recent_versions)
        )
    )


def _remember_validators(watch: Watch, result: FetchResult) -> None:
    watch.etag, watch.last_modified = result.etag, result.last_modified


def _record_change(
    s: Session, config: Config, name: str, before: Version, after: Version, report: DiffReport
) -> Event:
    """The change event between two versions, with one outbox row per notification target."""
    event = Event(
        watch_id=after.watch_id,
        from_version_id=before.id,
        to_version_id=after.id,
        substantive=report.substantive,
        categories=list(report.categories),
        severity=report.severity,
        report_json=report.to_dict(),
    )
    s.add(event)
    s.flush()
    _enqueue_change(s, config, name, event)
    return event


def _enqueue_change(s: Session, config: Config, name: str, event: Event) -> None:
    try:
        from monitor import notify
    except ImportError:  # notify lands separately; without it there is nothing to enqueue
        return
    notify.enqueue_change(s, config, name, event)


def _enqueue_ops(s: Session, config: Config, watch: Watch, kind: str, detail: str) -> None:
    try:
        from monitor import notify
    except ImportError:
        return
    notify.enqueue_ops(s, config, watch, kind, detail)


def _finish(
    s: Session,
    config: Config,
    wc: WatchConfig,
    watch: Watch,
    started: datetime,
    t0: float,
    outcome: str,
    **fields: Any,
) -> Check:
    """Record the check, update the watch's health (with ops alerts on transitions), schedule the
    next check and release the lease: all in the caller's transaction."""
    now = utcnow()
    check = Check(
        watch_id=watch.id,
        started_at=started,
        finished_at=now,
        duration_ms=int((time.monotonic() - t0) * 1000),
        outcome=outcome,
        **fields,
    )
    s.add(check)
    detail = fields.get("error") or ""
    if outcome == "error":
        watch.consecutive_failures += 1
        if watch.consecutive_failures >= config.notify.failure_threshold and watch.status != "failing":
            watch.status = "failing"
            _enqueue_ops(s, config, watch, "failing", f"{watch.consecutive_failures} failed checks: {detail}")
    elif outcome == "suspect":
        watch.consecutive_failures += 1
        if watch.status != "suspect":
            watch.status = "suspect"
            _enqueue_ops(s, config, watch, "suspect", detail)
    else:
        if watch.status in ("failing", "suspect"):
            _enqueue_ops(s, config, watch, "recovered", f"check succeeded ({outcome}) after {watch.status}")
        watch.status = "ok"
        watch.consecutive_failures = 0
    watch.last_checked_at = now
    watch.next_due_at = next_due(config.interval_of(wc), now, config.defaults.jitter)
    _release(s, watch)
    s.flush()
    return check
