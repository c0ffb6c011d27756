"""Several workers on one database: they start together, split the work, and take over from a dead one.

Issue 10, points 4 and 12. The workers are real `policy-monitor run` (and `notify flush`) processes
on the real PostgreSQL server, started at the same instant on a fresh, empty database (so they also
race through the schema migration and the watch-list sync).
"""

from __future__ import annotations

import json
import multiprocessing
import re
import signal
import time
from pathlib import Path

import pytest
from daemon import DaemonProcess
from httpserver import LocalHTTPServer
from receivers import WebhookReceiver, webhook  # noqa: F401
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from workers import serve_policies, write_config

from monitor.checker import sync_watches
from monitor.config import parse_config
from monitor.store import Check, Notification, Store, Watch

WATCHES = 300


def checks_per_watch(store: Store) -> dict[str, int]:
    with store.session() as s:
        rows = s.execute(
            select(Watch.name, func.count(Check.id)).outerjoin(Check, Check.watch_id == Watch.id).group_by(Watch.name)
        ).all()
    return {name: n for name, n in rows}


def checked_by(daemon: DaemonProcess) -> set[str]:
    names = set()
    for line in daemon.output().splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if str(entry.get("msg", "")).startswith("checked "):
                names.add(str(entry["watch"]))
    return names


# -- point 4: the watch list synced by several processes at once ----------------------------------


def _sync(url: str, names: list[str], barrier: object, out: object) -> None:
    config = parse_config({"watches": [{"name": n, "url": f"https://example.com/{i}"} for i, n in enumerate(names)]})
    store = Store(url, migrate=False)
    barrier.wait()  # type: ignore[attr-defined]
    try:
        sync_watches(store, config)
        out.put("ok")  # type: ignore[attr-defined]
    except Exception as exc:
        out.put(f"{type(exc).__name__}: {str(exc)[:300]}")  # type: ignore[attr-defined]


@pytest.mark.slow
def test_syncing_the_watch_list_from_four_processes_at_once(db_url: str) -> None:
    Store(db_url).close()  # the schema
    names = [f"policy {i:04d}" for i in range(2000)]
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(4), ctx.Queue()
    procs = [ctx.Process(target=_sync, args=(db_url, names, barrier, out)) for _ in range(4)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert results == ["ok"] * 4
    with Store(db_url, migrate=False).session() as s:
        assert s.scalar(select(func.count()).select_from(Watch)) == 2000


def test_a_database_error_names_no_sql_parameters(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path}/m.db")
    secretish = "x" * 5000
    with store.session() as s:
        s.add(Watch(name="A", url=secretish))
    with pytest.raises(IntegrityError) as err, store.session() as s:
        s.add(Watch(name="A", url=secretish))
    assert secretish not in str(err.value) and len(str(err.value)) < 1000


# -- point 12: two workers on one PostgreSQL database --------------------------------------------


@pytest.mark.slow
def test_two_workers_started_together_check_every_watch_exactly_once(
    http_server: LocalHTTPServer, tmp_path: Path, postgres_url: str
) -> None:
    cfg = write_config(tmp_path / "config.toml", postgres_url, serve_policies(http_server, WATCHES))
    at = time.time() + 3
    workers = [DaemonProcess(cfg, tmp_path, start_at=at).start() for _ in range(2)]
    try:
        # The workers create the schema themselves; look once one of them runs.
        workers[0].wait_for(lambda: "policy-monitor running" in workers[0].output(), "the first worker")
        store = Store(postgres_url, migrate=False)
        workers[0].wait_for(
            lambda: min(checks_per_watch(store).values() or [0]) >= 1 and len(checks_per_watch(store)) == WATCHES,
            "every watch checked",
            timeout=240,
        )
        time.sleep(2)  # a second check would come now, if anything let it
        for w in workers:
            assert w.stop() == 0
    finally:
        for w in workers:
            w.kill()
    counts = checks_per_watch(store)
    assert len(counts) == WATCHES and set(counts.values()) == {1}
    a, b = checked_by(workers[0]), checked_by(workers[1])
    assert a and b and not a & b and len(a | b) == WATCHES  # the round was split, not doubled
    for w in workers:
        assert "UniqueViolation" not in w.output() and "Traceback" not in w.output()


@pytest.mark.slow
def test_when_a_worker_dies_the_other_takes_its_watches_after_the_lease(
    http_server: LocalHTTPServer, tmp_path: Path, postgres_url: str
) -> None:
    Store(postgres_url).close()
    store = Store(postgres_url, migrate=False)
    # Slow pages, so the round takes a while and the worker dies in the middle of it. The workers
    # name different hosts: a dead worker's leases can only lapse, not be judged from its pid.
    watches = serve_policies(http_server, WATCHES, delay=0.3)
    cfg = write_config(tmp_path / "config.toml", postgres_url, watches, lease="4s")
    at = time.time() + 3
    doomed = DaemonProcess(cfg, tmp_path, env={"MONITOR_HOSTNAME": "worker-a"}, start_at=at).start()
    survivor = DaemonProcess(cfg, tmp_path, env={"MONITOR_HOSTNAME": "worker-b"}, start_at=at).start()
    try:
        doomed.wait_for(lambda: sum(checks_per_watch(store).values()) >= 60, "the round under way", timeout=120)
        doomed.send(signal.SIGKILL)
        doomed.proc.wait()  # type: ignore[union-attr]
        with store.session() as s:
            held = dict(s.execute(select(Watch.id, Watch.lease_until).where(Watch.lease_owner.like("worker-a:%"))).all())
        assert held, "the killed worker held no lease"
        survivor.wait_for(
            lambda: len([n for n in checks_per_watch(store).values() if n]) == WATCHES, "the round finished", timeout=240
        )
        time.sleep(2)
        assert survivor.stop() == 0
    finally:
        doomed.kill()
        survivor.kill()
    counts = checks_per_watch(store)
    assert set(counts.values()) == {1}  # nothing checked twice, nothing missed
    with store.session() as s:
        started = dict(s.execute(select(Check.watch_id, Check.started_at).where(Check.watch_id.in_(list(held)))).all())
    # The survivor took the dead worker's watches over only once their leases had lapsed.
    assert all(started[wid] >= until for wid, until in held.items())
    assert re.search(r"worker-b:\d+", survivor.output())


@pytest.mark.slow
def test_two_senders_started_together_send_every_alert_once(
    webhook: WebhookReceiver, tmp_path: Path, postgres_url: str  # noqa: F811
) -> None:
    cfg = write_config(
        tmp_path / "config.toml", postgres_url, {"Alder": "https://example.com/privacy"},
        extra=f'[notify]\nops_target = "ops"\n[notify.targets.ops]\nurls = ["{webhook.url()}"]\n',
    )  # fmt: skip
    store = Store(postgres_url)
    sync_watches(store, parse_config({"watches": [{"name": "Alder", "url": "https://example.com/privacy"}]}))
    with store.session() as s:
        wid = s.scalar(select(Watch.id))
        s.add_all(
            Notification(watch_id=wid, target="ops", kind="ops", status="pending",
                         payload={"kind": "failing", "watch": "Alder", "detail": f"alert {i}"})
            for i in range(150)
        )  # fmt: skip
    webhook.delay = 0.01
    at = time.time() + 3
    senders = [DaemonProcess(cfg, tmp_path, command=("notify", "flush"), start_at=at).start() for _ in range(2)]
    try:
        for p in senders:
            assert p.proc is not None and p.proc.wait(timeout=240) == 0, p.output()
    finally:
        for p in senders:
            p.kill()
    sent = [int(re.search(r"sent (\d+),", p.output()).group(1)) for p in senders]  # type: ignore[union-attr]
    assert sum(sent) == 150 and all(sent), sent  # both sent, together every row once
    details = [re.search(r"alert \d+", p.body.decode()).group(0) for p in webhook.posts]  # type: ignore[union-attr]
    assert len(details) == 150 and len(set(details)) == 150


def test_claims_split_due_watches_and_respect_live_leases(db_url: str) -> None:
    from datetime import timedelta

    from monitor.checker import claim_due, release_leases, renew_leases
    from monitor.store import utcnow

    store = Store(db_url)
    sync_watches(store, parse_config({"watches": [{"name": f"w{i}", "url": f"https://e.com/{i}"} for i in range(10)]}))
    with store.session() as s:
        s.execute(Watch.__table__.update().where(Watch.name == "w9").values(next_due_at=utcnow() + timedelta(hours=1)))
    a = claim_due(store, "host-a:1:x.y", 4)
    b = claim_due(store, "host-b:1:x.y", 10)
    assert len(a) == 4 and len(b) == 5 and not {i for i, _ in a} & {i for i, _ in b}
    assert "w9" not in {n for _, n in a + b}  # not due
    assert claim_due(store, "host-c:1:x.y", 10) == []  # everything due is leased by a live holder
    # A holder's own leases are free to it, unless it says it is busy with them (exclude).
    assert claim_due(store, "host-a:1:x.y", 10, exclude={i for i, _ in a}) == []
    assert renew_leases(store, "host-a:1:x.y", {i for i, _ in a}, timedelta(minutes=30)) == 4
    assert release_leases(store, "host-b:1:x.y") == 5
    assert len(claim_due(store, "host-c:1:x.y", 10)) == 5
