"""Alerts: the outbox (rows written with the event) and the sender that delivers them.

Never lost: `enqueue_change`/`enqueue_ops` add `Notification` rows inside the caller's transaction, so
an event and its alerts commit together. Never doubled: `deliver_pending` claims each row with a
guarded UPDATE (a lease in `claimed_until`) before sending, so a daemon and `notify flush` cannot both
send it, and marks it sent in its own transaction. A target with several URLs records which URLs
already accepted a message (`payload["delivered"]`), so a retry does not repeat them. Delivery is
at-least-once: a crash between a send and its "sent" mark re-sends that one message after the lease,
and a send that timed out after the request went out (the receiver may have accepted it) is retried
only `resend_after_timeout` later. Every message carries a stable id (`message_id`: a header and a
JSON field of webhooks, the e-mail Message-ID), the same on every retry, so a receiver can drop the
rare copy.

Logs name the target, never its URLs: apprise URLs hold tokens and passwords (see monitor.secrets).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.changes import severity_rank
from monitor.config import Config, TargetConfig
from monitor.counts import count
from monitor.outbound import (
    AmbiguousDelivery,
    DeliveryError,
    apprise_send,
    prepare_url,
)
from monitor.outbox import (
    _PRIVATE_KEYS,
    LEASE,
    _claim,
    _load,
    _mark_failed,
    _mark_sent,
    _owner_token,
    claim_active,
    claim_lease,
)
from monitor.outbox import JITTER as JITTER
from monitor.outbox import MAX_ERROR as MAX_ERROR
from monitor.outbox import retry_delay as retry_delay
from monitor.render import Message, channel_for, render_change, render_digest, render_ops, sample_event
from monitor.secrets import hide_passwords, mask_text, mask_url
from monitor.store import Event, Notification, Store, Watch, utcnow

log = logging.getLogger("monitor.notify")
OPS_KINDS = ("failing", "suspect", "recovered", "accepted", "alternating")

# (apprise URL, message) -> None/True on success; False or an exception on failure.
Sender = Callable[[str, Message], Any]


@dataclass
class DeliveryStats:
    """Counts of notification rows (a digest of three rows sent once counts 3 sent)."""

    sent: int = 0
    failed: int = 0  # attempts that failed and will be retried
    deferred: int = 0  # not tried now: backoff, digest window still open, or claimed by another sender
    gave_up: int = 0  # failed for the last time (status "failed"; `notify flush` retries them)


# -- secrets out of logs -------------------------------------------------------------------------


class _MaskFilter(logging.Filter):
    """Rewrites records of apprise (and urllib3, which logs request URLs) with every known target
    secret masked, so a DEBUG log level cannot leak a Slack webhook token."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        masked = mask_text(message, self.secrets)
        if masked != message:
            record.msg, record.args = masked, None
        return True


_FILTER = _MaskFilter()
_FILTERED_LOGGERS = ("apprise", "urllib3.connectionpool")


def target_secrets(config: Config) -> list[str]:
    return [u for t in config.notify.targets.values() for u in t.urls]


def protect_logs(config: Config) -> None:
    """Mask this config's target URLs in third-party log records (idempotent)."""
    _FILTER.secrets.update(target_secrets(config))
    for name in _FILTERED_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


# -- enqueue -------------------------------------------------------------------------------------


def _route(config: Config, watch_name: str) -> list[str]:
    watch = config.watch(watch_name)
    if watch is not None:
        return config.targets_of(watch)
    # A watch no longer in the config still has its change delivered to the default targets.
    if config.defaults.notify is not None:
        return list(config.defaults.notify)
    return [n for n in config.notify.targets if n != config.notify.ops_target]


def wants(target: TargetConfig, substantive: bool, severity: str | None) -> bool:
    """Whether a target takes a change: substantive ones at or above its min_severity; cosmetic ones
    (which have no severity) only when it asked for them with substantive_only = false."""
    if not substantive:
        return not target.substantive_only
    return severity_rank(severity) >= severity_rank(target.min_severity)


def enqueue_change(session: Session, config: Config, watch_name: str, event: Event) -> list[Notification]:
    """Add one pending notification per target that wants this event, in the caller's transaction.
    Idempotent per (event, target). A suspect capture alerts the ops target instead (enqueue_ops)."""
    if (event.report_json or {}).get("suspect"):
        return []
    targets = config.notify.targets
    existing = set(session.scalars(select(Notification.target).where(Notification.event_id == event.id)))
    when = event.created_at or utcnow()
    rows: list[Notification] = []
    for name in _route(config, watch_name):
        target = targets.get(name)
        if target is None or name in existing or not wants(target, bool(event.substantive), event.severity):
            continue
        row = Notification(
            event_id=event.id,
            watch_id=event.watch_id,
            target=name,
            kind="change",
            status="pending",
            attempts=0,
            created_at=when,
            next_attempt_at=when,
        )
        session.add(row)
        rows.append(row)
        existing.add(name)
    if rows:
        session.flush()
    return rows


def enqueue_ops(
    session: Session, config: Config, watch: Watch, kind: str, detail: str
) -> Notification | None:
    """An operational alert ("failing" | "suspect" | "recovered" | "accepted" | "alternating") for the ops target, if one is set."""
    if kind not in OPS_KINDS:
        raise ValueError(f"unknown ops alert kind {kind!r} (expected one of {', '.join(OPS_KINDS)})")
    target = config.notify.ops_target
    if not target:
        return None
    now = utcnow()
    row = Notification(
        event_id=None,
        watch_id=watch.id,
        target=target,
        kind="ops",
        status="pending",
        attempts=0,
        created_at=now,
        next_attempt_at=now,
        payload={
            "kind": kind,
            "watch": watch.name,
            # Kept in the outbox and shown by `notify pending`: no password of the watched URL.
            "url": hide_passwords(watch.url),
            "detail": hide_passwords(detail),
            "at": now.isoformat(),
        },
    )
    session.add(row)
    session.flush()
    return row


# -- sending -------------------------------------------------------------------------------------


def message_id(rows: list[Notification]) -> str:
    """The stable id of the message these outbox rows make: the same on every retry and after a
    restart, different for every other message. One change row: its event (so every target of an
    event names it alike); an ops alert: its row; a digest: the rows it gathers."""
    if len(rows) == 1 and rows[0].kind == "change" and rows[0].event_id is not None:
        event = rows[0].event
        stamp = f"-{event.created_at:%Y%m%d%H%M%S}" if event is not None and event.created_at else ""
        return f"pm-event-{rows[0].event_id}{stamp}"
    if len(rows) == 1:
        stamp = f"-{rows[0].created_at:%Y%m%d%H%M%S}" if rows[0].created_at else ""
        return f"pm-{rows[0].kind}-{rows[0].id}{stamp}"
    digest = hashlib.sha256(",".join(str(r.id) for r in sorted(rows, key=lambda r: r.id)).encode())
    return f"pm-digest-{rows[0].target}-{digest.hexdigest()[:16]}"


def _url_key(url: str) -> str:
    # Which URLs of a target accepted a message, without storing the URL (it holds secrets).
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def _send_to_target(
    target: TargetConfig,
    render: Callable[[str], Message],
    delivered: set[str],
    sender: Sender,
    msg_id: str | None = None,
) -> tuple[list[str], bool]:
    """Send to every URL of the target not yet in `delivered` (updated in place). Returns the masked
    errors, and whether any failure was ambiguous (sent, but no answer: it may have arrived)."""
    errors: list[str] = []
    ambiguous = False
    for url in target.urls:
        key = _url_key(url)
        if key in delivered:
            continue
        try:
            message = render(channel_for(url))
            if channel_for(url) == "email" and not target.attach_report:
                message.attachments = []
            # apprise gets the URL as sent (timeouts, id headers); a replacement sender (tests of
            # the outbox logic) gets the configured URL, as its contract says.
            if sender is apprise_send:
                ok = apprise_send(prepare_url(url, target, msg_id), message)
            else:
                ok = sender(url, message)
        except Exception as exc:  # a plugin or rendering bug must not stop the other rows
            ok, reason = (
                False,
                f"{type(exc).__name__}: {exc}" if not isinstance(exc, DeliveryError) else str(exc),
            )
            ambiguous = ambiguous or isinstance(exc, AmbiguousDelivery)
        else:
            reason = "the service did not accept the message"
        if ok is False:
            errors.append(f"{mask_url(url)}: {mask_text(reason, target.urls)}")
        else:
            delivered.add(key)
    return errors, ambiguous


# -- the outbox sender: claims and bookkeeping in monitor.outbox ----------------------------------


def _renderer(row: Notification) -> Callable[[str], Message]:
    if row.kind == "ops":
        payload = {k: v for k, v in (row.payload or {}).items() if k not in _PRIVATE_KEYS}
        return lambda channel: render_ops(payload, channel)
    event = row.event
    if event is None:
        raise DeliveryError("its event no longer exists")
    return lambda channel: render_change(event, event.watch.name, event.watch.url, channel)


def _deliver(
    store: Store,
    config: Config,
    rows: list[Notification],
    render: Callable[[str], Message] | None,
    now: datetime,
    token: str,
    sender: Sender,
    stats: DeliveryStats,
) -> None:
    """Send one message (for one row, or a digest of several) to the rows' target and record it."""
    name = rows[0].target
    target = config.notify.targets.get(name)
    # A URL is skipped only if it accepted the message for every row (digests are re-sent whole).
    keys = [set((r.payload or {}).get("delivered", [])) for r in rows]
    delivered = set.intersection(*keys) if keys else set()
    ambiguous = False
    if target is None:
        errors = [f"target {name!r} is not in the config"]
    elif render is None:
        errors = ["nothing to render"]
    else:
        errors, ambiguous = _send_to_target(target, render, delivered, sender, message_id(rows))
    if errors:
        _mark_failed(store, config, rows, now, token, "; ".join(errors), delivered, stats, ambiguous)
    else:
        stats.sent += _mark_sent(store, rows, now, token, delivered)
        log.info("sent %d notification(s) to target %r", len(rows), name)


def held_until(payload: dict[str, Any] | None) -> datetime | None:
    """Until when a row waits after an ambiguous send (see _mark_failed), or None."""
    value = (payload or {}).get("hold_until")
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _digest_boundary(ref: datetime, digest: str) -> datetime:
    """The end of the hourly or daily (UTC) window that contains `ref`."""
    if digest == "hourly":
        return ref.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return ref.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def deliver_pending(
    store: Store,
    config: Config,
    *,
    now: datetime | None = None,
    ignore_backoff: bool = False,
    owner: str = "",
    send: Sender | None = None,
) -> DeliveryStats:
    """Deliver every due notification once. `ignore_backoff` (for `notify flush`) also sends rows
    waiting for a retry, open digest windows and rows that gave up. `owner` names this sender in
    claims (default host:pid); `send` replaces apprise (tests of the retry logic only)."""
    now = now or utcnow()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)  # the store hands back aware UTC datetimes
    sender = send or apprise_send
    token = _owner_token(owner)
    stats = DeliveryStats()
    protect_logs(config)
    statuses = ("pending", "failed") if ignore_backoff else ("pending",)
    targets = config.notify.targets
    digest_targets = [n for n, t in targets.items() if t.digest != "none"]

    with store.session() as s:
        candidates = s.execute(
            select(
                Notification.id,
                Notification.target,
                Notification.kind,
                Notification.next_attempt_at,
                Notification.created_at,
                Notification.claimed_until,
                Notification.claimed_by,
                Notification.payload,
            )
            .where(Notification.status.in_(statuses))
            .order_by(Notification.next_attempt_at, Notification.id)
        ).all()
        last_digest: dict[str, datetime] = {}
        if digest_targets:
            last_digest = dict(
                s.execute(
                    select(Notification.target, func.max(Notification.sent_at))
                    .where(
                        Notification.target.in_(digest_targets),
                        Notification.kind == "change",
                        Notification.status == "sent",
                    )
                    .group_by(Notification.target)
                ).all()
            )

    singles: list[int] = []
    groups: dict[str, list[Any]] = defaultdict(list)
    dead: set[str] = set()  # claims of senders on this host that were killed while sending
    for c in candidates:
        if claim_active(c.claimed_until, c.claimed_by, now):
            stats.deferred += 1  # another sender has it right now
            continue
        if c.claimed_until is not None and c.claimed_until >= now and c.claimed_by:
            dead.add(c.claimed_by)
        if (held := held_until(c.payload)) is not None and held > now:
            stats.deferred += 1  # sent without an answer: wait for the receiver, even on a flush
        elif c.kind == "change" and c.target in digest_targets:
            groups[c.target].append(c)
        elif ignore_backoff or c.next_attempt_at <= now:
            singles.append(c.id)
        else:
            stats.deferred += 1

    leases = {name: claim_lease(t) for name, t in targets.items()}
    target_of = {c.id: c.target for c in candidates}
    for rid in singles:
        got = _claim(store, [rid], statuses, now, token, leases.get(target_of[rid], LEASE), frozenset(dead))
        if not got:
            stats.deferred += 1
            continue
        rows = _load(store, got)
        if not rows:
            continue
        try:
            render: Callable[[str], Message] | None = _renderer(rows[0])
        except DeliveryError as exc:
            _mark_failed(store, config, rows, now, token, str(exc), set(), stats)
            continue
        _deliver(store, config, rows, render, now, token, sender, stats)

    for name, group in groups.items():
        window = targets[name].digest
        oldest = min(c.created_at for c in group)
        ref = max(oldest, last_digest.get(name) or oldest)
        due = now >= _digest_boundary(ref, window) and max(c.next_attempt_at for c in group) <= now
        if not (ignore_backoff or due):
            stats.deferred += len(group)
            continue
        got = _claim(store, [c.id for c in group], statuses, now, token, leases.get(name, LEASE), frozenset(dead))
        stats.deferred += len(group) - len(got)
        if got:
            _deliver_digest(store, config, got, now, token, sender, stats)
    return stats


def _deliver_digest(
    store: Store,
    config: Config,
    ids: list[int],
    now: datetime,
    token: str,
    sender: Sender,
    stats: DeliveryStats,
) -> None:
    rows = _load(store, ids)
    items = [(r.event, r.event.watch.name, r.event.watch.url) for r in rows if r.event is not None]
    if not items:
        _mark_sent(store, rows, now, token, set())  # their events are gone: nothing left to say
        return
    _deliver(store, config, rows, lambda channel: render_digest(items, channel), now, token, sender, stats)


# -- CLI helpers ---------------------------------------------------------------------------------


def send_test(config: Config, target: str) -> bool:
    """Send a sample alert to every URL of one target; True if all accepted it.
    Raises ValueError for a target that is not in the config."""
    tc = config.notify.targets.get(target)
    if tc is None:
        known = ", ".join(sorted(config.notify.targets)) or "none defined"
        raise ValueError(f"unknown notify target {target!r} (targets: {known})")
    protect_logs(config)
    event = sample_event()

    def render(channel: str) -> Message:
        msg = render_change(event, "Sample policy", "https://example.com/privacy", channel)
        msg.title = "[TEST] " + msg.title
        return msg

    errors, _ambiguous = _send_to_target(tc, render, set(), apprise_send, f"pm-test-{uuid.uuid4().hex[:12]}")
    for error in errors:
        log.warning("test alert to target %r failed: %s", target, error)
    return not errors


def send_ops_now(config: Config, kind: str, subject: str, detail: str) -> bool:
    """An ops alert sent at once, not through the outbox: for when the database itself is failing
    (there is no outbox to write to then). Goes to `notify.ops_target`; True if every URL took it,
    False when there is no ops target or a send failed (logged, target named, URLs masked)."""
    name = config.notify.ops_target
    target = config.notify.targets.get(name) if name else None
    if target is None:
        return False
    protect_logs(config)
    payload = {"kind": kind, "watch": subject, "detail": detail, "at": utcnow().isoformat()}
    errors, _ambiguous = _send_to_target(
        target, lambda channel: render_ops(payload, channel), set(), apprise_send, f"pm-ops-{uuid.uuid4().hex[:12]}"
    )
    for error in errors:
        log.warning("ops alert %r to target %r failed: %s", kind, name, error)
    return not errors


def pending_rows(
    store: Store, config: Config | None = None, *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """What is waiting, for `notify pending`: one dict per pending or failed row, oldest first, with
    a `why` explaining the wait (as of `now`, default the current time). Errors are masked (with the
    config's URLs when given)."""
    secrets: Iterable[str] = target_secrets(config) if config else []
    digests = {n: t.digest for n, t in config.notify.targets.items() if t.digest != "none"} if config else {}
    now = now or utcnow()
    out: list[dict[str, Any]] = []
    with store.session() as s:
        rows = s.execute(
            select(Notification, Watch.name)
            .outerjoin(Watch, Watch.id == Notification.watch_id)
            .where(Notification.status.in_(("pending", "failed")))
            .order_by(Notification.created_at, Notification.id)
        ).all()
        for n, watch_name in rows:
            error = mask_text(n.last_error, secrets) if n.last_error else None
            if n.status == "failed":
                why = f"gave up after {count(n.attempts, 'attempt')} (notify flush retries it)"
            elif claim_active(n.claimed_until, n.claimed_by, now):
                why = "being sent now"
            elif (held := held_until(n.payload)) is not None and held > now:
                why = (
                    f"sent without an answer in time; held until {held:%Y-%m-%d %H:%M:%S} UTC so a slow "
                    "receiver is not sent it twice (a resend carries the same id)"
                )
            elif n.kind == "change" and n.target in digests:
                why = f"held for the {digests[n.target]} digest"
            elif n.attempts:
                why = f"retry {n.attempts + 1} after a failure"
            else:
                why = "new, not sent yet"
            out.append(
                {
                    "id": n.id,
                    "target": n.target,
                    "kind": n.kind,
                    "watch": watch_name,
                    "event_id": n.event_id,
                    "status": n.status,
                    "attempts": n.attempts,
                    "next_attempt_at": n.next_attempt_at,
                    "last_error": error,
                    "why": why,
                }
            )
    return out
