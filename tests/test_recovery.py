"""Right after a crash: leases and send claims of a killed process on this host are free at once.

Issue 10, points 1 and 2. The processes here are real (`policy-monitor check`, `notify flush`) and
are killed with SIGKILL while they hold a lease or a claim; the databases are a real SQLite file and
the real PostgreSQL server.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from daemon import DaemonProcess
from httpserver import LocalHTTPServer, Response
from policies import policy_html
from receivers import WebhookReceiver, webhook  # noqa: F401
from sqlalchemy import select

from monitor import leases
from monitor.checker import _acquire, release_stale_leases, sync_watches
from monitor.config import parse_config
from monitor.store import Notification, Store, Watch, utcnow

HTML = {"Content-Type": "text/html; charset=utf-8"}


def cli(cfg: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(cfg), *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def wait(predicate: object, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# -- who is gone ---------------------------------------------------------------------------------


def test_holder_names_tell_a_dead_or_reused_pid_from_a_live_one() -> None:
    me = leases.holder_name()
    assert me.startswith(leases.host_name() + f":{os.getpid()}:")
    assert not leases.holder_gone(me)
    assert not leases.holder_gone(me + "/0123456789ab")  # a send claim of this process

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        alive = leases.holder_name(child.pid)
        assert not leases.holder_gone(alive)
    finally:
        child.kill()
        child.wait()
    assert leases.holder_gone(alive)
    assert leases.holder_gone(f"{leases.host_name()}:{child.pid}")  # the old "host:pid" form

    # The pid is in use, but by another process than the one that took the lease (pid reuse):
    # same pid, another start time.
    host, pid, ticks, ns = leases.parse_holder(me)  # type: ignore[misc]
    assert ticks is not None and ns is not None
    reused = f"{host}:{os.getppid()}:{leases._b36(ticks + 12345)}.{leases._b36(ns)}"
    assert leases.holder_gone(reused)

    # Holders of other hosts, or of another PID namespace on this host, are never judged.
    assert not leases.holder_gone(f"elsewhere:{child.pid}:{leases._b36(ticks)}.{leases._b36(ns)}")
    assert not leases.holder_gone(f"{host}:{child.pid}:{leases._b36(ticks)}.{leases._b36(ns + 1)}")
    assert not leases.holder_gone("someone-else:1")
    assert not leases.holder_gone("not a holder")
    assert not leases.holder_gone(None)


def test_dead_holders_lease_is_taken_over_but_another_hosts_is_respected(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path}/m.db")
    config = parse_config({"watches": [{"name": "A", "url": "http://a"}, {"name": "B", "url": "http://b"}]})
    sync_watches(store, config)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = leases.holder_name(child.pid) if leases.start_ticks(child.pid) else f"{leases.host_name()}:{child.pid}"
    with store.session() as s:
        a, b = s.scalars(select(Watch).order_by(Watch.name)).all()
        a.lease_owner, a.lease_until = dead, utcnow() + timedelta(minutes=15)
        b.lease_owner, b.lease_until = "elsewhere:1:abc.def", utcnow() + timedelta(minutes=15)
        ids = a.id, b.id
    assert _acquire(store, ids[0], "me:1")
    assert not _acquire(store, ids[1], "me:1")
    with store.session() as s:
        s.get(Watch, ids[0]).lease_owner = dead  # type: ignore[union-attr]
    assert release_stale_leases(store) == 1
    with store.session() as s:
        assert s.get(Watch, ids[0]).lease_owner is None  # type: ignore[union-attr]
        assert s.get(Watch, ids[1]).lease_owner == "elsewhere:1:abc.def"  # type: ignore[union-attr]


# -- point 1: a one-shot check right after a crash -----------------------------------------------


@pytest.mark.slow
def test_check_right_after_a_killed_check_is_not_busy(
    http_server: LocalHTTPServer, tmp_path: Path, db_url: str
) -> None:
    names = ["Alder", "Birch", "Cedar"]
    for n in names:
        http_server.route(f"/{n}", Response(200, policy_html(), HTML, delay=60))
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[database]\nurl = "{db_url}"\n[fetch]\nallow_private_addresses = true\nper_host = 8\n'
        "[defaults]\nretries = 0\ntimeout = 90\n"
        + "".join(f'[[watches]]\nname = "{n}"\nurl = "{http_server.url("/" + n)}"\n' for n in names),
        "utf-8",
    )
    store = Store(db_url)
    first = DaemonProcess(cfg, tmp_path, command=("check",)).start()
    try:
        # Every fetch is in flight (the server holds them): the process holds three leases.
        first.wait_for(lambda: http_server.count() >= 3, "three fetches in flight")
        with store.session() as s:
            holders = {w.lease_owner for w in s.scalars(select(Watch))}
        assert holders == {leases.holder_name(first.pid)}
        first.proc.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
        first.proc.wait()  # type: ignore[union-attr]
    finally:
        first.kill()

    for n in names:
        http_server.route(f"/{n}", Response(200, policy_html(), HTML))
    res = cli(cfg, "check", "--json", cwd=tmp_path)
    outcomes = {r["watch"]: r["outcome"] for r in json.loads(res.stdout)}
    assert outcomes == dict.fromkeys(names, "first"), res.stderr


# -- point 2: `notify flush` and `notify pending` right after a killed sender ---------------------


@pytest.mark.slow
def test_flush_right_after_a_killed_sender_sends_its_claimed_row(
    webhook: WebhookReceiver, tmp_path: Path, db_url: str  # noqa: F811
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[database]\nurl = "{db_url}"\n'
        '[[watches]]\nname = "Alder"\nurl = "https://example.com/privacy"\n'
        f'[notify]\nops_target = "ops"\n[notify.targets.ops]\nurls = ["{webhook.url()}"]\ntimeout = 90\n',
        "utf-8",
    )
    store = Store(db_url)
    from monitor.config import load_config

    sync_watches(store, load_config(cfg))
    with store.session() as s:
        watch = s.scalars(select(Watch)).one()
        row = Notification(
            watch_id=watch.id, target="ops", kind="ops", status="pending",
            payload={"kind": "failing", "watch": "Alder", "url": watch.url, "detail": "3 failed checks"},
        )  # fmt: skip
        s.add(row)
        s.flush()
        row_id = row.id

    webhook.delay = 60  # the receiver takes the request and holds the answer: the sender is mid-send
    sender = DaemonProcess(cfg, tmp_path, command=("notify", "flush")).start()
    try:
        sender.wait_for(lambda: webhook.attempts >= 1, "the send to reach the receiver")
        with store.session() as s:
            claimed = s.get(Notification, row_id)
            assert claimed is not None and claimed.claimed_by and claimed.status == "pending"
            assert claimed.claimed_until is not None and claimed.claimed_until > utcnow() + timedelta(seconds=60)
        sender.proc.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
        sender.proc.wait()  # type: ignore[union-attr]
    finally:
        sender.kill()

    pending = json.loads(cli(cfg, "notify", "pending", "--json", cwd=tmp_path).stdout)
    assert [r["id"] for r in pending] == [row_id]
    assert pending[0]["why"] != "being sent now"

    webhook.delay = 0
    res = cli(cfg, "notify", "flush", cwd=tmp_path)
    assert res.returncode == 0 and "sent 1," in res.stdout, res.stdout + res.stderr
    assert webhook.attempts == 2  # the killed attempt (never answered) and this one
    with store.session() as s:
        assert s.get(Notification, row_id).status == "sent"  # type: ignore[union-attr]
