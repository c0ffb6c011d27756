"""An interval or cron schedule edited while no daemon ran counts from the last check, at start, at
reload (SIGHUP) and for `check` and `list` alike: each watch row keeps the schedule its due time
was computed from, and the start, the reload and `check` share one sync (monitor.claims)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from daemon import DaemonProcess
from httpserver import LocalHTTPServer, Response
from policies import policy_html
from sqlalchemy import func, select

from monitor.claims import planned_due, sync_watches
from monitor.config import Config, parse_config
from monitor.cron import cron_trigger
from monitor.store import Check, Store, Watch

HTML = {"Content-Type": "text/html; charset=utf-8"}
LAST = datetime(2026, 3, 2, 10, 15, tzinfo=UTC)  # a Monday


def config_text(db: str, url: str, interval: str) -> str:
    return (
        f'[database]\nurl = "{db}"\n[fetch]\nallow_private_addresses = true\n'
        f'[defaults]\ninterval = "{interval}"\njitter = 0\nretries = 0\ntimeout = 5\n'
        f'[[watches]]\nname = "Quillmere"\nurl = "{url}"\n[log]\nformat = "json"\n'
    )


def cli(cfg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(cfg), *args],
        cwd=cfg.parent, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def checks(store: Store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(Check))


@pytest.mark.slow
def test_interval_edited_while_stopped_counts_from_the_last_check(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """The fresh-user repro: checked once at "1d", the config then says "2s": `list` shows the
    watch due 2 s after that check, and `run` checks it at once instead of tomorrow."""
    http_server.route("/privacy", Response(200, policy_html(), HTML))
    db = f"sqlite:///{tmp_path}/m.db"
    cfg = tmp_path / "config.toml"
    cfg.write_text(config_text(db, http_server.url("/privacy"), "1d"), "utf-8")
    cli(cfg, "check")
    store = Store(db)
    assert checks(store) == 1
    with store.session() as s:
        last = s.scalars(select(Watch)).one().last_checked_at
    cfg.write_text(config_text(db, http_server.url("/privacy"), "2s"), "utf-8")
    [row] = json.loads(cli(cfg, "list", "--json").stdout)
    assert row["interval"] == "2s"
    assert datetime.fromisoformat(row["next_due"]) == last + timedelta(seconds=2)

    daemon = DaemonProcess(cfg, tmp_path).start()
    try:
        daemon.wait_for(lambda: checks(store) >= 2, "a check on the edited interval", timeout=30)
        assert daemon.stop() == 0
    finally:
        daemon.kill()
    logged = [json.loads(line) for line in daemon.output().splitlines() if line.startswith("{")]
    synced = next(e for e in logged if e.get("msg") == "watches synced: 0 added, 0 removed, 1 edited")
    assert synced["edited"] == ["Quillmere"]


def make_config(db_url: str, schedule: str) -> Config:
    return parse_config(
        {
            "database": {"url": db_url},
            "defaults": {"interval": schedule, "jitter": 0},
            "watches": [
                {"name": "Quillmere", "url": "http://127.0.0.1:9/privacy"},
                {"name": "Fernhollow", "url": "http://127.0.0.1:9/terms"},
            ],
        }
    )


def stored(store: Store) -> dict[str, Watch]:
    with store.session() as s:
        rows = {w.name: w for w in s.scalars(select(Watch))}
        s.expunge_all()
    return rows


def test_sync_recomputes_an_edited_schedule_from_the_last_check(db_url: str) -> None:
    """One sync for start and reload: an interval or cron edit since the stored schedule is due
    one new interval (or the next fire) after the last check, and counts as an edit even when the
    reloading daemon already ran with the edited config; a watch never checked keeps its due time."""
    store = Store(db_url)
    first = sync_watches(store, make_config(db_url, "1d"))
    assert first.added == ["Fernhollow", "Quillmere"] and not first.edited
    with store.session() as s:
        w = Store.watch_by_name(s, "Quillmere")
        assert w is not None and w.schedule == "1d"
        w.last_checked_at, w.next_due_at = LAST, LAST + timedelta(days=1)
        never = Store.watch_by_name(s, "Fernhollow")
        assert never is not None
        never_due = never.next_due_at

    # `list` (writes nothing) shows what the sync will store.
    assert planned_due(stored(store)["Quillmere"], "1m") == LAST + timedelta(minutes=1)
    assert planned_due(stored(store)["Quillmere"], "1d") == LAST + timedelta(days=1)

    # The daemon started with "1m" and is reloaded with the same file: still an edit of the row.
    minute = make_config(db_url, "1m")
    done = sync_watches(store, minute, previous=minute)
    assert (done.added, done.removed, done.edited) == ([], [], ["Fernhollow", "Quillmere"])
    rows = stored(store)
    assert rows["Quillmere"].next_due_at == LAST + timedelta(minutes=1)
    assert rows["Quillmere"].schedule == "1m"
    assert rows["Fernhollow"].next_due_at == never_due  # a first check waits for no interval

    # Nothing edited since: nothing moves, nothing counted (start and reload alike).
    assert sync_watches(store, minute) == sync_watches(store, minute, previous=minute)
    assert not sync_watches(store, minute).edited

    # A cron schedule counts from the last check too (the next weekday 06:00 after it).
    cron = "0 6 * * 1-5"
    done = sync_watches(store, make_config(db_url, cron))
    assert done.edited == ["Fernhollow", "Quillmere"]
    expected = cron_trigger(cron).get_next_fire_time(None, stored(store)["Quillmere"].last_checked_at)
    assert stored(store)["Quillmere"].next_due_at == expected == datetime(2026, 3, 3, 6, 0, tzinfo=UTC)


def test_a_row_of_before_the_schedule_column_keeps_its_due_time(db_url: str) -> None:
    """A database upgraded from 0004 does not know which schedule its due times came from: the
    sync records the configured one and moves nothing."""
    store = Store(db_url)
    sync_watches(store, make_config(db_url, "1d"))
    with store.session() as s:
        w = Store.watch_by_name(s, "Quillmere")
        assert w is not None
        w.schedule, w.last_checked_at, w.next_due_at = None, LAST, LAST + timedelta(days=1)
    done = sync_watches(store, make_config(db_url, "6h"))
    assert done.edited == ["Fernhollow"]  # its stored "1d" is known
    row = stored(store)["Quillmere"]
    assert (row.schedule, row.next_due_at) == ("6h", LAST + timedelta(days=1))
