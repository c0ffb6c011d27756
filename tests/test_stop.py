"""Stopping is clean: an operator's Ctrl-C or SIGTERM, to the daemon alone or to its whole process
group (a terminal, systemd), ends it with its stop message, no traceback, and no check recorded as
failed because of the stop. Real processes: the daemon and its process pool, a loopback site, a
SQLite file."""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from daemon import DaemonProcess
from httpserver import LocalHTTPServer, RequestRecord, Response
from policies import SECTIONS, policy_html
from sqlalchemy import func, select

from monitor.store import Check, Store, Watch

pytestmark = pytest.mark.slow
HTML = {"Content-Type": "text/html; charset=utf-8"}


def changing_pages(server: LocalHTTPServer, paths: list[str], copies: int = 12) -> None:
    """Pages that differ in every section at every request: each check extracts and compares in
    the process pool, so the pool is busy whenever checks are in flight."""
    counter = itertools.count()

    def page(_request: RequestRecord) -> Response:
        k = next(counter)
        sections = {
            f"{h} {i}": f"{t} Clause {i} revision {k} keeps {k * 7 + i} records."
            for i in range(copies)
            for h, t in SECTIONS.items()
        }
        return Response(200, policy_html(sections), HTML)

    for path in paths:
        server.route(path, page)


def write_config(
    path: Path, db: str, urls: dict[str, str], *, workers: int = 2, retries: int = 0, timeout: int = 10
) -> Path:
    watches = "".join(f'[[watches]]\nname = "{n}"\nurl = "{u}"\n' for n, u in urls.items())
    path.write_text(
        f"""
[database]
url = "{db}"
[fetch]
allow_private_addresses = true
workers = {workers}
[defaults]
interval = "1s"
jitter = 0
retries = {retries}
timeout = {timeout}
[log]
format = "json"
{watches}""",
        "utf-8",
    )
    return path


def logged(daemon: DaemonProcess) -> list[dict[str, object]]:
    return [json.loads(line) for line in daemon.output().splitlines() if line.startswith("{")]


def checks(store: Store, outcome: str | None = None) -> int:
    with store.session() as s:
        q = select(func.count()).select_from(Check)
        if outcome is not None:
            q = q.where(Check.outcome == outcome)
        return s.scalar(q)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_stop_sent_to_the_whole_process_group_is_handled_by_the_daemon_alone(
    http_server: LocalHTTPServer, tmp_path: Path, sig: signal.Signals
) -> None:
    """A terminal's Ctrl-C (SIGINT to the process group) and systemd's default stop (SIGTERM to
    every process of the service) reach the pool's forkserver and workers too. They used to die of
    it mid-job: a KeyboardInterrupt traceback from each, and the checks they had in hand recorded
    as "internal error: BrokenProcessPool". Now they ignore both and the daemon stops them."""
    names = [f"P{i}" for i in range(6)]
    changing_pages(http_server, [f"/{n}" for n in names])
    db = f"sqlite:///{tmp_path}/m.db"
    cfg = write_config(tmp_path / "config.toml", db, {n: http_server.url(f"/{n}") for n in names})
    store = Store(db)
    daemon = DaemonProcess(cfg, tmp_path, new_session=True).start()
    try:
        # Second checks are comparisons in the pool, and every watch is due again each second.
        daemon.wait_for(lambda: checks(store, "changed") >= 2, "checks that compare in the pool", timeout=120)
        code = daemon.stop_group(sig)
    finally:
        daemon.kill()
    out = daemon.output()
    assert code == 0, out
    assert "Traceback" not in out and "KeyboardInterrupt" not in out, out
    assert any(e["msg"] == "stopping" for e in logged(daemon)), out
    assert checks(store, "error") == 0, out
    assert not [e for e in logged(daemon) if e["level"] == "error"], out
    with store.session() as s:
        assert all(w.lease_owner is None for w in s.scalars(select(Watch)))


def test_a_check_cut_short_by_the_stop_is_not_recorded_and_is_due_at_the_next_start(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """A stop while a check waits to retry a failing site (503, Retry-After) calls the retry off:
    the check did not finish, so it is neither stored as an error nor counted as a failure. Its
    lease is freed and its due time kept, so the next start checks it at once. It used to be
    recorded as a failed check ("suspect: HTTP 503", a warning in the log)."""
    http_server.route("/p", Response(503, "busy", {"Retry-After": "5", "Content-Type": "text/plain"}))
    db = f"sqlite:///{tmp_path}/m.db"
    cfg = write_config(tmp_path / "config.toml", db, {"Quillfeather": http_server.url("/p")}, workers=0, retries=2)
    store = Store(db)
    daemon = DaemonProcess(cfg, tmp_path).start()
    try:
        daemon.wait_for(lambda: http_server.count("/p") >= 1, "the first attempt")
        with store.session() as s:
            due = s.scalars(select(Watch)).one().next_due_at
        assert daemon.stop(signal.SIGTERM) == 0
    finally:
        daemon.kill()
    out = daemon.output()
    assert checks(store) == 0, out  # nothing recorded, least of all an error
    assert not [e for e in logged(daemon) if e["level"] in ("warning", "error")], out
    assert "cut short by the stop" in out
    with store.session() as s:
        w = s.scalars(select(Watch)).one()
        assert w.lease_owner is None and w.next_due_at == due and w.consecutive_failures == 0

    http_server.route("/p", Response(200, policy_html(), HTML))
    daemon = DaemonProcess(cfg, tmp_path).start()
    try:
        daemon.wait_for(lambda: checks(store, "first") == 1, "the check at the next start")
        assert daemon.stop(signal.SIGTERM) == 0
    finally:
        daemon.kill()
    assert checks(store, "error") == 0


def test_ctrl_c_during_check_stops_at_once_says_what_was_stored_and_exits_130(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """Ctrl-C during `policy-monitor check` (SIGINT to its process group, pool included) ends the
    round at once, without waiting for the sites still answering: the results of the checks that
    finished are printed (with --json the list of a whole round, the others "interrupted"), then one plain line
    says how many finished (they stay stored), exit 130. The checks cut short leave no row and no
    lease. It used to exit 130 with nothing said, then with that line alone and no results."""
    fast, slow = ["Ash", "Beech", "Cherry"], ["Damson", "Elm", "Fir"]
    changing_pages(http_server, [f"/{n}" for n in fast + slow], copies=2)
    db = f"sqlite:///{tmp_path}/m.db"
    urls = {n: http_server.url(f"/{n}") for n in fast + slow}
    cfg = write_config(tmp_path / "config.toml", db, urls, timeout=170)
    store = Store(db)
    first = DaemonProcess(cfg, tmp_path, command=("check",)).start()
    first.wait_for(lambda: first.proc.poll() is not None, "the first round")  # type: ignore[union-attr]
    assert first.proc.returncode == 0 and checks(store, "first") == 6, first.output()  # type: ignore[union-attr]

    # Now three sites take minutes to answer; the other three changed (stored at once).
    for n in slow:
        http_server.route(f"/{n}", Response(200, policy_html(), HTML, delay=160))
    round_ = DaemonProcess(cfg, tmp_path, command=("check",), new_session=True).start()
    try:
        round_.wait_for(lambda: checks(store, "changed") == 3, "the three changed checks")
        time.sleep(1)  # a check's result reaches the round just after its row is written
        code = round_.stop_group(signal.SIGINT, timeout=60)  # well before the slow sites answer
    finally:
        round_.kill()
    out = round_.output()
    assert code == 130, out
    said = [line for line in out.splitlines() if not line.startswith("{")]
    assert [line.split()[:2] for line in said[:3]] == [[f"{n}:", "changed"] for n in fast], out
    assert said[3:] == [
        "policy-monitor: interrupted after 3 of 6 checks (those are stored; the other 3 were not checked)"
    ], out
    assert checks(store) == 9 and checks(store, "error") == 0
    with store.session() as s:
        assert all(w.lease_owner is None for w in s.scalars(select(Watch)))

    # With --json: valid JSON on stdout, the same list as a whole round's.
    stdout, stderr = tmp_path / "json.out", tmp_path / "json.err"
    with stdout.open("wb") as out_fh, stderr.open("wb") as err_fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(cfg), "check", "--json"],
            cwd=tmp_path, stdout=out_fh, stderr=err_fh, start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while checks(store, "changed") < 6 and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(1)
            os.killpg(proc.pid, signal.SIGINT)
            assert proc.wait(timeout=60) == 130, stderr.read_text("utf-8")
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    printed = json.loads(stdout.read_text("utf-8"))  # the list a whole round prints, every watch in it
    assert [(r["watch"], r["outcome"]) for r in printed] == [(n, "changed") for n in fast] + [
        (n, "interrupted") for n in slow
    ]
    assert [r["detail"] for r in printed[3:]] == ["not checked: the round was interrupted"] * 3
    assert "interrupted after 3 of 6 checks" in stderr.read_text("utf-8")


def test_sigterm_during_check_json_prints_the_finished_results_frees_the_leases_and_exits_143(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """SIGTERM to `policy-monitor check --json` (`timeout 60 ...`, `systemctl stop`: the whole
    process group) ends the round as Ctrl-C does: the list of a whole round on stdout, the checks
    not finished "interrupted", one stderr line, no lease left (the next command does not have to
    take one over), exit 143 (128 + SIGTERM). It used to die of the signal with stdout empty."""
    fast, slow = ["Gorse", "Hazel"], ["Ivy", "Juniper"]
    changing_pages(http_server, [f"/{n}" for n in fast + slow], copies=2)
    db = f"sqlite:///{tmp_path}/m.db"
    cfg = write_config(tmp_path / "config.toml", db, {n: http_server.url(f"/{n}") for n in fast + slow}, timeout=170)
    store = Store(db)
    first = DaemonProcess(cfg, tmp_path, command=("check",)).start()
    first.wait_for(lambda: first.proc.poll() is not None, "the first round")  # type: ignore[union-attr]
    assert first.proc.returncode == 0 and checks(store, "first") == 4, first.output()  # type: ignore[union-attr]
    for n in slow:
        http_server.route(f"/{n}", Response(200, policy_html(), HTML, delay=160))

    stdout, stderr = tmp_path / "json.out", tmp_path / "json.err"
    with stdout.open("wb") as out_fh, stderr.open("wb") as err_fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(cfg), "check", "--json"],
            cwd=tmp_path, stdout=out_fh, stderr=err_fh, start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while checks(store, "changed") < 2 and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(1)  # a check's result reaches the round just after its row is written
            with store.session() as s:  # the slow checks hold their leases while they wait
                assert sum(w.lease_owner is not None for w in s.scalars(select(Watch))) == 2
            os.killpg(proc.pid, signal.SIGTERM)
            code = proc.wait(timeout=60)  # well before the slow sites answer
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    err = stderr.read_text("utf-8")
    assert code == 143, err
    printed = json.loads(stdout.read_text("utf-8"))
    assert [(r["watch"], r["outcome"]) for r in printed] == [(n, "changed") for n in fast] + [
        (n, "interrupted") for n in slow
    ]
    assert [line for line in err.splitlines() if not line.startswith("{")] == [
        "policy-monitor: stopped by SIGTERM after 2 of 4 checks (those are stored; the other 2 were not checked)"
    ], err
    assert checks(store) == 6 and checks(store, "error") == 0
    with store.session() as s:
        assert all(w.lease_owner is None for w in s.scalars(select(Watch)))


def test_checks_still_running_when_the_grace_ends_are_named_in_one_log_line(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """A stop gives the checks in flight STOP_GRACE seconds; those still waiting for a site then
    are cancelled, their leases freed. One warning says how many and which (they used to be
    dropped without a word). Their watches are checked again at the next start."""
    from monitor.scheduler import STOP_GRACE

    slow = ["Hawthorn", "Juniper"]
    for n in slow:
        http_server.route(f"/{n}", Response(200, policy_html(), HTML, delay=STOP_GRACE + 120))
    db = f"sqlite:///{tmp_path}/m.db"
    cfg = write_config(tmp_path / "config.toml", db, {n: http_server.url(f"/{n}") for n in slow}, timeout=300)
    store = Store(db)
    daemon = DaemonProcess(cfg, tmp_path).start()
    try:
        daemon.wait_for(lambda: http_server.count() >= 2, "both fetches in flight")
        assert daemon.stop(signal.SIGTERM, timeout=STOP_GRACE + 60) == 0
    finally:
        daemon.kill()
    out = daemon.output()
    warnings = [e for e in logged(daemon) if e["level"] in ("warning", "error")]
    assert [e["msg"] for e in warnings] == [
        f"stop: 2 checks still running after the {STOP_GRACE:.0f} s grace were cut short: Hawthorn, Juniper "
        "(checked again at the next start)"
    ], out
    assert checks(store) == 0, out
    with store.session() as s:
        assert all(w.lease_owner is None for w in s.scalars(select(Watch)))


def test_the_cut_short_line_caps_the_names_it_lists() -> None:
    from monitor.interrupted import cut_short_text

    names = [f"W{i:02}" for i in range(14)]
    assert cut_short_text(names, 20.0) == (
        "stop: 14 checks still running after the 20 s grace were cut short: W00, W01, W02, W03, W04, W05, "
        "W06, W07, W08, W09 and 4 more (checked again at the next start)"
    )
    assert cut_short_text(["Solo"], 20.0).startswith("stop: 1 check still running after the 20 s grace was cut short: Solo")


def test_the_readme_units_stop_the_daemon_as_it_stops() -> None:
    """The systemd unit in the README sends SIGTERM to the daemon (which stops its pool itself),
    and waits longer than the daemon gives its checks in flight before killing; so does the
    `docker run` line."""
    from monitor.scheduler import STOP_GRACE

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    unit = readme.split("# /etc/systemd/system/policy-monitor.service", 1)[1].split("```", 1)[0]
    settings = dict(
        line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#")
    )
    assert settings.get("KillMode") in ("mixed", "control-group")
    assert settings.get("KillSignal") == "SIGTERM"
    assert int(settings["TimeoutStopSec"]) >= STOP_GRACE + 30
    stop_timeout = re.search(r"docker run .*--stop-timeout (\d+)", readme)
    assert stop_timeout and int(stop_timeout.group(1)) >= STOP_GRACE + 30
