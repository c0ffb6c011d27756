"""`policy-monitor run` as a subprocess against a loopback site with short intervals."""

from __future__ import annotations

import json
import signal
from datetime import timedelta
from pathlib import Path

import pytest
from daemon import DaemonProcess
from httpserver import LocalHTTPServer, Response
from policies import SECTIONS, edited, policy_html
from sqlalchemy import func, select

from monitor.store import Check, Event, Store, Version, Watch

pytestmark = pytest.mark.slow
HTML = {"Content-Type": "text/html; charset=utf-8"}


def write_config(path: Path, url: str, db: str, interval: str) -> Path:
    path.write_text(
        f"""
[database]
url = "{db}"
[fetch]
allow_private_addresses = true
[defaults]
interval = "{interval}"
jitter = 0
retries = 0
timeout = 5
[[watches]]
name = "Brindlewick"
url = "{url}"
[log]
format = "json"
""",
        "utf-8",
    )
    return path


def count(store: Store, model: type) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_daemon_checks_on_schedule_stops_cleanly_and_resumes(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path}/m.db"
    http_server.route("/privacy", Response(200, policy_html(), HTML))
    cfg = write_config(tmp_path / "config.toml", http_server.url("/privacy"), db, "1s")
    store = Store(db)

    daemon = DaemonProcess(cfg, tmp_path).start()
    try:
        daemon.wait_for(lambda: count(store, Version) == 1, "the first version")
        daemon.wait_for(lambda: count(store, Check) >= 2, "a second, unchanged check")
        new = edited(Retention=SECTIONS["Retention"].replace("24 months", "36 months"))
        http_server.route("/privacy", Response(200, policy_html(new), HTML))
        daemon.wait_for(lambda: count(store, Event) == 1, "the change event")
        assert daemon.stop(signal.SIGTERM) == 0
    finally:
        daemon.kill()

    # Structured logs: JSON lines, one of them the change.
    lines = [json.loads(line) for line in daemon.output().splitlines() if line.startswith("{")]
    assert any(entry.get("outcome") == "changed" for entry in lines)
    assert any(entry["msg"] == "stopping" for entry in lines)
    assert count(store, Version) == 2 and count(store, Event) == 1
    with store.session() as s:
        w = s.scalars(select(Watch)).one()
        assert w.lease_owner is None  # a clean stop releases its leases
        event = s.scalars(select(Event)).one()
        assert event.substantive and "retention" in event.categories

    # Restart with a long interval: the due time stored by the last run is honoured, so the
    # restarted daemon does not check again straight away.
    cfg = write_config(tmp_path / "config.toml", http_server.url("/privacy"), db, "1h")
    with store.session() as s:
        w = s.scalars(select(Watch)).one()
        w.next_due_at = w.last_checked_at + timedelta(hours=1)  # what a "1h" run would have stored
        due = w.next_due_at
    checks_before = count(store, Check)
    requests_before = http_server.count("/privacy")
    daemon = DaemonProcess(cfg, tmp_path).start()
    try:
        daemon.wait_for(lambda: "policy-monitor running" in daemon.output(), "the restart")
        # Give the scheduler time to (wrongly) fire: it must not, the watch is not due for an hour.
        with pytest.raises(AssertionError, match="timed out"):
            daemon.wait_for(lambda: count(store, Check) > checks_before, "an early check", timeout=3)
        assert daemon.stop(signal.SIGINT) == 0
    finally:
        daemon.kill()
    assert http_server.count("/privacy") == requests_before
    with store.session() as s:
        assert s.scalars(select(Watch)).one().next_due_at == due


def test_missed_checks_are_coalesced_after_downtime(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/m.db"
    http_server.route("/privacy", Response(200, policy_html(), HTML))
    cfg = write_config(tmp_path / "config.toml", http_server.url("/privacy"), db, "1h")
    store = Store(db)
    daemon = DaemonProcess(cfg, tmp_path).start()
    try:
        daemon.wait_for(lambda: count(store, Check) == 1, "the first check")
        assert daemon.stop() == 0
    finally:
        daemon.kill()
    # A week of downtime: 168 missed hourly checks.
    with store.session() as s:
        w = s.scalars(select(Watch)).one()
        w.last_checked_at -= timedelta(days=7)
        w.next_due_at -= timedelta(days=7)
    daemon = DaemonProcess(cfg, tmp_path).start()
    try:
        daemon.wait_for(lambda: count(store, Check) == 2, "the catch-up check")
        with pytest.raises(AssertionError, match="timed out"):
            daemon.wait_for(lambda: count(store, Check) > 2, "a second catch-up check", timeout=3)
        assert daemon.stop() == 0
    finally:
        daemon.kill()
    assert count(store, Check) == 2


def test_batched_checks_are_written_by_the_timer_and_at_stop(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    """The daemon batches first versions and unchanged checks: a batch that no later check fills is
    written within about a second, and what waits at a stop is written before the leases go. Every
    check the log reports is in the database."""
    db = f"sqlite:///{tmp_path}/m.db"
    names = ["Alder", "Birch", "Cedar"]
    for n in names:
        http_server.route(f"/{n}", Response(200, policy_html(), HTML))
    watches = "".join(f'[[watches]]\nname = "{n}"\nurl = "{http_server.url("/" + n)}"\n' for n in names)
    cfg = tmp_path / "config.toml"
    base = write_config(cfg, http_server.url("/unused"), db, "1h").read_text("utf-8")
    head, _, tail = base.partition("[[watches]]")
    cfg.write_text(head + watches + "[log]" + tail.partition("[log]")[2], "utf-8")
    store = Store(db)
    daemon = DaemonProcess(cfg, tmp_path).start()
    try:
        # One check each, then nothing is due for an hour: only the timer writes these versions.
        daemon.wait_for(lambda: count(store, Version) == 3, "the three first versions", timeout=20)
        assert count(store, Check) == 3
        with store.session() as s:
            assert all(w.next_due_at > w.last_checked_at for w in s.scalars(select(Watch)))
        # Now every watch is due every second; a stop finds some checks waiting in the batch.
        cfg.write_text(cfg.read_text("utf-8").replace('interval = "1h"', 'interval = "1s"'), "utf-8")
        with store.session() as s:
            for w in s.scalars(select(Watch)):
                w.next_due_at = w.last_checked_at
        daemon.send(signal.SIGHUP)
        daemon.wait_for(lambda: daemon.output().count(": unchanged") >= 6, "two unchanged checks each")
        assert daemon.stop(signal.SIGTERM) == 0
    finally:
        daemon.kill()
    logged = [json.loads(line) for line in daemon.output().splitlines() if line.startswith("{")]
    checked = [e for e in logged if str(e.get("msg", "")).startswith("checked ")]
    assert count(store, Check) == len(checked)  # nothing logged as checked is missing
    with store.session() as s:
        assert all(w.lease_owner is None for w in s.scalars(select(Watch)))
