"""Text that comes back after a loss: told the way the loss was told.

One rule for every kind of capture: a change is judged against what the recipients were told.

- `loss_told`: the event that made the current version current was substantive (legal heard that
  text was lost). Then a capture that completes the current version (it was cut off, or empty) is a
  change like any other, classified on its own (`monitor.diff.compare(completion=False)`): the
  sections that come back state the terms they state. When no loss was told (a first version, which
  is never alerted, or a loss told as no substantive change) the completion stays no change: what
  comes back mirrors what was told. Before, an accepted cut-off capture was told as "[HIGH] retention,
  rights removed" and the whole page back as "no substantive change: the previous capture was cut off
  and this one completes it" (a fresh user's finding), and an edit in the sections that had been cut
  away was swallowed with it.
- A version that was an accepted suspect capture is named in the alert that accepts it and in the
  first change away from it, with the sections that came back (`after_accepted`, `returned`).
- `back_from_accepted`: a capture suspect only against an accepted suspect version (another
  language...) but not against the version that capture replaced is the page back, not a glitch.
- `again_accepted`: the reverse. A capture identical to an earlier version that was an accepted
  suspect capture is a glitch like any other until it persists: held back as suspect, and told as
  the return to that version only once the rule for suspects accepts it. It was a known version,
  so the flap logic told it at once ("back to version 2: the change to version 3 was undone"),
  again after every new full version, or swung to it silently.
- `told_baseline`: so the version a change is reported from is never an accepted suspect capture
  that the recipients were not told is current (such a version becomes current only by a told
  event now; a watch left on one by a silent flap of older releases is judged from the version
  the latest event made current).

Every function works in the caller's transaction; the queries run only on the changed path.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.changes import DiffReport, max_severity
from monitor.checkresult import CheckResult
from monitor.config import Config, WatchConfig
from monitor.cutoff import cut_off
from monitor.diff import compare
from monitor.document import Document, Section
from monitor.fetch import FetchResult
from monitor.guard import Problem, accepting, relative_problem
from monitor.language import word_units
from monitor.recording import _note_accepted, _record_change, _remember_validators, was_suspect
from monitor.store import Check, Event, Version, Watch, utcnow
from monitor.suspects import ACCEPT_AFTER, count_note, identical_suspects, suspect_reason, suspect_result


def _arrival_row(s: Session, watch_id: int, cur: Version) -> Any:
    """(from_version_id, substantive, severity) of the latest event that made `cur` current; None
    when none did (a first version never returned to)."""
    return s.execute(
        select(Event.from_version_id, Event.substantive, Event.severity)
        .where(Event.watch_id == watch_id, Event.to_version_id == cur.id)
        .order_by(Event.id.desc())
        .limit(1)
    ).first()


def _arrival(s: Session, watch_id: int, cur: Version) -> tuple[int, bool] | None:
    """(from version id, substantive) of the latest event that made `cur` current; None when none
    did (a first version never returned to)."""
    row = _arrival_row(s, watch_id, cur)
    return None if row is None else (row.from_version_id, bool(row.substantive))


def as_severe_as_the_loss(s: Session, watch_id: int, cur: Version, report: DiffReport) -> bool:
    """Raise a return's severity to that of the substantive change that made `cur` current, so
    that every target told of the loss (or of the change now undone) is told of the return: a
    target with `min_severity = "high"` was told "right to access removed" (HIGH) and never heard
    that the rights came back (MEDIUM; a fresh user's finding). Only for a substantive return.
    Returns whether the severity was raised."""
    row = _arrival_row(s, watch_id, cur)
    if not report.substantive or row is None or not row.substantive:
        return False
    raised = max_severity([report.severity, row.severity])
    if raised == report.severity:
        return False
    report.severity = raised
    return True


def rated(severity: str | None) -> str:
    """What a return raised to the severity of what it undoes says in its headline."""
    return f"rated {severity} because the change it undoes was {severity}"


def loss_told(s: Session, watch_id: int, cur: Version) -> bool:
    """Whether the recipients were told of `cur`'s arrival as a substantive change: then a capture
    that completes `cur` must not be read as no change (see the module's docstring)."""
    arrival = _arrival(s, watch_id, cur)
    return arrival is not None and arrival[1]


def _first_suspect(s: Session, watch_id: int, version: Version) -> tuple[str | None, bool] | None:
    """(detail, relative) of the suspect capture that `version` was before it was accepted (the
    earliest: later ones may be held-back repeats); None when it never was one."""
    row = s.execute(
        select(Check.error, Check.capture_relative)
        .where(Check.watch_id == watch_id, Check.outcome == "suspect", Check.capture_hash == version.content_hash)
        .order_by(Check.id)
        .limit(1)
    ).first()
    return None if row is None else (row.error, bool(row.capture_relative))


def accepted_reason(s: Session, watch_id: int, version: Version) -> str | None:
    """Why `version` was a suspect capture before it was accepted ("cut off mid-sentence"); None
    when it never was one."""
    first = _first_suspect(s, watch_id, version)
    return None if first is None else suspect_reason(first[0])


def _units(section: Section) -> int:
    return sum(word_units(b.text) for b in section.blocks)


def sections_back(before: Document, cur: Document, new: Document) -> list[str]:
    """Headings of `new`'s sections that `before` had too and that `cur` lacks or holds fewer words
    of (the section a cut went through), in `new`'s order."""
    had = {s.path for s in before.sections}
    held = {s.path: _units(s) for s in cur.sections}
    return [s.heading for s in new.sections if s.path in had and s.path and _units(s) > held.get(s.path, 0)]


def after_accepted(s: Session, watch_id: int, cur: Version, cur_doc: Document, new: Document) -> str | None:
    """The note for the first change away from an accepted suspect capture that brings sections
    back: "sections back after the accepted capture (version 2: cut off mid-sentence): Retention,
    Your rights". None otherwise (also when a later change follows the capture)."""
    last_to = s.scalar(select(Event.to_version_id).where(Event.watch_id == watch_id).order_by(Event.id.desc()).limit(1))
    arrival = _arrival(s, watch_id, cur) if last_to == cur.id else None
    reason = accepted_reason(s, watch_id, cur) if arrival is not None else None
    before = s.get(Version, arrival[0]) if arrival is not None and reason is not None else None
    back = sections_back(before.document(), cur_doc, new) if before is not None else []
    if not back:
        return None
    return f"sections back after the accepted capture (version {cur.seq}: {reason}): {', '.join(back)}"


def back_from_accepted(s: Session, watch_id: int, cur: Version, doc: Document) -> bool:
    """Whether `doc`, suspect only against `cur` (a relative problem), is the page back: `cur` was an
    accepted suspect capture and `doc` has no relative problem against the version that capture
    replaced. The English notice back after a German page was accepted was "language changed (de ->
    en)" for two more checks, while legal's last word was the German page."""
    arrival = _arrival(s, watch_id, cur)
    if arrival is None or not was_suspect(s, watch_id, cur):
        return False
    before = s.get(Version, arrival[0])
    return before is not None and relative_problem(doc, before.document()) is None


def with_why(report: DiffReport, why: str) -> None:
    """Say `why` in the report's summary, which the alerts and the history show."""
    report.summary = f"{report.summary} ({why})" if report.summary else why


def returned(
    s: Session,
    config: Config,
    wc: WatchConfig,
    watch: Watch,
    result: FetchResult,
    cur: Version,
    back: Version,
    cur_doc: Document,
    doc: Document,
    why: str,
) -> CheckResult:
    """The page is back to the earlier version `back` after `cur` (an accepted suspect capture, or
    a substantive change the user was told of): `back` becomes current again and the change
    cur -> back is an event like any other (alerts to the watch's targets), outcome "changed" with
    `why` as its detail, plus the sections that came back and, when `back` itself was an accepted
    suspect capture (a one-off cut identical to an accepted one undoes the change after it), that."""
    with accepting("all"):  # the returning document is a version the user already had
        report = compare(cur_doc, doc, completion=not loss_told(s, watch.id, cur))
    names = sections_back(doc, cur_doc, doc)
    why += f"; sections back: {', '.join(names)}" if names else ""
    reason = accepted_reason(s, watch.id, back)
    why += f"; version {back.seq} is an accepted suspect capture ({reason})" if reason else ""
    if as_severe_as_the_loss(s, watch.id, cur, report):
        # The alert's lines keep their own severities; the headline says why it is higher.
        why += f"; {rated(report.severity)}"
    return record_return(s, config, wc, watch, result, cur, back, report, why)


def record_return(
    s: Session,
    config: Config,
    wc: WatchConfig,
    watch: Watch,
    result: FetchResult,
    old: Version,
    back: Version,
    report: DiffReport,
    why: str,
) -> CheckResult:
    """The earlier version `back` becomes current again, and the change old -> back (`report`) is
    recorded as an event (alerts to the watch's targets) that says `why`: outcome "changed"."""
    # The alert says it is a return, not only "v2 -> v1" (a fresh user's finding).
    with_why(report, why)
    back.last_seen_at = utcnow()
    watch.current_version = back
    _remember_validators(watch, result)
    event = _record_change(s, config, wc.name, old, back, report)
    return CheckResult.reported(wc.name, "changed", event.id, report, why)


def again_accepted(
    s: Session,
    config: Config,
    wc: WatchConfig,
    watch: Watch,
    result: FetchResult,
    cur: Version,
    back: Version,
    cur_doc: Document,
    doc: Document,
    problem: Problem | None,
) -> CheckResult:
    """The page is again `back`, an earlier version that was an accepted suspect capture, while
    `cur` is current. Suspect for `problem` (the guard's verdict against `cur`), else for a cut in
    the markup, else for what made `back` suspect; relative or not as that capture was. Suspect
    only against `cur`: outcome "suspect" until `ACCEPT_AFTER` identical captures in a row, then
    the told return to `back` (`returned`, with a note to the ops target). Suspect on its own:
    "suspect" until an operator accepts it (`monitor.suspects.accept_latest`)."""
    problem = problem or cut_off(s, cur, result)
    if problem is None:
        first = _first_suspect(s, watch.id, back)
        detail, relative = first if first is not None else (None, True)
        problem = Problem(suspect_reason(detail), relative=relative)
    if not problem.relative:
        return suspect_result(wc.name, problem, doc)
    seen = identical_suspects(s, watch.id, back.content_hash) + 1
    if seen < ACCEPT_AFTER:
        return suspect_result(wc.name, problem, doc, count_note(seen))
    accepted = f"accepted after {seen} identical captures: {problem.reason}"
    res = returned(s, config, wc, watch, result, cur, back, cur_doc, doc, f"back to version {back.seq}, {accepted}")
    _note_accepted(s, config, watch, back, accepted)  # the ops target heard it was suspect
    return res


def told_baseline(s: Session, watch: Watch, cur: Version) -> Version:
    """The version a capture that differs from the current `cur` is judged and reported against:
    `cur`, unless `cur` is an accepted suspect capture that became current without an event (a
    silent flap of a release before `again_accepted`): then the version the latest event made
    current, the last the recipients were told of, which becomes current again. Two reads, only on
    the changed path."""
    last_to = s.scalar(select(Event.to_version_id).where(Event.watch_id == watch.id).order_by(Event.id.desc()).limit(1))
    if last_to is None or last_to == cur.id or not was_suspect(s, watch.id, cur):
        return cur
    told = s.get(Version, last_to)
    if told is None:
        return cur
    watch.current_version = told
    return told
