"""A failure streak of one watch, in process (real HTTP server on 127.0.0.1, real SQLite file): a check
whose batched row the database refuses is a failed check however the batch came to be flushed.

The daemon-level test (test_daemon_ops) meets this only when timing makes a check flush its own
batch; here every check does (`max_age = 0`), so the path is taken every time."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from httpserver import LocalHTTPServer, Response
from policies import policy_html
from sqlalchemy import func, select

from monitor.checker import fetch_policy, run_checks
from monitor.config import parse_config
from monitor.fetch import Fetcher
from monitor.scheduler import Daemon
from monitor.store import Check, Store, Watch

HTML = {"Content-Type": "text/html; charset=utf-8"}


def _checks(store: Store, watch_id: int) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(Check).where(Check.watch_id == watch_id))


def test_a_check_that_flushes_its_own_refused_row_stays_in_its_streak(
    http_server: LocalHTTPServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    http_server.route("/alder", Response(200, policy_html(), HTML))
    store = Store(f"sqlite:///{tmp_path}/m.db")
    config = parse_config(
        {
            "database": {"url": store.url},
            "fetch": {"allow_private_addresses": True},
            "defaults": {"retries": 0, "timeout": 5, "jitter": 0},
            "watches": [{"name": "Alder", "url": http_server.url("/alder")}],
        }
    )
    (first,) = asyncio.run(run_checks(store, config))
    assert first.outcome == "first"
    with store.session() as s:
        watch_id = s.scalar(select(Watch.id).where(Watch.name == "Alder"))
    with store.engine.begin() as conn:  # from now on the database refuses Alder's check rows
        conn.exec_driver_sql(
            "CREATE TRIGGER break_alder BEFORE INSERT ON checks "
            "BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END"
        )
    written = _checks(store, watch_id)
    daemon = Daemon(config, store)
    daemon.batch.max_age = 0.0  # every check's row fills the batch: the check flushes it itself

    async def checks(n: int) -> None:
        daemon._event_loop = asyncio.get_running_loop()
        async with Fetcher(fetch_policy(config)) as fetcher:
            daemon.fetcher = fetcher
            for _ in range(n):
                await daemon._check(watch_id, "Alder")
                for _ in range(5):  # the flushing thread's callbacks run on the loop
                    await asyncio.sleep(0)
            daemon.fetcher = None

    with caplog.at_level(logging.INFO, logger="monitor.scheduler"):
        asyncio.run(checks(3))
        failed = [r for r in caplog.records if r.getMessage().startswith("check of Alder failed")]
        assert len(failed) == 1  # once per streak
        assert daemon._backoff[watch_id].attempts == 3  # each refused row counted, none taken for a success
        assert "works again" not in caplog.text
        assert _checks(store, watch_id) == written

        with store.engine.begin() as conn:
            conn.exec_driver_sql("DROP TRIGGER break_alder")
        asyncio.run(checks(1))
        assert watch_id not in daemon._backoff
        assert "check of Alder works again after 3 failures" in caplog.text
        assert _checks(store, watch_id) == written + 1
    store.close()


def test_a_check_waiting_in_the_batch_keeps_its_lease(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    """A check whose row waits in the batch still has its old due time; its lease is renewed with
    those in flight, or another worker would claim the watch and check it twice (seen under load
    in test_scaleout). Failed before: only checks in flight were renewed."""
    from datetime import timedelta

    from sqlalchemy import update

    from monitor.claims import OWNER
    from monitor.store import utcnow

    http_server.route("/birch", Response(200, policy_html(), HTML))
    store = Store(f"sqlite:///{tmp_path}/m.db")
    config = parse_config(
        {
            "database": {"url": store.url, "lease": "4s"},
            "fetch": {"allow_private_addresses": True},
            "defaults": {"retries": 0, "timeout": 5, "jitter": 0},
            "watches": [{"name": "Birch", "url": http_server.url("/birch")}],
        }
    )
    asyncio.run(run_checks(store, config))  # version 1: the daemon's check is an unchanged one
    with store.session() as s:
        watch_id = s.scalar(select(Watch.id).where(Watch.name == "Birch"))
    daemon = Daemon(config, store)
    daemon.batch.max_age = 3600.0  # the row stays in the batch for the whole test

    async def check_then_look() -> None:
        daemon._event_loop = asyncio.get_running_loop()
        async with Fetcher(fetch_policy(config)) as fetcher:
            daemon.fetcher = fetcher
            await daemon._check(watch_id, "Birch")
            daemon.fetcher = None
        assert daemon.batch.waiting() == {watch_id} and watch_id not in daemon._inflight
        with store.session() as s:  # time passes: the lease the check took is nearly over
            s.execute(update(Watch).where(Watch.id == watch_id, Watch.lease_owner == OWNER).values(lease_until=utcnow()))
        await daemon._tick(housekeeping=True)

    asyncio.run(check_then_look())
    with store.session() as s:
        owner, until = s.execute(select(Watch.lease_owner, Watch.lease_until).where(Watch.id == watch_id)).one()
    assert owner == OWNER
    assert until.replace(tzinfo=None) > (utcnow() + timedelta(seconds=2)).replace(tzinfo=None)
