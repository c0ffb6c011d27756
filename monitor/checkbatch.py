"""Unchanged checks and first versions, written in batches: one transaction for many watches.

A check that found the policy unchanged (a 304, the very bytes of the current version, or a page
that extracts to the current version) of a healthy watch changes nothing but its own check row, the
watch's schedule, validators and lease, and the current version's `last_seen_at`. The checker hands
such checks to a `CheckBatch`, which writes them together every `max_rows` checks or `max_age`
seconds, and when the round ends: the same rows `checker._finish` would write, in one transaction
per batch instead of one per watch, on SQLite and PostgreSQL alike. The plain first version of a
new watch (`monitor.firstbatch.FirstCheck`: a raw body, version 1, its check row, the watch's current
version) waits in the same batch and is written in the same transaction.

Only these plain rows wait in memory; a change, an event, its outbox rows and any check with
something to report are written with their own transaction as before. A crash loses at most the
last second of "unchanged" check rows and first versions: their watches are due as before (a watch
without a version is simply checked again), and their leases expire as any crashed holder's do.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from monitor.checkrows import check_row, healthy_watch_row
from monitor.firstbatch import FirstCheck, write_first
from monitor.store import Check, Store, Version, Watch


@dataclass(frozen=True)
class UnchangedCheck:
    """One unchanged check of a healthy watch (status "ok", no failures in a row)."""

    watch_id: int
    version_id: int  # the current version, seen again
    started_at: datetime
    finished_at: datetime
    duration_ms: int
    http_status: int | None
    not_modified: bool
    next_due_at: datetime
    # New validators to remember (a full 200), or None to keep the stored ones (a 304).
    validators: tuple[str | None, str | None] | None = None
    fetch_ms: int | None = None  # the fetch alone


def write_unchanged(store: Store, rows: list[UnchangedCheck]) -> None:
    """Write `rows` in one transaction: check rows, watch schedule/health/lease, versions last seen."""
    write_batch(store, rows, [])


def write_batch(store: Store, unchanged: list[UnchangedCheck], first: list[FirstCheck]) -> None:
    """Write unchanged checks and first versions in one transaction (nothing when both are empty)."""
    if not unchanged and not first:
        return
    with store.session() as s:
        if first:
            write_first(s, first)
        if unchanged:
            _write_unchanged(s, unchanged)


def _write_unchanged(s: Session, rows: list[UnchangedCheck]) -> None:
    """`write_unchanged` in the caller's transaction."""
    s.execute(insert(Check), [check_row(r, "unchanged", r.version_id, r.not_modified) for r in rows])
    watches = []
    for r in rows:
        values = healthy_watch_row(r)
        if r.validators is not None:
            values["etag"], values["last_modified"] = r.validators
        watches.append(values)
    s.execute(update(Watch), watches)
    s.execute(update(Version), [{"id": r.version_id, "last_seen_at": r.finished_at} for r in rows])


class CheckBatch:
    """Collects unchanged checks and first versions from many concurrent checks; thread-safe.

    `add` returns True when the batch is due (`max_rows` unchanged checks or `max_first` first
    versions waiting, or the oldest row waiting `max_age` seconds); the caller then runs `flush` off
    the event loop. `flush` writes whatever is waiting. First versions have a lower cap: each holds
    its compressed page and raw body (~30 KB), an unchanged check a few hundred bytes."""

    def __init__(
        self,
        store: Store,
        *,
        max_rows: int = 200,
        max_first: int = 64,
        max_age: float = 1.0,
        on_failed: Callable[[UnchangedCheck | FirstCheck, Exception], None] | None = None,
        on_written: Callable[[list[int]], None] | None = None,
    ) -> None:
        self.store = store
        # Without `on_failed` a flush that fails keeps every row and raises. With it, the rows are
        # tried one at a time, and each the database still refuses is handed to `on_failed` and
        # dropped: one watch whose writes fail must not hold back every other watch's checks.
        self.on_failed = on_failed
        self.on_written = on_written  # told the watch ids of the rows each flush wrote
        self.max_rows = max_rows
        self.max_first = max_first
        self.max_age = max_age
        self._rows: list[UnchangedCheck] = []
        self._first: list[FirstCheck] = []
        self._since = 0.0
        self._writing: list[UnchangedCheck | FirstCheck] = []  # taken by a flush, not yet committed
        self._lock = threading.Lock()
        self._write = threading.Lock()  # one batch transaction at a time

    def add(self, row: UnchangedCheck | FirstCheck) -> bool:
        with self._lock:
            if not self._rows and not self._first:
                self._since = time.monotonic()
            if isinstance(row, FirstCheck):
                self._first.append(row)
            else:
                self._rows.append(row)
            return (
                len(self._rows) >= self.max_rows
                or len(self._first) >= self.max_first
                or time.monotonic() - self._since >= self.max_age
            )

    def flush(self) -> int:
        """Write what is waiting, in one transaction; returns how many rows that was. On a failure
        (raised) every row is kept for the next flush: a passing database hiccup loses nothing."""
        with self._write:
            with self._lock:
                rows, self._rows = self._rows, []
                first, self._first = self._first, []
                self._writing = [*rows, *first]
            try:
                write_batch(self.store, rows, first)
            except Exception:
                if self.on_failed is not None:
                    return self._one_by_one(rows, first)
                with self._lock:
                    self._rows[:0] = rows
                    self._first[:0] = first
                raise
            finally:
                with self._lock:
                    self._writing = []
            if self.on_written is not None:
                self.on_written([r.watch_id for r in (*rows, *first)])
            return len(rows) + len(first)

    def _one_by_one(self, rows: list[UnchangedCheck], first: list[FirstCheck]) -> int:
        assert self.on_failed is not None
        written: list[int] = []
        for row in [*rows, *first]:
            try:
                if isinstance(row, FirstCheck):
                    write_batch(self.store, [], [row])
                else:
                    write_batch(self.store, [row], [])
                written.append(row.watch_id)
            except Exception as exc:
                self.on_failed(row, exc)
        if written and self.on_written is not None:
            self.on_written(written)
        return len(written)

    def age(self) -> float:
        """Seconds the oldest waiting row has waited (0.0 when none waits)."""
        with self._lock:
            return time.monotonic() - self._since if self._rows or self._first else 0.0

    def waiting(self) -> set[int]:
        """Ids of the watches whose checks wait here or are being written: their leases are still
        held and their next due times not yet written, so a claimer must pass them by."""
        with self._lock:
            return {r.watch_id for r in (*self._rows, *self._first, *self._writing)}

    def __len__(self) -> int:
        return len(self._rows) + len(self._first)


__all__ = ["CheckBatch", "FirstCheck", "UnchangedCheck", "write_batch", "write_unchanged"]
