"""The daemon: a claim loop takes due watches from the database and checks them.

The database holds every watch's due time and lease, so the daemon keeps no schedule of its own:
it repeatedly claims the watches that are due and free (`checker.claim_due`, FOR UPDATE SKIP LOCKED
on PostgreSQL), at most as many as it has check slots, checks them, and sleeps until the next due
time. So a restart resumes exactly where the last run left off (nothing re-checked early, nothing
skipped), a long downtime yields one catch-up check per watch, and several `run` processes on one
PostgreSQL database share the work: each claims what it can check now, and when one dies, the others
take its watches over once its leases lapse (at once when it ran on the same host: monitor.leases).
A running daemon renews the leases of the checks it has in flight, so a short `[database] lease`
never lets another worker take a watch that is still being checked.

Nothing stops the loop: an exception in a check or in the loop itself is logged once, and the
watch is retried with backoff. Consecutive database failures are reported (log, and the ops target
directly, since the outbox lives in the failing database) and so is the recovery. APScheduler drains
the notification outbox. SIGHUP reloads the config (new, removed and edited watches take effect).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from monitor.checkbatch import CheckBatch
from monitor.checker import (
    OWNER,
    check_watch,
    claim_due,
    cpu_pool,
    fetch_policy,
    lease_of,
    release_leases,
    release_stale_leases,
    renew_leases,
    sync_watches,
)
from monitor.config import Config
from monitor.counts import count
from monitor.dberrors import DETAIL_PREFIX, DatabaseError
from monitor.fetch import Fetcher
from monitor.interrupted import CheckInterrupted, cut_short_text
from monitor.leases import host_name
from monitor.store import Store, Watch, utcnow

log = logging.getLogger("monitor.scheduler")
IDLE_MAX = 5.0  # seconds between looks at the database when nothing is due (other workers' leases)
RETRY_FIRST, RETRY_MAX = 5.0, 300.0  # backoff of a watch whose check raised
DB_FAILING_AFTER = 3  # consecutive database failures before the daemon reports the database failing
STOP_GRACE = 20.0  # seconds a stop gives the checks in flight (README: systemd's TimeoutStopSec is above)

__all__ = ["Daemon", "run_forever", "release_stale_leases", "is_db_failure", "short_error"]


def is_db_failure(exc: BaseException) -> bool:
    """Whether an exception says the database itself is failing (unreachable, connection dropped,
    disk full, read-only), rather than a bug in one check."""
    return isinstance(exc, OperationalError | InterfaceError | PoolTimeout) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


def short_error(exc: BaseException, limit: int = 300) -> str:
    """One line naming an exception, without SQL or parameters: "OperationalError: connection ..."."""
    inner = getattr(exc, "orig", None) or exc
    text = " ".join(str(inner).split()) or repr(inner)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"{type(inner).__name__}: {text}"


@dataclass
class _Backoff:
    attempts: int = 0
    until: datetime = field(default_factory=utcnow)


class Daemon:
    """One `run` process. `reload` returns a freshly loaded config (SIGHUP); `slots` overrides
    how many checks run at once (default: `[fetch] concurrency`)."""

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        notify_every: float = 5.0,
        reload: Callable[[], Config] | None = None,
        slots: int | None = None,
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
        self.reload_config = reload
        # Twice the fetch concurrency: while some checks extract and store, others fetch.
        self.slots = slots or 2 * config.fetch.concurrency
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.fetcher: Fetcher | None = None
        self._inflight: dict[int, asyncio.Task[None]] = {}
        self._backoff: dict[int, _Backoff] = {}
        self._unknown: set[int] = set()  # claimed but not in this config (a reload race): left alone
        self._wake = asyncio.Event()
        self._reload_requested = False
        self._db_failures = 0
        self._db_reported = False
        self._loop_errors = 0
        self._background: set[asyncio.Task[None]] = set()
        self._jobs: set[asyncio.Future[Any]] = set()  # scheduler jobs' threads (see _in_thread)
        # Unchanged checks and first versions are written in batches, as in a `check` round: by the
        # check that fills one, else by the flush job within about `batch.max_age` seconds.
        # A batched check whose row the database refuses is a failed check, as one written alone is.
        self.batch = CheckBatch(store, on_failed=self._batched_check_failed, on_written=self._batched_written)
        self._names: dict[int, str] = {}  # watch id -> name, of the checks this daemon ran

    # -- database health ---------------------------------------------------------------------------
    def _db_ok(self) -> None:
        """A write went through (a check was stored, watches were claimed): reads alone do not
        count, since a full disk still answers them."""
        self._db_failures = 0
        if self._db_reported:
            self._db_reported = False
            log.warning("database recovered", extra={"database": _safe_db(self.store.url)})
            self._report("database recovered", f"{_safe_db(self.store.url)} answers again")

    def _db_failed(self, exc: BaseException) -> None:
        self._db_failures += 1
        if self._db_failures >= DB_FAILING_AFTER and not self._db_reported:
            self._db_reported = True
            detail = f"{_safe_db(self.store.url)}: {short_error(exc)} ({count(self._db_failures, 'failure')} in a row)"
            log.error("database failing: %s", detail, extra={"database": _safe_db(self.store.url)})
            self._report("database failing", detail)

    def _report(self, kind: str, detail: str) -> None:
        if not self.config.notify.ops_target:
            return

        def send() -> None:
            from monitor.notify import send_ops_now

            try:
                send_ops_now(self.config, kind, f"policy-monitor on {host_name()}", detail)
            except Exception as exc:  # never let a report take the daemon down
                log.warning("could not send the %r ops alert: %s", kind, short_error(exc))

        task = asyncio.get_running_loop().create_task(asyncio.to_thread(send))
        self._background.add(task)  # the loop keeps only a weak reference to tasks
        task.add_done_callback(self._background.discard)

    # -- one check ---------------------------------------------------------------------------------
    async def _check(self, watch_id: int, name: str) -> None:
        self._names[watch_id] = name  # for the batch's callbacks, which know only the watch id
        wc = self.config.watch(name)
        if wc is None or self.fetcher is None:  # removed by a reload meanwhile, or stopping
            with contextlib.suppress(Exception):
                await asyncio.to_thread(release_leases, self.store, OWNER, {watch_id})
            return
        try:
            res = await check_watch(self.store, self.config, wc, self.fetcher, batch=self.batch)
        except asyncio.CancelledError:
            raise
        except CheckInterrupted as exc:  # not finished, not failed: due again at the next start
            log.info("%s; it is checked again at the next start", exc, extra={"watch": name})
            with contextlib.suppress(Exception):
                await asyncio.to_thread(release_leases, self.store, OWNER, {watch_id})
            return
        except Exception as exc:
            self._check_failed(watch_id, name, exc)
            return
        if res.outcome == "error" and (res.detail or "").startswith(DETAIL_PREFIX):
            # check_watch caught a database failure itself (for `check`'s exit code): for the daemon
            # it is a failed check like one that raised: logged once, backed off, counted.
            self._check_failed(watch_id, name, DatabaseError(res.detail or DETAIL_PREFIX), db=True)
            return
        self._db_ok()
        # A batched row is not known to be written yet, even when this check flushed the batch
        # itself: the batch tells, through _batched_written or _batched_check_failed.
        if not res.batched:
            self._worked(watch_id, name)
        level = logging.WARNING if res.outcome in ("error", "suspect") else logging.INFO
        log.log(level, "checked %s: %s", name, res.outcome, extra={"watch": name, **_fields(res.to_dict())})
        if res.outcome in ("changed", "error", "suspect"):
            self._kick_notifier()

    def _check_failed(self, watch_id: int, name: str, exc: Exception, db: bool | None = None) -> None:
        """Log a failed check once per streak, back the watch off, and free its lease if possible."""
        b = self._backoff.setdefault(watch_id, _Backoff())
        b.attempts += 1
        delay = min(RETRY_MAX, RETRY_FIRST * 2 ** (b.attempts - 1))
        b.until = utcnow() + timedelta(seconds=delay)
        db = is_db_failure(exc) if db is None else db
        if b.attempts == 1:
            log.error(
                "check of %s failed (%s): %s; retrying with backoff",
                name, "database" if db else "internal error", short_error(exc),
                extra={"watch": name, "retry_in_s": delay},
            )  # fmt: skip
        else:
            log.debug("check of %s failed again (attempt %d): %s", name, b.attempts, short_error(exc))
        log.debug("traceback of the failed check of %s", name, exc_info=exc)
        if db:
            self._db_failed(exc)
        # If the database is failing this fails too: the lease lapses, or this daemon takes it back.
        with contextlib.suppress(Exception):
            release_leases(self.store, OWNER, {watch_id})

    def _worked(self, watch_id: int, name: str) -> None:
        """A check of `watch_id` went through, written: the end of a failure streak, if any."""
        streak = self._backoff.pop(watch_id, None)
        if streak is not None:
            log.info("check of %s works again after %s", name, count(streak.attempts, "failure"))

    def _batched_written(self, ids: list[int]) -> None:
        """From the flushing thread: the batched checks of `ids` are written."""
        for watch_id in ids:
            if watch_id in self._backoff:
                name = self._names.get(watch_id, f"watch {watch_id}")
                self._event_loop.call_soon_threadsafe(self._worked, watch_id, name)

    def _batched_check_failed(self, row: Any, exc: Exception) -> None:
        """From the flushing thread: the check of `row.watch_id` could not be written."""
        name = self._names.get(row.watch_id, f"watch {row.watch_id}")
        self._event_loop.call_soon_threadsafe(self._check_failed, row.watch_id, name, exc)

    def _spawn(self, watch_id: int, name: str) -> None:
        task = asyncio.get_running_loop().create_task(self._check(watch_id, name), name=f"check:{name}")
        self._inflight[watch_id] = task

        def done(_t: asyncio.Task[None]) -> None:
            self._inflight.pop(watch_id, None)
            self._wake.set()

        task.add_done_callback(done)

    # -- the claim loop ----------------------------------------------------------------------------
    def _excluded(self) -> set[int]:
        now = utcnow()
        # A watch whose backoff ended may be claimed again; it keeps its attempt count until it works.
        waiting = {w for w, b in self._backoff.items() if b.until > now}
        # A check waiting in the batch still holds its lease and its old due time: not due again.
        return set(self._inflight) | waiting | self._unknown | self.batch.waiting()

    def _claim_step(
        self, inflight: set[int], exclude: set[int], housekeeping: bool, batched: frozenset[int] = frozenset()
    ) -> tuple[list[tuple[int, str]], float]:
        """The database side of one look (runs in a worker thread): renew the leases of checks in
        flight and of checks whose rows wait in the batch (`batched`), free leases of dead holders,
        claim what is due; (claimed, seconds to sleep)."""
        if self._reload_requested:
            self._reload_requested = False
            try:
                self._reload()
            except Exception:
                self._reload_requested = True  # the database failed mid-reload: try again next time
                raise
        lease = lease_of(self.config)
        if housekeeping:
            # A batched check keeps its old due time until its row is written: were its lease to
            # lapse meanwhile (a slow database, a loaded machine), another worker would check it again.
            renew_leases(self.store, OWNER, inflight | batched, lease)
            release_stale_leases(self.store)
        free = self.slots - len(inflight)
        claimed = claim_due(self.store, OWNER, free, lease, exclude)
        if len(claimed) >= free:
            return claimed, min(IDLE_MAX, lease.total_seconds() / 3)  # slots full: a finished check wakes us
        return claimed, self._idle_for(lease)

    def _idle_for(self, lease: timedelta) -> float:
        """Seconds until the next watch is due (or a backoff ends), within IDLE_MAX and lease/3."""
        cap = min(IDLE_MAX, lease.total_seconds() / 3)
        now = utcnow()
        with self.store.session() as s:
            nxt = s.scalar(
                select(func.min(Watch.next_due_at)).where(Watch.active.is_(True), Watch.lease_owner.is_(None))
            )
        times = [nxt] if nxt is not None else []
        times += [b.until for b in list(self._backoff.values()) if b.until > now]
        if not times:
            return cap
        return max(0.05, min(cap, (min(times) - now).total_seconds()))

    async def _tick(self, housekeeping: bool) -> float:
        claimed, delay = await asyncio.to_thread(
            self._claim_step, set(self._inflight), self._excluded(), housekeeping, frozenset(self.batch.waiting())
        )
        if claimed:
            self._db_ok()
        unknown = set()
        for wid, name in claimed:
            if self.config.watch(name) is None:
                unknown.add(wid)
            else:
                self._spawn(wid, name)
        if unknown:
            self._unknown |= unknown
            await asyncio.to_thread(release_leases, self.store, OWNER, unknown)
        return delay

    async def _loop(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        last_housekeeping = float("-inf")
        while not stop.is_set():
            self._wake.clear()
            every = min(IDLE_MAX, lease_of(self.config).total_seconds() / 3)
            housekeeping = loop.time() - last_housekeeping >= every
            try:
                delay = await self._tick(housekeeping)
                if housekeeping:
                    last_housekeeping = loop.time()
                self._loop_errors = 0
            except Exception as exc:
                self._loop_errors += 1
                delay = min(RETRY_MAX / 5, RETRY_FIRST * 2 ** min(self._loop_errors - 1, 6))
                if self._loop_errors == 1:
                    log.error("the scheduler could not claim work: %s; retrying", short_error(exc))
                else:
                    log.debug("claiming failed again (%d): %s", self._loop_errors, short_error(exc))
                log.debug("traceback", exc_info=exc)
                if is_db_failure(exc):
                    self._db_failed(exc)
            await self._pause(stop, loop.time() + delay)

    async def _pause(self, stop: asyncio.Event, until: float) -> None:
        """Wait until `until`, a stop or reload request, or until half the check slots are free:
        claiming in batches keeps the database round trips per check low when work is plentiful."""
        loop = asyncio.get_running_loop()
        while not stop.is_set() and not self._reload_requested:
            remaining = until - loop.time()
            if remaining <= 0:
                return
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=remaining)
            if self.slots - len(self._inflight) >= max(1, self.slots // 2):
                await asyncio.sleep(0.01)  # let checks finishing together free their slots too
                return

    # -- config reload (SIGHUP) ----------------------------------------------------------------
    def request_reload(self) -> None:
        self._reload_requested = True
        self._wake.set()

    def _reload(self) -> None:
        if self.reload_config is None:
            log.warning("SIGHUP: this daemon has no config file to reload")
            return
        try:
            new = self.reload_config()
        except Exception as exc:
            log.error("config reload failed, keeping the running config: %s", exc)
            return
        old = self.config
        if new.database.url != old.database.url:
            log.warning("config reload: [database] url changed; that takes effect on restart")
        if new.fetch != old.fetch:
            log.warning("config reload: [fetch] changed; that takes effect on restart")
        done = sync_watches(self.store, new, previous=old)
        self.config = new
        self._unknown.clear()
        added, removed, edited = done.added, done.removed, done.edited
        log.info(
            "config reloaded: %d added, %d removed, %d edited",
            len(added), len(removed), len(edited),
            extra={"added": added, "removed": removed, "edited": edited, "watches": len(new.watches)},
        )  # fmt: skip

    # -- notifications ---------------------------------------------------------------------------
    def _kick_notifier(self) -> None:
        self.scheduler.add_job(
            self._deliver,
            "date",
            run_date=utcnow(),
            id="notify:now",
            replace_existing=True,
            misfire_grace_time=None,
        )

    async def _in_thread(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`fn` in a thread, for a scheduler job. A stop shuts the scheduler down, which cancels
        the jobs it is running (and logged each as a job that "raised an exception"); the thread
        goes on regardless, so a job cut short by the stop just ends (None) and `_drain` waits for
        the thread."""
        work = asyncio.ensure_future(asyncio.to_thread(fn, *args, **kwargs))
        self._jobs.add(work)
        work.add_done_callback(self._jobs.discard)
        try:
            return await asyncio.shield(work)
        except asyncio.CancelledError:
            if self.running:
                raise
            return None

    async def _deliver(self) -> None:
        from monitor.notify import deliver_pending

        try:
            stats = await self._in_thread(deliver_pending, self.store, self.config, owner=OWNER)
        except Exception as exc:
            log.error("notification delivery failed: %s", short_error(exc))
            log.debug("traceback", exc_info=exc)
            if is_db_failure(exc):
                self._db_failed(exc)
            return
        if stats is not None and any(vars(stats).values()):
            log.info("notifications", extra=vars(stats))

    # -- life cycle -------------------------------------------------------------------------------
    async def _start_db(self, stop: asyncio.Event) -> int:
        """Free dead holders' leases and sync the watch list, retrying while the database fails."""
        attempt = 0
        while True:
            try:
                freed = release_stale_leases(self.store)
                done = sync_watches(self.store, self.config)  # the reload's path (no previous config)
                if done.added or done.removed or done.edited:
                    log.info("watches synced: %d added, %d removed, %d edited",
                             len(done.added), len(done.removed), len(done.edited), extra=vars(done))
                self._db_ok()
                return freed
            except Exception as exc:
                attempt += 1
                log.error("database not ready at start: %s; retrying", short_error(exc))
                log.debug("traceback", exc_info=exc)
                if is_db_failure(exc):
                    self._db_failed(exc)
                try:
                    await asyncio.wait_for(stop.wait(), timeout=min(60.0, 2.0 * attempt))
                    return 0
                except TimeoutError:
                    continue

    def _beat(self) -> None:
        self.heartbeat = time.monotonic()

    async def _offload(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Decoding bodies runs in the pool, as in a `check` round (the config may be reloaded)."""
        return await cpu_pool(self.config).run(fn, *args)

    async def _flush_due(self) -> None:
        """The batch job: write the waiting checks once the oldest has waited `max_age` seconds."""
        if self.batch.age() >= self.batch.max_age:
            await self._in_thread(self._flush)

    def _flush(self) -> None:
        """Write the waiting checks; on a database failure they stay for the next flush."""
        try:
            written = self.batch.flush()
        except Exception as exc:
            log.error("could not write %d batched check(s): %s; retrying", len(self.batch), short_error(exc))
            log.debug("traceback", exc_info=exc)
            if is_db_failure(exc):
                self._db_failed(exc)
            return
        if written:
            self._db_ok()

    def health(self) -> tuple[bool, str]:
        """(alive, why) for /healthz: stuck when the heartbeat job has not run for `stuck_after` s."""
        if not self.running:
            return False, "scheduler not running"
        age = time.monotonic() - self.heartbeat
        if age > self.stuck_after:
            return False, f"stuck: no scheduler heartbeat for {age:.0f} s"
        return True, "ok"

    async def run(self, stop: asyncio.Event) -> None:
        freed = await self._start_db(stop)
        if stop.is_set():
            return
        self._event_loop = asyncio.get_running_loop()
        async with Fetcher(fetch_policy(self.config), offload=self._offload) as fetcher:
            self.fetcher = fetcher
            self.scheduler.add_job(
                self._flush_due, "interval", seconds=self.batch.max_age / 2, id="batch", max_instances=1, coalesce=True
            )
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
                    "worker": OWNER,
                },
            )
            claimer = asyncio.get_running_loop().create_task(self._loop(stop))
            stopper = asyncio.get_running_loop().create_task(self._stop_waker(stop))
            await stop.wait()
            log.info("stopping")
            self.running = False
            fetcher.stop_retrying()
            await asyncio.gather(claimer, stopper, return_exceptions=True)
            self.scheduler.shutdown(wait=False)
            await self._drain()
        self.fetcher = None

    async def _stop_waker(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._wake.set()

    async def _drain(self, grace: float = STOP_GRACE) -> None:
        """Let checks in flight finish (they hold a lease and a half-written result); past the grace
        period cancel them and free their leases so the next start re-checks those watches."""
        pending = [t for t in self._inflight.values() if not t.done()]
        if pending:
            log.info("waiting for %d check(s) in flight, at most %.0f s", len(pending), grace)
            _, still = await asyncio.wait(pending, timeout=grace)
            for t in still:
                t.cancel()
            if still:  # said, or an operator never learns that these checks were dropped
                log.warning(cut_short_text(sorted(t.get_name().removeprefix("check:") for t in still), grace))
                await asyncio.gather(*still, return_exceptions=True)
        if self._jobs:  # a delivery or a batch flush the scheduler's shutdown left running
            await asyncio.gather(*self._jobs, return_exceptions=True)
        if len(self.batch):
            await asyncio.to_thread(self._flush)
        try:
            release_leases(self.store, OWNER)
        except Exception as exc:
            log.error("could not free this daemon's leases on stop: %s", short_error(exc))


def _fields(d: dict[str, object]) -> dict[str, object]:
    d = dict(d)
    d.pop("watch", None)
    return d


def _safe_db(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def run_forever(config: Config, store: Store, reload: Callable[[], Config] | None = None) -> None:
    """Run until SIGTERM or SIGINT (both stop cleanly); SIGHUP reloads the config via `reload`.
    With `[web] listen` the web view runs beside the scheduler, in a thread of its own (so its
    /healthz can see the scheduler's loop stall)."""
    daemon = Daemon(config, store, reload=reload)
    web = None
    if config.web.listen:
        from monitor.web import BackgroundServer

        web = BackgroundServer(config, store, config.web.listen, scheduler=daemon.health).start()

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        loop.add_signal_handler(signal.SIGHUP, daemon.request_reload)
        await daemon.run(stop)

    try:
        asyncio.run(main())
    finally:
        if web is not None:
            web.stop()
