"""The daemon: APScheduler drives the checks, the database holds the due times.

Each watch is one APScheduler job with a date trigger at its `next_due_at` from the database; when a
check finishes, the checker has already written the next due time and the job is put back for it.
So a restart resumes exactly where the last run left off (nothing re-checked early, nothing
skipped), and a long downtime yields one catch-up check per watch, not one per missed interval.
A second job drains the notification outbox.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import time
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select, update

from monitor.checker import OWNER, check_watch, fetch_policy, sync_watches
from monitor.config import Config
from monitor.fetch import Fetcher
from monitor.store import Store, Watch, utcnow

log = logging.getLogger("monitor.scheduler")
BUSY_RETRY = timedelta(seconds=60)


def release_stale_leases(store: Store) -> int:
    """Free leases held by processes of this host that no longer exist (a daemon that was killed),
    so a restart does not wait for their leases to expire."""
    host = socket.gethostname()
    freed = 0
    with store.session() as s:
        for watch in s.scalars(select(Watch).where(Watch.lease_owner.is_not(None))):
            owner_host, _, pid = (watch.lease_owner or "").rpartition(":")
            if owner_host == host and pid.isdigit() and not _alive(int(pid)):
                watch.lease_owner, watch.lease_until = None, None
                freed += 1
    return freed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Daemon:
    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        notify_every: float = 5.0,
        heartbeat_every: float = 5.0,
        stuck_after: float = 60.0,
    ) -> None:
        self.config = config
        self.store = store
        self.notify_every = notify_every
        # A scheduler job beats every `heartbeat_every` s; none for `stuck_after` s means the loop
        # or the scheduler is stuck (read from another thread by the web view's /healthz).
        self.heartbeat_every = heartbeat_every
        self.stuck_after = stuck_after
        self.heartbeat = time.monotonic()
        self.running = False
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.fetcher: Fetcher | None = None
        self._inflight: set[asyncio.Task[object]] = set()

    # -- jobs -------------------------------------------------------------------------------------
    def _schedule(self, name: str, when: datetime) -> None:
        self.scheduler.add_job(
            self._check,
            "date",
            run_date=max(when, utcnow()),
            args=[name],
            id=f"watch:{name}",
            name=name,
            replace_existing=True,
            max_instances=1,  # one watch never runs twice at once (the DB lease covers other processes)
            coalesce=True,
            misfire_grace_time=None,
        )

    async def _check(self, name: str) -> None:
        wc = self.config.watch(name)
        if wc is None or self.fetcher is None:
            return
        task = asyncio.current_task()
        if task:
            self._inflight.add(task)
        try:
            res = await check_watch(self.store, self.config, wc, self.fetcher)
        finally:
            if task:
                self._inflight.discard(task)
        level = logging.WARNING if res.outcome in ("error", "suspect") else logging.INFO
        log.log(level, "checked %s: %s", name, res.outcome, extra={"watch": name, **_fields(res.to_dict())})
        if res.outcome == "busy":
            self._schedule(name, utcnow() + BUSY_RETRY)
            return
        if res.outcome == "changed" or res.outcome in ("error", "suspect"):
            self._kick_notifier()
        with self.store.session() as s:
            row = Store.watch_by_name(s, name)
            due = row.next_due_at if row and row.next_due_at else utcnow() + BUSY_RETRY
        self._schedule(name, due)

    def _kick_notifier(self) -> None:
        self.scheduler.add_job(
            self._deliver,
            "date",
            run_date=utcnow(),
            id="notify:now",
            replace_existing=True,
            misfire_grace_time=None,
        )

    async def _deliver(self) -> None:
        try:
            from monitor.notify import deliver_pending
        except ImportError:
            return
        try:
            stats = await asyncio.to_thread(deliver_pending, self.store, self.config, owner=OWNER)
        except Exception:
            log.exception("notification delivery failed")
            return
        if any(vars(stats).values()):
            log.info("notifications", extra=vars(stats))

    def _beat(self) -> None:
        self.heartbeat = time.monotonic()

    def health(self) -> tuple[bool, str]:
        """(alive, why) for /healthz: stuck when the heartbeat job has not run for `stuck_after` s."""
        if not self.running:
            return False, "scheduler not running"
        age = time.monotonic() - self.heartbeat
        if age > self.stuck_after:
            return False, f"stuck: no scheduler heartbeat for {age:.0f} s"
        return True, "ok"

    # -- life cycle -------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        freed = release_stale_leases(self.store)
        sync_watches(self.store, self.config)
        async with Fetcher(fetch_policy(self.config)) as fetcher:
            self.fetcher = fetcher
            with self.store.session() as s:
                due = {w.name: w.next_due_at for w in s.scalars(select(Watch).where(Watch.active.is_(True)))}
            for wc in self.config.watches:
                self._schedule(wc.name, due.get(wc.name) or utcnow())
            self.scheduler.add_job(
                self._deliver,
                "interval",
                seconds=self.notify_every,
                id="notify",
                max_instances=1,
                coalesce=True,
                next_run_time=utcnow(),
            )
            self.scheduler.add_job(
                self._beat, "interval", seconds=self.heartbeat_every, id="heartbeat", coalesce=True
            )
            self._beat()
            self.scheduler.start()
            self.running = True
            log.info(
                "policy-monitor running",
                extra={
                    "watches": len(self.config.watches),
                    "database": _safe_db(self.store.url),
                    "freed_leases": freed,
                },
            )
            await stop.wait()
            log.info("stopping")
            self.running = False
            self.scheduler.shutdown(wait=False)
            await self._drain()
        self.fetcher = None

    async def _drain(self, grace: float = 20.0) -> None:
        """Let checks in flight finish (they hold a lease and a half-written result); past the grace
        period cancel them and free their leases so the next start re-checks those watches."""
        pending = [t for t in self._inflight if not t.done()]
        if pending:
            _, still = await asyncio.wait(pending, timeout=grace)
            for t in still:
                t.cancel()
            if still:
                await asyncio.gather(*still, return_exceptions=True)
        with self.store.session() as s:
            s.execute(
                update(Watch).where(Watch.lease_owner == OWNER).values(lease_owner=None, lease_until=None)
            )


def _fields(d: dict[str, object]) -> dict[str, object]:
    d = dict(d)
    d.pop("watch", None)
    return d


def _safe_db(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def run_forever(config: Config, store: Store) -> None:
    """Run until SIGTERM or SIGINT; both stop cleanly. With `[web] listen` the web view runs beside
    the scheduler, in a thread of its own (so its /healthz can see the scheduler's loop stall)."""
    daemon = Daemon(config, store)
    web = None
    if config.web.listen:
        from monitor.web import BackgroundServer

        web = BackgroundServer(config, store, config.web.listen, scheduler=daemon.health).start()

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await daemon.run(stop)

    try:
        asyncio.run(main())
    finally:
        if web is not None:
            web.stop()


__all__ = ["Daemon", "run_forever", "release_stale_leases"]
