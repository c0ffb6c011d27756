"""Running `policy-monitor run` as a real subprocess in tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

_AT_INSTANT = (
    "import sys, time; from monitor.cli import main; import monitor.checker, monitor.scheduler; "
    "time.sleep(max(0.0, float(sys.argv[1]) - time.time())); sys.exit(main(sys.argv[2:]))"
)


class DaemonProcess:
    def __init__(
        self,
        config: Path,
        cwd: Path,
        env: dict[str, str] | None = None,
        command: tuple[str, ...] = ("run",),
        start_at: float | None = None,
        new_session: bool = False,
    ) -> None:
        """`start_at` (a time.time() value): the process imports everything, then waits for that
        moment before it runs the command, so several processes can start at the same instant.
        `new_session`: the process leads a process group of its own, as a command started from a
        terminal does, so `stop_group` can signal it with its children (a terminal's Ctrl-C)."""
        self.config = config
        self.cwd = cwd
        self.env = env or {}
        self.command = command
        self.start_at = start_at
        self.new_session = new_session
        self.log = cwd / f"daemon-{time.monotonic_ns()}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> DaemonProcess:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        self._fh = self.log.open("wb")
        prefix = [sys.executable, "-m", "monitor"]
        if self.start_at is not None:
            prefix = [sys.executable, "-c", _AT_INSTANT, repr(self.start_at)]
        self.proc = subprocess.Popen(
            [*prefix, "--config", str(self.config), *self.command],
            cwd=self.cwd,
            env=env,
            stdout=self._fh,
            stderr=subprocess.STDOUT,
            start_new_session=self.new_session,
        )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def send(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=timeout)
        self._fh.close()
        return code

    def stop_group(self, sig: int = signal.SIGINT, timeout: float = 90) -> int:
        """Send `sig` to the process's whole group (needs `new_session`), as a terminal sends Ctrl-C
        or systemd its SIGTERM (KillMode=control-group), and wait for the process to exit."""
        assert self.proc is not None and self.new_session
        os.killpg(self.proc.pid, sig)
        code = self.proc.wait(timeout=timeout)
        self._fh.close()
        return code

    def output(self) -> str:
        return self.log.read_text("utf-8", "replace")

    def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
        """Poll until `condition()` holds; fail with the daemon's log if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"daemon exited ({self.proc.returncode}) before {what}:\n{self.output()}"
                )
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}:\n{self.output()}")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            if self.new_session:  # the pool's processes too, which ignore SIGTERM and SIGINT
                os.killpg(self.proc.pid, signal.SIGKILL)
            else:
                self.proc.kill()
            self.proc.wait()
        if not self._fh.closed:
            self._fh.close()
