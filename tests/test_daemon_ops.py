"""A daemon that never silently stops, and that picks up config changes on SIGHUP.

Issue 10, points 3 and 5: the database really fails under a running daemon (its PostgreSQL database
stops taking connections and every session is terminated; a SQLite trigger makes every claim of
one watch fail), and the config file really changes under it.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from daemon import DaemonProcess
from httpserver import LocalHTTPServer, Response
from policies import policy_html
from receivers import WebhookReceiver, webhook  # noqa: F401
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from monitor.store import Check, Store, Watch

pytestmark = pytest.mark.slow
HTML = {"Content-Type": "text/html; charset=utf-8"}


def config_text(db: str, watches: dict[str, str], extra: str = "", interval: str = "1s") -> str:
    body = "".join(f'[[watches]]\nname = "{n}"\nurl = "{u}"\n' for n, u in watches.items())
    return (
        f'[database]\nurl = "{db}"\n[fetch]\nallow_private_addresses = true\nper_host = 8\n'
        f'[defaults]\ninterval = "{interval}"\njitter = 0\nretries = 0\ntimeout = 5\n'
        f'{body}{extra}[log]\nformat = "json"\n'
    )


def checks_of(store: Store, name: str) -> int:
    with store.session() as s:
        return s.scalar(
            select(func.count()).select_from(Check).join(Watch, Watch.id == Check.watch_id).where(Watch.name == name)
        )


def log_entries(daemon: DaemonProcess) -> list[dict[str, object]]:
    return [json.loads(line) for line in daemon.output().splitlines() if line.startswith("{")]


# -- point 3: the database fails under a running daemon -------------------------------------------


def test_daemon_survives_a_lost_postgres_reports_it_and_resumes_every_watch(
    http_server: LocalHTTPServer, tmp_path: Path, postgres_url: str, webhook: WebhookReceiver  # noqa: F811
) -> None:
    names = ["Alder", "Birch"]
    for n in names:
        http_server.route(f"/{n}", Response(200, policy_html(), HTML))
    extra = f'[notify]\nops_target = "ops"\n[notify.targets.ops]\nurls = ["{webhook.url()}"]\n'
    cfg = tmp_path / "config.toml"
    cfg.write_text(config_text(postgres_url, {n: http_server.url("/" + n) for n in names}, extra), "utf-8")
    store = Store(postgres_url)
    dbname = make_url(postgres_url).database
    admin = create_engine(make_url(store.url).set(database="postgres"), isolation_level="AUTOCOMMIT")

    def cut(allow: bool) -> None:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS {str(allow).lower()}'))
            if not allow:
                conn.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"), {"d": dbname}
                )

    daemon = DaemonProcess(cfg, tmp_path).start()
    try:
        daemon.wait_for(lambda: all(checks_of(store, n) >= 2 for n in names), "two checks of each watch")
        store.close()
        cut(allow=False)
        daemon.wait_for(lambda: "database failing" in daemon.output(), "the daemon to report the database")
        daemon.wait_for(
            lambda: any("database failing" in p.body.decode() for p in webhook.posts), "the ops alert"
        )
        cut(allow=True)
        before = {n: checks_of(store, n) for n in names}
        daemon.wait_for(lambda: "database recovered" in daemon.output(), "the recovery")
        # No watch was dropped: every one is checked again once the database answers.
        daemon.wait_for(
            lambda: all(checks_of(store, n) > before[n] + 1 for n in names), "checks of every watch again"
        )
        daemon.wait_for(
            lambda: any("database recovered" in p.body.decode() for p in webhook.posts), "the recovery alert"
        )
        assert daemon.stop() == 0
    finally:
        daemon.kill()
        cut(allow=True)
        admin.dispose()
    assert "[parameters:" not in daemon.output()  # errors never carry SQL parameter dumps
    failing = [e for e in log_entries(daemon) if "database failing" in str(e.get("msg"))]
    assert len(failing) == 1  # reported once, not once per attempt


def test_a_check_that_keeps_raising_is_retried_not_dropped(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/m.db"
    names = ["Alder", "Birch"]
    for n in names:
        http_server.route(f"/{n}", Response(200, policy_html(), HTML))
    cfg = tmp_path / "config.toml"
    cfg.write_text(config_text(db, {n: http_server.url("/" + n) for n in names}), "utf-8")
    store = Store(db)
    daemon = DaemonProcess(cfg, tmp_path).start()
    try:
        daemon.wait_for(lambda: all(checks_of(store, n) >= 1 for n in names), "a check of each watch")
        # From now on every write of Alder's check fails in the database (as a full disk would).
        with store.engine.begin() as conn:
            conn.exec_driver_sql(
                "CREATE TRIGGER break_alder BEFORE INSERT ON checks "
                "WHEN NEW.watch_id = (SELECT id FROM watches WHERE name = 'Alder') "
                "BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END"
            )
        stuck = checks_of(store, "Alder")
        birch = checks_of(store, "Birch")
        daemon.wait_for(lambda: checks_of(store, "Birch") >= birch + 3, "Birch checked on")
        daemon.wait_for(lambda: "check of Alder failed" in daemon.output(), "Alder's failure logged")
        assert checks_of(store, "Alder") == stuck
        with store.engine.begin() as conn:
            conn.exec_driver_sql("DROP TRIGGER break_alder")
        daemon.wait_for(lambda: checks_of(store, "Alder") > stuck, "Alder checked again", timeout=90)
        assert daemon.stop() == 0
    finally:
        daemon.kill()
    failed = [e for e in log_entries(daemon) if str(e.get("msg", "")).startswith("check of Alder failed")]
    assert len(failed) == 1  # logged once per streak, retried with backoff
    assert "works again" in daemon.output()


# -- point 5: SIGHUP -------------------------------------------------------------------------------


def test_sighup_reloads_new_removed_and_edited_watches(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/m.db"
    for path in ("/alder", "/birch", "/cedar", "/cedar-new"):
        http_server.route(path, Response(200, policy_html(), HTML))
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        config_text(db, {"Alder": http_server.url("/alder"), "Cedar": http_server.url("/cedar")}, interval="1h"),
        "utf-8",
    )
    store = Store(db)
    daemon = DaemonProcess(cfg, tmp_path).start()
    try:
        daemon.wait_for(lambda: checks_of(store, "Alder") == 1 and checks_of(store, "Cedar") == 1, "first checks")
        # A broken config is refused; the daemon goes on with the one it has.
        cfg.write_text("[[watches]]\nname = 1\n", "utf-8")
        daemon.send(signal.SIGHUP)
        daemon.wait_for(lambda: "config reload failed" in daemon.output(), "the refusal")
        cfg.write_text(
            config_text(db, {"Birch": http_server.url("/birch"), "Cedar": http_server.url("/cedar-new")}, interval="1h"),
            "utf-8",
        )
        daemon.send(signal.SIGHUP)
        daemon.wait_for(lambda: checks_of(store, "Birch") == 1, "the added watch checked")
        daemon.wait_for(lambda: http_server.count("/cedar-new") == 1, "the edited watch checked at its new URL")
        daemon.wait_for(lambda: "config reloaded" in daemon.output(), "the reload logged")
        assert daemon.proc is not None and daemon.proc.poll() is None
        assert daemon.stop() == 0
    finally:
        daemon.kill()
    with store.session() as s:
        state = {w.name: w.active for w in s.scalars(select(Watch))}
    assert state == {"Alder": False, "Birch": True, "Cedar": True}
    assert checks_of(store, "Alder") == 1 and http_server.count("/alder") == 1
    reloaded = next(e for e in log_entries(daemon) if e.get("msg") == "config reloaded: 1 added, 1 removed, 1 edited")
    assert reloaded["added"] == ["Birch"] and reloaded["removed"] == ["Alder"] and reloaded["edited"] == ["Cedar"]


def test_add_and_remove_say_how_a_running_daemon_picks_the_change_up(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("", "utf-8")

    def run(*args: str) -> str:
        res = subprocess.run(
            [sys.executable, "-m", "monitor", "--config", str(cfg), *args],
            cwd=tmp_path, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert res.returncode == 0, res.stderr
        return res.stdout

    for out in (run("add", "Alder", "https://example.com/privacy"), run("remove", "Alder")):
        assert "systemctl reload policy-monitor" in out and "kill -HUP" in out
