"""`policy-monitor check` on a terminal draws a progress bar on stderr; log lines printed during the
round go above it and the bar goes on below them. A real `check` on a pseudo-terminal, a loopback
site and a SQLite file; the terminal's output is replayed to see what stays on the screen."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from httpserver import LocalHTTPServer, Response
from policies import policy_html
from sqlalchemy import update

from monitor.leases import holder_name
from monitor.store import Store, Watch, utcnow

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a Linux pty")
HTML = {"Content-Type": "text/html; charset=utf-8"}
NAMES = ["Alder", "Birch", "Cedar", "Damson", "Elm", "Fir"]


def replay(raw: str) -> list[str]:
    """The lines a terminal shows (scrollback included) after `raw`: text, carriage return, line
    feed, erase line (ESC[2K) and cursor up (ESC[nA); other escape sequences (colours) change no
    text."""
    lines, row, col = [""], 0, 0
    for token in re.findall(r"\x1b\[[0-9;?]*[A-Za-z]|\r|\n|[^\x1b\r\n]+", raw):
        if token == "\r":
            col = 0
        elif token == "\n":
            row += 1
            if row == len(lines):
                lines.append("")
        elif token == "\x1b[2K":
            lines[row] = ""
        elif token.startswith("\x1b[") and token.endswith("A"):
            row = max(0, row - int(token[2:-1] or 1))
        elif not token.startswith("\x1b"):
            line = lines[row].ljust(col)
            lines[row] = line[:col] + token + line[col + len(token) :]
            col += len(token)
    return lines


def run_on_a_terminal(args: list[str], cwd: Path, timeout: float = 120) -> tuple[int, str]:
    """Run `args` with stdin, stdout and stderr on a new pseudo-terminal; (exit code, output)."""
    import pty

    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "LINES": "40", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the terminal closed: every process on it exited
                    break
                if not chunk:
                    break
                out += chunk
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return code, out.decode("utf-8", "replace")


def test_log_lines_print_above_the_progress_bar_which_keeps_going(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """Three watches are leased to a process that is gone, so the round logs three "took over the
    lease" lines while the bar is up. Each used to land on the bar's own line ("checking ━━━ 0%
    -:--:--12:00:01 INFO took over ..."), leaving the bar garbled in the scrollback."""
    for n in NAMES:
        http_server.route(f"/{n}", Response(200, policy_html(), HTML))
    db = f"sqlite:///{tmp_path}/m.db"
    watches = "".join(f'[[watches]]\nname = "{n}"\nurl = "{http_server.url("/" + n)}"\n' for n in NAMES)
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[database]\nurl = "{db}"\n[fetch]\nallow_private_addresses = true\nworkers = 0\n'
        f'[defaults]\nretries = 0\ntimeout = 10\n[log]\nlevel = "info"\n{watches}',
        "utf-8",
    )
    command = [sys.executable, "-m", "monitor", "--config", str(cfg), "check"]
    first = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stdout + first.stderr

    gone = subprocess.Popen(["true"])
    gone.wait()  # its pid now names no process: its leases are taken over at once
    store = Store(db)
    with store.session() as s:  # leases that have not lapsed, of a holder that is gone
        s.execute(
            update(Watch)
            .where(Watch.name.in_(NAMES[:3]))
            .values(lease_owner=holder_name(gone.pid), lease_until=utcnow() + timedelta(hours=1))
        )
    store.close()

    code, raw = run_on_a_terminal(command, tmp_path)
    assert code == 0, raw
    logged = [m.start() for m in re.finditer("took over the lease", raw)]
    assert len(logged) == 3, raw
    assert raw.rfind("checking") > logged[-1], raw  # the bar was drawn again after the last line
    screen = replay(raw)
    took_over = [line for line in screen if "took over the lease" in line]
    assert len(took_over) == 3, screen
    assert all(re.match(r"\d\d:\d\d:\d\d INFO +took over the lease", line) for line in took_over), screen
    assert not [line for line in screen if "checking" in line], screen  # nothing left of the bar
    assert len([line for line in screen if line.startswith(tuple(f"{n}: " for n in NAMES))]) == 6, screen
