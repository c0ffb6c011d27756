"""The outbox rows' claims and bookkeeping: a sender claims a row right before sending it (FOR UPDATE
SKIP LOCKED on PostgreSQL), then marks it sent, or failed with a jittered exponential backoff. A
claim whose holder is provably gone (see monitor.leases) is taken over at once.

Split off monitor.notify, which re-exports the public names here; the log records still go to the
"monitor.notify" logger.
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload

from monitor.config import Config, TargetConfig
from monitor.leases import holder_gone, holder_name
from monitor.store import Event, Notification, Store

if TYPE_CHECKING:
    from monitor.notify import DeliveryStats

log = logging.getLogger("monitor.notify")
# Bookkeeping kept in Notification.payload, never shown in a message.
_PRIVATE_KEYS = frozenset({"delivered", "hold_until"})
# A claim covers one send (rows are claimed one at a time, right before sending), so it can be short:
# after a crash mid-send the row is free again this long after the claim.
LEASE = timedelta(minutes=2)
JITTER = 0.1  # +-10% on each retry delay so many failed rows do not retry in lock-step
MAX_ERROR = 1000


def _owner_token(owner: str) -> str:
    # Unique per call, so two senders in one process (threads) never mistake each other's claims.
    # The part before "/" names the process (monitor.leases), so a claim of a killed sender on this
    # host is taken over at once instead of after its lease.
    base = owner or holder_name()
    return f"{base[:67]}/{uuid.uuid4().hex[:12]}"


def claim_active(claimed_until: datetime | None, claimed_by: str | None, now: datetime) -> bool:
    """Whether a row is claimed by a sender that may still be sending it: the claim has not lapsed
    and its holder is not provably gone (a process of this host that no longer exists)."""
    return claimed_until is not None and claimed_until >= now and not holder_gone(claimed_by)


def claim_lease(target: TargetConfig | None) -> timedelta:
    """How long a claim lasts: longer than the slowest send to the target may take, so another
    sender never takes a row over while this one still waits for the receiver's answer."""
    if target is None:
        return LEASE
    per_url = target.connect_timeout + target.timeout + 30
    return max(LEASE, timedelta(seconds=per_url * len(target.urls)))


def _claim(
    store: Store,
    ids: list[int],
    statuses: tuple[str, ...],
    now: datetime,
    token: str,
    lease: timedelta = LEASE,
    dead: frozenset[str] = frozenset(),
) -> list[int]:
    """Claim rows that are still unsent and unclaimed (or whose claim lapsed, or whose claimer is
    in `dead`); the ids we got. On PostgreSQL the rows are locked FOR UPDATE SKIP LOCKED first, so
    several senders (workers) pass each other's rows by instead of queueing behind them."""
    if not ids:
        return []
    free = [Notification.claimed_until.is_(None), Notification.claimed_until < now]
    if dead:
        free.append(Notification.claimed_by.in_(sorted(dead)))
    with store.session() as s:
        if s.get_bind().dialect.name == "postgresql":
            ids = list(
                s.scalars(
                    select(Notification.id)
                    .where(Notification.id.in_(ids))
                    .with_for_update(skip_locked=True)
                )
            )
            if not ids:
                return []
        s.execute(
            update(Notification)
            .where(
                Notification.id.in_(ids),
                Notification.status.in_(statuses),
                or_(*free),
            )
            .values(claimed_until=now + lease, claimed_by=token)
            .execution_options(synchronize_session=False)
        )
    with store.session() as s:
        return list(
            s.scalars(
                select(Notification.id).where(Notification.id.in_(ids), Notification.claimed_by == token)
            )
        )


def _load(store: Store, ids: list[int]) -> list[Notification]:
    with store.session() as s:
        rows = s.scalars(
            select(Notification)
            .where(Notification.id.in_(ids))
            .options(
                selectinload(Notification.event).selectinload(Event.watch),
                selectinload(Notification.event).selectinload(Event.from_version),
                selectinload(Notification.event).selectinload(Event.to_version),
            )
            .order_by(Notification.id)
        )
        return list(rows)


def _mark_sent(store: Store, rows: list[Notification], now: datetime, token: str, delivered: set[str]) -> int:
    with store.session() as s:
        for row in rows:
            payload = {k: v for k, v in (row.payload or {}).items() if k not in _PRIVATE_KEYS}
            s.execute(
                update(Notification)
                .where(Notification.id == row.id, Notification.claimed_by == token)
                .values(
                    status="sent",
                    sent_at=now,
                    attempts=row.attempts + 1,
                    last_error=None,
                    claimed_until=None,
                    claimed_by=None,
                    payload=payload or None,
                )
                .execution_options(synchronize_session=False)
            )
    return len(rows)


def retry_delay(config: Config, attempts: int) -> timedelta:
    """Delay before the next attempt after `attempts` earlier ones: exponential, capped, jittered."""
    n = config.notify
    base = min(n.retry_max, n.retry_base * 2 ** min(attempts, 40))
    return timedelta(seconds=min(n.retry_max, base * random.uniform(1 - JITTER, 1 + JITTER)))


def _mark_failed(
    store: Store,
    config: Config,
    rows: list[Notification],
    now: datetime,
    token: str,
    error: str,
    delivered: set[str],
    stats: DeliveryStats,
    ambiguous: bool = False,
) -> None:
    """Record a failed attempt. After an ambiguous one (sent, no answer) the next attempt waits
    at least `resend_after_timeout`, and `payload["hold_until"]` keeps `notify flush` from it too."""
    max_attempts = config.notify.max_attempts
    hold_until = now + timedelta(seconds=config.notify.resend_after_timeout) if ambiguous else now
    with store.session() as s:
        for row in rows:
            attempts = row.attempts + 1
            give_up = attempts >= max_attempts
            delay = max(retry_delay(config, row.attempts), hold_until - now)
            payload = dict(row.payload or {})
            payload.pop("hold_until", None)
            if ambiguous:
                payload["hold_until"] = hold_until.isoformat()
            if delivered:
                payload["delivered"] = sorted(delivered)
            s.execute(
                update(Notification)
                .where(Notification.id == row.id, Notification.claimed_by == token)
                .values(
                    status="failed" if give_up else row.status,
                    attempts=attempts,
                    next_attempt_at=now + delay,
                    last_error=error[:MAX_ERROR],
                    claimed_until=None,
                    claimed_by=None,
                    payload=payload or None,
                )
                .execution_options(synchronize_session=False)
            )
            if give_up:
                stats.gave_up += 1
                log.error(
                    "notification %s (%s) to target %r gave up after %d attempts: %s",
                    row.id, row.kind, row.target, attempts, error,
                )  # fmt: skip
            else:
                stats.failed += 1
                log.warning(
                    "notification %s (%s) to target %r failed (attempt %d of %d), next try in %ds: %s",
                    row.id, row.kind, row.target, attempts, max_attempts, delay.total_seconds(), error,
                )  # fmt: skip
