"""The two rows every batched check writes: its check row, and its watch's health, schedule and lease.

`monitor.checkbatch` (unchanged checks) and `monitor.firstbatch` (first versions) both write a
healthy watch's check without per-watch transactions; these builders keep the two batches writing
the same columns the same way, as `checker._finish` does for a single check.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol


class BatchedCheck(Protocol):
    """What a batched check says about itself (`UnchangedCheck`, `FirstCheck`)."""

    watch_id: int
    started_at: datetime
    finished_at: datetime
    duration_ms: int
    fetch_ms: int | None
    http_status: int | None
    next_due_at: datetime


def check_row(r: BatchedCheck, outcome: str, version_id: int, not_modified: bool) -> dict[str, Any]:
    """Values of the `Check` row of `r`: outcome "unchanged" or "first", the version it saw or made."""
    return {
        "watch_id": r.watch_id,
        "started_at": r.started_at,
        "finished_at": r.finished_at,
        "duration_ms": r.duration_ms,
        "fetch_ms": r.fetch_ms,
        "outcome": outcome,
        "http_status": r.http_status,
        "not_modified": not_modified,
        "version_id": version_id,
    }


def healthy_watch_row(r: BatchedCheck) -> dict[str, Any]:
    """Values for `update(Watch)` by primary key: healthy again, checked now, due next, lease released."""
    return {
        "id": r.watch_id,
        "status": "ok",
        "consecutive_failures": 0,
        "last_checked_at": r.finished_at,
        "next_due_at": r.next_due_at,
        "lease_until": None,
        "lease_owner": None,
    }
