"""Prometheus metrics and the health check, both read from the database at request time.

The database is the one source of truth: the `serve` process may be separate from the checker (a
daemon, or cron running `check`), so the counters are counts of stored rows (checks are never
deleted, so they only grow), and they move with every check whichever process made it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector, CollectorRegistry
from sqlalchemy import case, func, select, text

from monitor.checker import LEASE
from monitor.dberrors import is_schema_error
from monitor.store import Base, Check, Event, Notification, Store, Watch, utcnow
from monitor.web.queries import SUCCESS

# Seconds; a check includes fetch, extraction and diff, so its tail is long.
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)

# `() -> (healthy, detail)` of a scheduler running in this process, or None when there is none.
SchedulerHealth = Callable[[], tuple[bool, str]]


class StoreCollector(Collector):
    """Computes every metric from the database on each scrape (a few aggregate queries)."""

    def __init__(self, store: Store, scheduler: SchedulerHealth | None = None) -> None:
        self.store = store
        self.scheduler = scheduler

    def collect(self) -> Iterator[Metric]:
        now = utcnow()
        with self.store.session() as s:
            by_outcome = s.execute(select(Check.outcome, func.count()).group_by(Check.outcome)).all()
            hist = s.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(Check.duration_ms), 0),
                    *(func.sum(case((Check.duration_ms <= b * 1000, 1), else_=0)) for b in BUCKETS),
                )
            ).one()
            fetch_hist = s.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(Check.fetch_ms), 0),
                    *(func.sum(case((Check.fetch_ms <= b * 1000, 1), else_=0)) for b in BUCKETS),
                ).where(Check.fetch_ms.is_not(None))
            ).one()
            events = s.execute(
                select(Event.severity, func.count()).where(Event.substantive.is_(True)).group_by(Event.severity)
            ).all()
            pending, oldest = s.execute(
                select(func.count(), func.min(Notification.created_at)).where(Notification.status == "pending")
            ).one()
            failed = s.scalar(select(func.count()).where(Notification.status == "failed"))
            watches = list(s.scalars(select(Watch).where(Watch.active.is_(True))))
            last_ok = dict(
                s.execute(
                    select(Check.watch_id, func.max(Check.finished_at))
                    .where(Check.outcome.in_(SUCCESS))
                    .group_by(Check.watch_id)
                ).all()
            )
        if oldest is not None and oldest.tzinfo is None:
            from datetime import UTC

            oldest = oldest.replace(tzinfo=UTC)

        checks = CounterMetricFamily(
            "policy_monitor_checks", "Checks recorded, by outcome (all processes)", labels=["outcome"]
        )
        for outcome, n in sorted(by_outcome):
            checks.add_metric([outcome], n)
        yield checks

        count, total_ms, *cum = hist
        duration = HistogramMetricFamily(
            "policy_monitor_check_duration_seconds",
            "Duration of a check (fetch, extraction and diff), from the stored checks",
        )
        buckets = [(_le(b), int(c or 0)) for b, c in zip(BUCKETS, cum, strict=True)] + [("+Inf", int(count))]
        duration.add_metric([], buckets, sum_value=float(total_ms) / 1000)
        yield duration

        count, total_ms, *cum = fetch_hist
        fetch = HistogramMetricFamily(
            "policy_monitor_fetch_duration_seconds",
            "Duration of the fetch alone (request, retries and body; no extraction), from the stored checks",
        )
        buckets = [(_le(b), int(c or 0)) for b, c in zip(BUCKETS, cum, strict=True)] + [("+Inf", int(count))]
        fetch.add_metric([], buckets, sum_value=float(total_ms) / 1000)
        yield fetch

        changes = CounterMetricFamily(
            "policy_monitor_changes", "Substantive change events, by severity", labels=["severity"]
        )
        for severity, n in sorted(events, key=lambda r: str(r[0])):
            changes.add_metric([severity or "none"], n)
        yield changes

        yield GaugeMetricFamily("policy_monitor_outbox_pending", "Notifications waiting to be sent", pending)
        yield GaugeMetricFamily(
            "policy_monitor_outbox_failed", "Notifications given up after their last attempt", failed or 0
        )
        yield GaugeMetricFamily(
            "policy_monitor_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending notification (0 when none is pending)",
            max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        )

        status = GaugeMetricFamily("policy_monitor_watches", "Active watches by status", labels=["status"])
        counts: dict[str, int] = {k: 0 for k in ("new", "ok", "failing", "suspect")}
        for w in watches:
            counts[w.status] = counts.get(w.status, 0) + 1
        for k, n in counts.items():
            status.add_metric([k], n)
        yield status
        yield GaugeMetricFamily("policy_monitor_suspect_watches", "Watches whose last check was suspect", counts["suspect"])

        since = GaugeMetricFamily(
            "policy_monitor_last_success_age_seconds",
            "Seconds since each watch's last successful check (absent: never succeeded)",
            labels=["watch"],
        )
        for w in watches:
            at = last_ok.get(w.id)
            if at is not None:
                at = at if at.tzinfo else at.replace(tzinfo=now.tzinfo)
                since.add_metric([w.name], max(0.0, (now - at).total_seconds()))
        yield since
        yield GaugeMetricFamily(
            "policy_monitor_overdue_watches",
            "Active watches due more than a lease ago and not being checked",
            _overdue(watches, now),
        )
        if self.scheduler is not None:
            ok, _detail = self.scheduler()
            yield GaugeMetricFamily("policy_monitor_scheduler_up", "1 while the in-process scheduler runs", int(ok))


def _le(bound: float) -> str:
    return str(float(bound))


def _overdue(watches: list[Watch], now: Any) -> int:
    late = now - 2 * LEASE
    return sum(
        1
        for w in watches
        if w.next_due_at is not None and w.next_due_at < late and (w.lease_until is None or w.lease_until < now)
    )


def registry_for(store: Store, scheduler: SchedulerHealth | None = None) -> CollectorRegistry:
    """A registry of its own (not the process-wide default), so several apps can live in one process."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(store, scheduler))
    return registry


def health(store: Store, scheduler: SchedulerHealth | None) -> tuple[bool, dict[str, Any]]:
    """(healthy, body): the database answers a query naming every table and column the service
    reads ("database": "ok"; "unreachable: ERROR" when it cannot be reached; "database schema
    missing or out of date: run `policy-monitor db upgrade` (ERROR)" when a table or column is
    missing), and the scheduler (when this process runs one) is alive. Overdue watches are reported
    but do not fail it: cron users run no daemon."""
    body: dict[str, Any] = {}
    ok = True
    t0 = time.monotonic()
    try:
        with store.session() as s:
            s.execute(text("SELECT 1"))
            # `SELECT 1` answers on a database whose tables are gone or behind the code; then every
            # page fails. Each table read with all its columns and no rows costs next to nothing.
            for table in Base.metadata.sorted_tables:
                s.execute(select(*table.c).limit(0))
            watches = list(s.scalars(select(Watch).where(Watch.active.is_(True))))
        body["database"] = "ok"
        body["overdue_watches"] = _overdue(watches, utcnow())
    except Exception as exc:
        ok = False
        why = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        if is_schema_error(exc):  # it answered: no point looking at the network or the file
            body["database"] = f"database schema missing or out of date: run `policy-monitor db upgrade` ({why})"
        else:  # any other driver error means the same thing here
            body["database"] = f"unreachable: {why}"
    # A SQLite file deleted (or replaced) under the server still answers through the open
    # connection, with old data, while a `check` writes a new file the server never reads.
    if not body["database"].startswith("unreachable") and store.file_gone():
        ok = False
        body["database"] = (
            f"database file {store.sqlite_path} is gone (deleted or replaced) since the server started: restart it"
        )
    body["database_ms"] = round((time.monotonic() - t0) * 1000, 1)
    if scheduler is None:
        body["scheduler"] = "not in this process"
    else:
        alive, detail = scheduler()
        body["scheduler"] = detail
        ok = ok and alive
    body["status"] = "ok" if ok else "fail"
    return ok, body


__all__ = ["BUCKETS", "StoreCollector", "health", "registry_for"]
