"""First versions of new watches, written in batches: one transaction for many watches.

In a watch's first round the checker used to store each first version in its own transaction (read
the watch, keep the raw body and look for older ones to prune, read the highest version number, add
the version, add the check row: ~4 ms of the checking process's CPU per watch). A *plain* first
version changes nothing but its own rows: the watch is pristine (no version or raw body stored yet,
health neither failing nor suspect: `monitor.checkprep.Prior.pristine`), the page was fetched and
extracted in full, the guard found nothing wrong with it alone, it was not redirected somewhere
suspicious, it was not cut off on a connection the server closed to end it (`monitor.cutoff`), and
the server asked for no later retry. `plain_first` says whether a check is one;
`first_check` makes its rows, and `monitor.checkbatch.CheckBatch` writes them with others' through
`write_first`: the rows `checker._record` would write (a raw body, version 1 made from it, the check
with outcome "first", the watch's current version, validators, health, schedule and lease), with
one INSERT ... RETURNING per table for the whole batch (SQLAlchemy's "insertmanyvalues", on SQLite
and PostgreSQL alike) to link them.

Anything else about a first check (an error, a suspect page, a watch that failed before, or one with
stored history) takes the one-transaction path as before. A crash before a batch is written loses
nothing permanent: the watch still has no version, is still due, and its lease lapses.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from monitor.checkprep import Prior
from monitor.checkrows import check_row, healthy_watch_row
from monitor.claims import next_due
from monitor.config import Config, WatchConfig
from monitor.cpu import Extracted
from monitor.cutoff import cut_alone
from monitor.fetch import FetchResult
from monitor.guard import redirect_problem
from monitor.packing import pack_raw
from monitor.recording import extraction_id, raw_media_type
from monitor.store import Check, RawBody, Version, Watch, utcnow

log = logging.getLogger("monitor.checker")


@dataclass(frozen=True)
class FirstCheck:
    """A plain first version and the check that found it. Holds the compressed markdown and raw
    body only (tens of KB for a typical policy), not the document."""

    watch_id: int
    started_at: datetime
    finished_at: datetime
    duration_ms: int  # the whole check, up to handing it to the batch
    fetch_ms: int | None  # the fetch alone
    http_status: int | None
    next_due_at: datetime
    etag: str | None  # validators of the answer, remembered as they came (None included)
    last_modified: str | None
    # The raw body (monitor.store.RawBody)
    url: str  # where the page was fetched from in the end
    media_type: str  # with the charset the fetch settled on (recording.raw_media_type)
    sha256: str  # hex, of the raw bytes
    size: int  # bytes
    body_z: bytes
    # Version 1 (monitor.store.Version)
    content_hash: str
    markdown_z: bytes
    word_count: int
    language: str | None
    extractor_version: str


def plain_first(wc: WatchConfig, prior: Prior, result: FetchResult, extracted: Extracted | None) -> bool:
    """Whether `checker._decide` would store this check as a plain first version and do nothing else:
    a pristine watch, a full answer that extracted to a document the guard passed on its own (its
    verdict `extracted.alone`, computed in the worker), no redirect problem, no Retry-After."""
    return (
        may_be_plain_first(wc, prior, result)
        and extracted is not None
        and extracted.error is None
        and (extracted.doc is not None or extracted.summary_only)
        and extracted.assessed
        and extracted.alone is None
    )


def may_be_plain_first(wc: WatchConfig, prior: Prior, result: FetchResult) -> bool:
    """`plain_first` as far as it can be told before extraction: when False, the check needs the
    whole document back from the worker; when True, only its summary unless the guard objects."""
    return (
        prior.pristine
        and prior.current_version_id is None
        and result.ok
        and not result.not_modified
        and not result.retry_after
        and not (result.url and redirect_problem(wc.url, result.url))
        and cut_alone(result) is None  # (looks at the body only when the server closed to end it)
    )


def first_check(
    config: Config,
    wc: WatchConfig,
    prior: Prior,
    result: FetchResult,
    raw: bytes,
    extracted: Extracted,
    started: datetime,
    t0: float,
) -> FirstCheck:
    """The rows of a check that `plain_first` passed (`raw`: the body's bytes as fetched; `t0`: the
    check's start on the monotonic clock)."""
    digest, word_count, language = extracted.content_hash, extracted.word_count, extracted.language
    if not extracted.summary_only:  # the document came back whole: its own figures
        assert extracted.doc is not None
        word_count, language = extracted.doc.word_count, extracted.doc.language
    assert digest is not None and extracted.markdown_z is not None and word_count is not None
    now = utcnow()
    return FirstCheck(
        watch_id=prior.watch_id,
        started_at=started,
        finished_at=now,
        duration_ms=int((time.monotonic() - t0) * 1000),
        fetch_ms=result.duration_ms,
        http_status=result.status,
        next_due_at=next_due(config.interval_of(wc), now, config.defaults.jitter),
        etag=result.etag,
        last_modified=result.last_modified,
        url=result.url,
        media_type=raw_media_type(result),
        sha256=extracted.raw_sha or hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        body_z=extracted.raw_z or pack_raw(raw),
        content_hash=digest,
        markdown_z=extracted.markdown_z,
        word_count=word_count,
        language=language,
        extractor_version=extraction_id(wc),
    )


def _writable(s: Session, rows: Sequence[FirstCheck]) -> list[FirstCheck]:
    """`rows` whose watch still has no current version, one per watch. Our lease keeps every other
    checker away while rows wait; only a lease that lapsed meanwhile (a database failing for longer
    than the lease) lets another process store a first version first. Its check stands; writing ours
    too would break the unique (watch, seq) and with it every later attempt to write this batch."""
    ids = sorted({r.watch_id for r in rows})
    open_ids = set(s.scalars(select(Watch.id).where(Watch.id.in_(ids), Watch.current_version_id.is_(None))))
    out = []
    for r in rows:
        if r.watch_id in open_ids:
            out.append(r)
            open_ids.discard(r.watch_id)
        else:
            log.warning("first version of watch %d not stored: the watch has one already", r.watch_id)
    return out


def write_first(s: Session, rows: Sequence[FirstCheck]) -> int:
    """Write `rows` in the caller's transaction: a raw body, version 1 made from it and the check
    row for each, then each watch's current version, validators, health, schedule and lease.
    Returns how many were written (see `_writable` for the ones that are not)."""
    rows = _writable(s, rows) if rows else []
    if not rows:
        return 0
    raw_ids = s.scalars(
        insert(RawBody).returning(RawBody.id, sort_by_parameter_order=True),
        [
            {
                "watch_id": r.watch_id,
                "fetched_at": r.finished_at,
                "url": r.url,
                "media_type": r.media_type,
                "sha256": r.sha256,
                "size": r.size,
                "body_z": r.body_z,
            }
            for r in rows
        ],
    ).all()
    version_ids = s.scalars(
        insert(Version).returning(Version.id, sort_by_parameter_order=True),
        [
            {
                "watch_id": r.watch_id,
                "seq": 1,  # the watch has no other version (Prior.pristine, _writable)
                "content_hash": r.content_hash,
                "markdown_z": r.markdown_z,
                "word_count": r.word_count,
                "language": r.language,
                "extractor_version": r.extractor_version,
                "created_at": r.finished_at,
                "last_seen_at": r.finished_at,
                "raw_body_id": raw_id,
            }
            for r, raw_id in zip(rows, raw_ids, strict=True)
        ],
    ).all()
    s.execute(
        insert(Check),
        [check_row(r, "first", version_id, False) for r, version_id in zip(rows, version_ids, strict=True)],
    )
    s.execute(
        update(Watch),
        [
            {
                **healthy_watch_row(r),
                "current_version_id": version_id,
                "etag": r.etag,
                "last_modified": r.last_modified,
            }
            for r, version_id in zip(rows, version_ids, strict=True)
        ],
    )
    return len(rows)


__all__ = ["FirstCheck", "first_check", "may_be_plain_first", "plain_first", "write_first"]
