"""Which process checks which watch: the watches table kept in step with the config, when a watch is
due, and the leases that let several daemons share the work (claim, renew, release, take over from a
process that is gone).

Split off monitor.checker, which re-exports every name here; the log records still go to the
"monitor.checker" logger.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.config import MAX_INTERVAL, Config, WatchConfig, parse_duration
from monitor.cron import cron_trigger, is_cron
from monitor.leases import holder_gone, holder_name
from monitor.store import Store, Watch, utcnow

log = logging.getLogger("monitor.checker")

LEASE = timedelta(minutes=15)  # the default [database] lease: longer than any check
FETCH_BUDGET_MAX = LEASE / 2  # a fetch's retries and waits end well before the lease does
# This process as a lease holder: host, pid and start time, so that any process on this host can
# tell when the holder is gone (see monitor.leases) and free its leases at once.
OWNER = holder_name()


def lease_of(config: Config) -> timedelta:
    """How long a claim on a watch lasts (`[database] lease`)."""
    return parse_duration(config.database.lease)


# -- scheduling arithmetic ------------------------------------------------------------------------


def next_due(
    schedule: str, after: datetime, jitter: float = 0.0, rng: random.Random | None = None
) -> datetime:
    """The next time a watch is due: an interval from `after` (spread by +-jitter so a hundred
    watches added together do not all fire in the same second), or the next cron fire time."""
    if is_cron(schedule):
        fire = cron_trigger(schedule).get_next_fire_time(None, after)
        # Config loading refuses an expression that never fires; one that stops firing (its last
        # year passed) keeps the watch on a yearly round rather than stopping the claim loop.
        return fire if fire is not None else after + MAX_INTERVAL
    interval = parse_duration(schedule)
    spread = (rng or random).uniform(-jitter, jitter) if jitter else 0.0
    return after + interval * (1 + spread)



# -- watch bookkeeping --------------------------------------------------------------------------


@dataclass
class Synced:
    """What a sync changed, by watch name: watches added (new or back in the config), removed
    (deactivated) and edited (URL, schedule, or with a previous config any of its settings)."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)


def planned_due(row: Watch, schedule: str) -> datetime | None:
    """When a watch is due under `schedule`, as the next sync will store it (without its jitter):
    its stored due time if that was computed from this schedule (or from one not recorded, a
    database of before the column) or if it was never checked (a first check waits for no
    interval), else one `schedule` after its last check (the README: an edited interval or cron
    expression counts from the last check). For `list`, which writes nothing."""
    if row.schedule in (None, schedule) or row.last_checked_at is None:
        return row.next_due_at
    return next_due(schedule, row.last_checked_at)


def sync_watches(store: Store, config: Config, previous: Config | None = None) -> Synced:
    """Make the watches table match the config: new watches become due now, changed URLs are
    updated (and due now), a changed schedule is due one new interval (or cron fire) after the
    last check, and watches gone from the config are deactivated (their history is kept).

    The one path of the daemon's start, its reload (`previous`: the config it ran with, whose
    edits count too), `check` and `run`: a schedule edited while no daemon ran is told by the
    schedule stored with each watch.

    Safe to run by several processes at the same moment (two daemons starting together): new rows
    are inserted with ON CONFLICT DO NOTHING, so the loser of a race simply finds the row there."""
    wanted = {w.name: w for w in config.watches}
    done = Synced()
    with store.session() as s:
        have = set(s.scalars(select(Watch.name)))
        missing = [wc for name, wc in wanted.items() if name not in have]
        if missing:
            _insert_new(s, config, missing)
    done.added = [wc.name for wc in missing]
    before = {w.name: w for w in previous.watches} if previous is not None else {}
    now = utcnow()
    with store.session() as s:
        rows = {w.name: w for w in s.scalars(select(Watch))}
        for name, wc in wanted.items():
            row = rows.get(name)
            if row is None:
                continue  # cannot happen: inserted above (by us or by a concurrent process)
            schedule, old = config.interval_of(wc), before.get(name)
            # Edited since the last sync (stored), or since the config this daemon ran with (a
            # process that synced meanwhile, or the row's due time written by this daemon's old
            # config after another process's sync).
            rescheduled = row.schedule not in (None, schedule) or (
                previous is not None and old is not None and previous.interval_of(old) != schedule
            )
            if rescheduled and row.last_checked_at is not None:
                row.next_due_at = next_due(schedule, row.last_checked_at, config.defaults.jitter)
            if row.schedule != schedule:
                row.schedule = schedule
            moved = row.url != wc.url
            if moved:
                # A different URL is a different resource: drop the validators of the old one.
                row.url, row.etag, row.last_modified = wc.url, None, None
                row.next_due_at = now
            if not row.active:
                row.active, row.next_due_at = True, now
                done.added.append(name)
            elif name not in done.added and (moved or rescheduled or (old is not None and old != wc)):
                done.edited.append(name)
        for name, row in rows.items():
            if name not in wanted and row.active:
                row.active = False
                done.removed.append(name)
    if previous is not None:  # this config's own edits, even where another process synced first
        done.added.extend(n for n in wanted if n not in before)
        done.removed.extend(n for n in before if n not in wanted and n not in done.removed)
    added = set(done.added)
    done.added, done.removed = sorted(added), sorted(done.removed)
    done.edited = sorted(n for n in done.edited if n not in added)
    return done


def _insert_new(s: Session, config: Config, watches: list[WatchConfig]) -> None:
    """INSERT the watches, skipping any name another process inserted meanwhile."""
    now = utcnow()
    values = [
        {"name": wc.name, "url": wc.url, "active": True, "next_due_at": now, "created_at": now,
         "status": "new", "consecutive_failures": 0, "schedule": config.interval_of(wc)}
        for wc in watches
    ]  # fmt: skip
    dialect = s.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        s.execute(pg_insert(Watch).on_conflict_do_nothing(index_elements=["name"]), values)
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        s.execute(sqlite_insert(Watch).on_conflict_do_nothing(index_elements=["name"]), values)
    else:  # another backend: one row at a time, a duplicate is someone else's insert
        for v in values:
            try:
                with s.begin_nested():
                    s.add(Watch(**v))
            except IntegrityError:
                pass


def _free(now: datetime, owner: str) -> Any:
    """A lease that can be taken: none, lapsed, or already this owner's."""
    return or_(Watch.lease_until.is_(None), Watch.lease_until < now, Watch.lease_owner == owner)


def _acquire(store: Store, watch_id: int, owner: str, lease: timedelta = LEASE) -> bool:
    """Take the lease of one watch. A lease whose holder is provably gone (same host, process no
    longer there; see monitor.leases) is taken over at once; other leases are respected until
    they lapse."""
    now = utcnow()
    with store.session() as s:
        res = s.execute(
            update(Watch)
            .where(Watch.id == watch_id, _free(now, owner))
            .values(lease_until=now + lease, lease_owner=owner)
        )
        if res.rowcount == 1:
            return True
        holder = s.scalar(select(Watch.lease_owner).where(Watch.id == watch_id))
        if not holder_gone(holder):
            return False
        res = s.execute(
            update(Watch)
            .where(Watch.id == watch_id, Watch.lease_owner == holder)
            .values(lease_until=now + lease, lease_owner=owner)
        )
        if res.rowcount == 1:
            log.info("took over the lease of watch %s from %s (that process is gone)", watch_id, holder)
            return True
        return False


def claim_due(
    store: Store,
    owner: str,
    limit: int,
    lease: timedelta = LEASE,
    exclude: set[int] | frozenset[int] = frozenset(),
) -> list[tuple[int, str]]:
    """Claim up to `limit` active watches that are due and free, earliest due first: (id, name).

    Several daemons share the work this way. On PostgreSQL the candidates are locked with
    SELECT ... FOR UPDATE SKIP LOCKED, so concurrent claimers pass each other's rows by instead of
    waiting; the guarded UPDATE makes the claim safe on SQLite too (one writer at a time)."""
    if limit <= 0:
        return []
    now = utcnow()
    with store.session() as s:
        cand = (
            select(Watch.id)
            .where(Watch.active.is_(True), Watch.next_due_at <= now, _free(now, owner))
            .order_by(Watch.next_due_at, Watch.id)
            .limit(limit)
        )
        if exclude:
            cand = cand.where(Watch.id.not_in(sorted(exclude)))
        if s.get_bind().dialect.name == "postgresql":
            cand = cand.with_for_update(skip_locked=True)
        ids = list(s.scalars(cand))
        if not ids:
            return []
        rows = s.execute(
            update(Watch)
            .where(Watch.id.in_(ids), _free(now, owner))
            .values(lease_until=now + lease, lease_owner=owner)
            .returning(Watch.id, Watch.name)
            .execution_options(synchronize_session=False)
        ).all()
        return sorted(((r.id, r.name) for r in rows), key=lambda r: ids.index(r[0]))


def renew_leases(store: Store, owner: str, ids: set[int], lease: timedelta = LEASE) -> int:
    """Extend this owner's leases on the watches it is checking right now; how many it still held."""
    if not ids:
        return 0
    with store.session() as s:
        res = s.execute(
            update(Watch)
            .where(Watch.id.in_(sorted(ids)), Watch.lease_owner == owner)
            .values(lease_until=utcnow() + lease)
            .execution_options(synchronize_session=False)
        )
        return res.rowcount


def release_leases(store: Store, owner: str, ids: set[int] | None = None) -> int:
    """Free this owner's leases (all of them, or those of `ids`)."""
    with store.session() as s:
        q = update(Watch).where(Watch.lease_owner == owner)
        if ids is not None:
            q = q.where(Watch.id.in_(sorted(ids)))
        res = s.execute(q.values(lease_owner=None, lease_until=None).execution_options(synchronize_session=False))
        return res.rowcount


def release_stale_leases(store: Store) -> int:
    """Free every lease whose holder is provably gone (a process of this host that was killed), so
    nobody waits for those leases to lapse. Returns how many leases were freed."""
    with store.session() as s:
        holders = list(s.scalars(select(Watch.lease_owner).where(Watch.lease_owner.is_not(None)).distinct()))
        dead = [h for h in holders if holder_gone(h)]
        if not dead:
            return 0
        res = s.execute(
            update(Watch)
            .where(Watch.lease_owner.in_(dead))
            .values(lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        log.info("freed %d lease(s) of %d process(es) that are gone", res.rowcount, len(dead))
        return res.rowcount


def _release(s: Session, watch: Watch) -> None:
    watch.lease_until, watch.lease_owner = None, None
