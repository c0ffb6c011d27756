"""An earlier version served again, when it is not the version the recipients were last told of.

The recipients' picture of a policy is the version the watch's latest change event made current
(the "told" version). When the page turns into an earlier version that is not that one, the live
policy differs from what they believe, and they must hear of it; but a page that alternates between
two versions (two servers behind one address, an A/B test of a rollout) must not alert on every
turn. The rule:

- The first return to the version a told substantive change replaced is told at once (the change
  was undone: `monitor.recording.undoes_told_change`), as are the returns after an accepted suspect
  capture (`monitor.returns`).
- Any other earlier version served again is held: the watch stays on the told version, and the
  check is a "flap" that keeps the served version's hash on its row. Once that version has been
  served for `PERSIST_AFTER` checks in a row it is told, as a change from the told version. Before,
  a change made again after its undo was told was a silent flap for good: the recipients' last
  word was the undo, while the live policy had the change (a fresh user's finding).
- A page that has already turned to that version and back within the last checks alternates: the
  ops target hears so once, and the version is told only once it has been served for
  `ALTERNATING_AFTER` checks in a row.

Fetch errors and HTTP error pages between checks say nothing about the page and are skipped when
counting. Every
function works in the caller's transaction; the queries run only on the changed path.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.changes import DiffReport, max_severity
from monitor.checkresult import CheckResult
from monitor.config import Config, WatchConfig
from monitor.fetch import FetchResult
from monitor.recording import is_or_rederives
from monitor.returns import rated, record_return
from monitor.store import Check, Event, Version, Watch
from monitor.suspects import _LOOKBACK, _NOT_EVIDENCE, ACCEPT_AFTER

PERSIST_AFTER = ACCEPT_AFTER  # checks in a row that make a version served again the told one
ALTERNATING_AFTER = 10  # the same, for a page seen turning back and forth within _LOOKBACK checks


@dataclass(frozen=True)
class Served:
    """How a version served again has been seen, this check included: `run` checks in a row, after
    `earlier_runs` separate runs within the last `_LOOKBACK` checks."""

    run: int
    earlier_runs: int

    @property
    def needed(self) -> int:
        """Checks in a row after which the version is told."""
        return ALTERNATING_AFTER if self.earlier_runs else PERSIST_AFTER

    @property
    def persists(self) -> bool:
        return self.run >= self.needed

    @property
    def starts_alternating(self) -> bool:
        """The second separate run within the window: the moment the page is seen to alternate."""
        return self.run == 1 and self.earlier_runs == 1


def told_version(s: Session, watch_id: int, cur: Version) -> Version | None:
    """The version the watch's latest change event made current, or the current version `cur` when
    it is that version re-derived by a newer extractor (judged as we read pages now); None before
    any event."""
    told = s.scalar(select(Event.to_version_id).where(Event.watch_id == watch_id).order_by(Event.id.desc()).limit(1))
    if told is None:
        return None
    return cur if is_or_rederives(s, cur, told) else s.get(Version, told)


def served(s: Session, watch_id: int, content_hash: str) -> Served:
    """How the version with `content_hash` has been served lately (held "flap" checks that kept its
    hash), counting this check as one more of the current run."""
    run, earlier, in_run, previous = 1, 0, True, False
    rows = s.execute(
        select(Check.outcome, Check.capture_hash)
        .where(Check.watch_id == watch_id)
        .order_by(Check.id.desc())
        .limit(_LOOKBACK)
    ).all()
    for outcome, capture in rows:
        if outcome in _NOT_EVIDENCE or (outcome == "suspect" and capture is None):
            continue  # a fetch that failed, or an HTTP error page, says nothing about the page
        this = outcome == "flap" and capture == content_hash
        if in_run:
            if this:
                run += 1
                continue
            in_run = False
        elif this and not previous:
            earlier += 1
        previous = this
    return Served(run, earlier)


def undone_severity(s: Session, watch_id: int, back: Version) -> str | None:
    """The highest severity of the substantive changes told since `back` was last made current by
    an event (since the watch began, if never): what going back to `back` undoes. None if none."""
    since = s.scalar(select(func.max(Event.id)).where(Event.watch_id == watch_id, Event.to_version_id == back.id))
    rows = s.scalars(
        select(Event.severity).where(
            Event.watch_id == watch_id, Event.id > (since or 0), Event.substantive.is_(True)
        )
    ).all()
    return max_severity(list(rows)) if rows else None


def held_detail(seq: int, told_seq: int, seen: Served) -> str:
    """The detail of a held check: which version was served, and when it will be told."""
    why = f"same as version {seq}, not version {told_seq} that recipients were last told of"
    if seen.earlier_runs:
        why += f"; the page alternates between versions {told_seq} and {seq}"
    return f"{why}: told once it is served {seen.needed} checks in a row ({seen.run} so far)"


def alternation_note(seq: int, told_seq: int) -> str:
    """The ops note sent when a page is first seen alternating between two versions."""
    return (
        f"the page alternates between version {told_seq} (what recipients were last told) and version {seq}; "
        f"a change is told once one of them is served {ALTERNATING_AFTER} checks in a row"
    )


def persisted_why(seq: int, told_seq: int, seen: Served) -> str:
    """The detail of the change told once a version served again persists."""
    return f"back to version {seq}, served {seen.run} checks in a row after version {told_seq}"


def tell_served_again(
    s: Session,
    config: Config,
    wc: WatchConfig,
    watch: Watch,
    result: FetchResult,
    told: Version,
    back: Version,
    report: DiffReport,
    seen: Served,
) -> CheckResult:
    """`back` persisted: it becomes current again, and the change told -> back (`report`, judged
    from the told version) is an event like any other (alerts to the watch's targets), outcome
    "changed"."""
    why = persisted_why(back.seq, told.seq, seen)
    undone = undone_severity(s, watch.id, back)
    if report.substantive and undone is not None and max_severity([report.severity, undone]) != report.severity:
        # Back to a version the recipients had: every target told of a change it undoes hears of it.
        report.severity = undone
        why += f"; {rated(undone)}"
    return record_return(s, config, wc, watch, result, told, back, report, why)
