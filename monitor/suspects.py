"""Suspect captures kept on their check rows: counted for acceptance, and accepted by an operator.

A capture that is suspect only against the last version (it lost most of its text, it is cut
off, it is in another language) and then comes back byte-for-byte the same document is not a
glitch: the site changed for good. After `ACCEPT_AFTER` identical captures in a row (fetch
errors and HTTP error statuses in between do not count either way) the checker makes it the new version, and tells the
ops target. A capture that is suspect on its own (a gate, an empty page, a page that does not
read as a privacy policy, or a short page titled as a maintenance or error page: see
monitor.guard) never is accepted this way: `policy-monitor accept WATCH` lets an operator accept the latest suspect capture at once.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.checkresult import CheckResult
from monitor.config import Config, WatchConfig
from monitor.diff import compare
from monitor.document import Document
from monitor.guard import Problem, accepting
from monitor.packing import pack_text
from monitor.store import Check, Store, Watch, utcnow

ACCEPT_AFTER = 3  # identical captures (this one included) that make a relative-suspect page a version
_LOOKBACK = 50  # checks examined when counting (more than ACCEPT_AFTER plus interleaved errors)
_NOT_EVIDENCE = ("error", "busy")  # outcomes that say nothing about what the page is


def count_note(seen: int) -> str:
    """What a relative-suspect check adds to its reason: how far it is from being accepted."""
    return f" (identical capture {seen} of {ACCEPT_AFTER} before it is accepted)"


def suspect_result(name: str, problem: Problem, doc: Document, note: str = "") -> CheckResult:
    """A suspect check that keeps its capture (for counting repeats and for `accept`)."""
    capture = (doc, problem.relative) if not doc.is_empty() else None
    return CheckResult(name, "suspect", detail=problem.reason + note, capture=capture)


def suspect_reason(detail: str | None) -> str:
    """A suspect check's detail without `count_note`: why the capture is suspect."""
    if not detail:
        return "suspect capture"
    return _COUNT_NOTE.sub("", detail)


_COUNT_NOTE = re.compile(r" \(identical capture \d+ of \d+ before it is accepted\)$")


def capture_fields(capture: tuple[Document, bool] | None) -> dict[str, Any]:
    """The Check columns that keep a suspect capture (none when there is nothing to keep)."""
    if capture is None:
        return {}
    doc, relative = capture
    return {
        "capture_hash": doc.content_hash(),
        "capture_z": pack_text(doc.to_markdown()),
        "capture_relative": relative,
    }


def identical_suspects(s: Session, watch_id: int, content_hash: str) -> int:
    """How many of the watch's latest checks, in a row, were relative-suspect captures of exactly
    this document (fetch errors in between are skipped; anything else ends the run)."""
    count = 0
    checks = s.scalars(
        select(Check).where(Check.watch_id == watch_id).order_by(Check.id.desc()).limit(_LOOKBACK)
    )
    for check in checks:
        if check.outcome in _NOT_EVIDENCE or (check.outcome == "suspect" and check.capture_hash is None):
            continue  # a fetch that failed, or an HTTP error page, says nothing about the page
        if check.outcome == "suspect" and check.capture_relative and check.capture_hash == content_hash:
            count += 1
            continue
        break
    return count


def latest_suspect(s: Session, watch_id: int) -> Check | None:
    """The watch's latest suspect capture with a kept document, when nothing but fetch errors or
    HTTP error statuses came after it; None when the latest evidence is anything else."""
    checks = s.scalars(
        select(Check).where(Check.watch_id == watch_id).order_by(Check.id.desc()).limit(_LOOKBACK)
    )
    for check in checks:
        if check.outcome in _NOT_EVIDENCE or (check.outcome == "suspect" and check.capture_z is None):
            continue
        return check if check.outcome == "suspect" else None
    return None


# -- an operator's acceptance -----------------------------------------------------------------


class AcceptError(Exception):
    """Nothing to accept (no such watch, no suspect capture, the watch is being checked)."""


def accept_latest(store: Store, config: Config, wc: WatchConfig, *, owner: str | None = None) -> CheckResult:
    """Make the watch's latest suspect capture its current version now (`policy-monitor accept`).

    The change from the previous version is reported like any other (events and alerts to the
    watch's targets), and the ops target gets a note; recorded as a check with outcome
    "accepted". Raises AcceptError when there is nothing to accept."""
    # The checker's own steps (lease, version, event, outbox, check row): an accepted capture is
    # recorded exactly like a checked one.
    from monitor.checker import OWNER, _acquire, _release

    owner = owner or OWNER
    with store.session() as s:
        watch = Store.watch_by_name(s, wc.name)
        if watch is None:
            raise AcceptError(f"no watch named {wc.name!r} in the database (has it been checked yet?)")
        watch_id = watch.id
    if not _acquire(store, watch_id, owner):
        raise AcceptError(f"{wc.name!r} is being checked right now; try again in a moment")
    started, t0 = utcnow(), time.monotonic()
    with store.session() as s:
        watch = s.get(Watch, watch_id)
        assert watch is not None
        check = latest_suspect(s, watch_id)
        cur = watch.current_version
        markdown = check.capture_markdown if check is not None else None
        refusal = None
        if markdown is None:
            refusal = f"the latest check of {wc.name!r} is not a suspect capture with a document; nothing to accept"
        elif cur is not None and cur.content_hash == Document.from_markdown(markdown).content_hash():
            refusal = f"the suspect capture of {wc.name!r} is already version {cur.seq}"
        if refusal is not None:
            _release(s, watch)  # committed with the session; the error is raised after it
        else:
            assert check is not None and markdown is not None
            return _accept(s, config, wc, watch, check, Document.from_markdown(markdown), started, t0)
    raise AcceptError(refusal)


def _accept(
    s: Session,
    config: Config,
    wc: WatchConfig,
    watch: Watch,
    check: Check,
    doc: Document,
    started: datetime,
    t0: float,
) -> CheckResult:
    from monitor.checker import _finish, _new_version, _note_accepted, _record_change
    from monitor.returns import loss_told, with_why

    cur = watch.current_version
    why = f"accepted by an operator: {suspect_reason(check.error)}"
    with accepting("all"):
        report = compare(cur.document(), doc, completion=not loss_told(s, watch.id, cur)) if cur is not None else None
    version = _new_version(s, wc, watch, doc, None)
    watch.current_version = version
    res = CheckResult(wc.name, "accepted", version=version.seq, detail=why)
    if cur is not None and report is not None:
        with_why(report, why)  # the alert and the history say what legal is told of
        event = _record_change(s, config, wc.name, cur, version, report)
        res = CheckResult.reported(wc.name, "accepted", event.id, report, why, version=version.seq)
    _note_accepted(s, config, watch, version, why)
    _finish(s, config, wc, watch, started, t0, "accepted", error=why, version_id=version.id, event_id=res.event_id)
    return res
