"""Alerts survive a crash: a daemon killed (SIGKILL) after an event is stored but before its alert
went out delivers it after a restart, exactly once."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import pytest
from daemon import DaemonProcess
from httpserver import LocalHTTPServer, RequestRecord, Response
from policies import SECTIONS, edited, policy_html
from sqlalchemy import func, select

from monitor.store import Event, Notification, Store

pytestmark = pytest.mark.slow
HTML = {"Content-Type": "text/html; charset=utf-8"}


class Hook:
    """A webhook receiver that can be switched between failing (500) and accepting (200)."""

    def __init__(self) -> None:
        self.up = False
        self.accepted = 0
        self.refused = 0
        self._lock = threading.Lock()

    def __call__(self, request: RequestRecord) -> Response:
        with self._lock:
            if request.method != "POST":
                return Response(405)
            if not self.up:
                self.refused += 1
                return Response(500, "down for maintenance")
            self.accepted += 1
            return Response(200, "{}", {"Content-Type": "application/json"})


def test_event_stored_before_a_crash_is_delivered_once_after_restart(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    hook = Hook()
    http_server.route("/hook", hook)
    http_server.route("/privacy", Response(200, policy_html(), HTML))
    db = f"sqlite:///{tmp_path}/m.db"
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f"""
[database]
url = "{db}"
[fetch]
allow_private_addresses = true
[defaults]
interval = "1s"
jitter = 0
retries = 0
[[watches]]
name = "Brindlewick"
url = "{http_server.url("/privacy")}"
[notify]
retry_base = 0.2
retry_max = 0.5
[notify.targets.hook]
urls = ["json://127.0.0.1:{http_server.port}/hook"]
[log]
format = "json"
""",
        "utf-8",
    )
    store = Store(db)

    def one(model: type, *where: object) -> int:
        with store.session() as s:
            return s.scalar(select(func.count()).select_from(model).where(*where))

    daemon = DaemonProcess(cfg, tmp_path).start()
    try:
        daemon.wait_for(lambda: "first" in daemon.output(), "the first check")
        new = edited(Retention=SECTIONS["Retention"].replace("24 months", "48 months"))
        http_server.route("/privacy", Response(200, policy_html(new), HTML))
        daemon.wait_for(lambda: one(Event) == 1, "the change event")
        daemon.wait_for(
            lambda: one(Notification, Notification.attempts >= 1) == 1, "a failed delivery attempt"
        )
        daemon.stop(signal.SIGKILL)
    finally:
        daemon.kill()
    assert hook.accepted == 0 and hook.refused >= 1
    with store.session() as s:
        (row,) = s.scalars(select(Notification)).all()
        assert row.status == "pending" and row.sent_at is None and row.target == "hook"

    hook.up = True
    daemon = DaemonProcess(cfg, tmp_path).start()
    try:
        daemon.wait_for(lambda: one(Notification, Notification.status == "sent") == 1, "the delivery")
        # Several more sender passes and checks run; none may send it again.
        with pytest.raises(AssertionError, match="timed out"):
            daemon.wait_for(lambda: hook.accepted > 1, "a duplicate delivery", timeout=4)
        assert daemon.stop(signal.SIGTERM) == 0
    finally:
        daemon.kill()
    assert hook.accepted == 1
    assert one(Event) == 1
