"""A process that owns the CPU pool and dies by SIGKILL takes its forkserver and workers with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")

OWNER = """
import os, sys, time
from monitor.cpu import CpuPool
pool = CpuPool(2)
pids = {pool.executor.submit(os.getpid).result() for _ in range(8)}
print(" ".join(map(str, sorted(pids))), flush=True)
time.sleep(120)
"""


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def _descendants(root: int) -> set[int]:
    parents = {int(p): _parent(int(p)) for p in os.listdir("/proc") if p.isdigit()}
    out: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - out
        out |= frontier
    return out


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_sigkill_of_the_pool_owner_leaves_no_worker_behind(tmp_path: Path) -> None:
    owner = subprocess.Popen([sys.executable, "-c", OWNER], stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        workers = {int(p) for p in owner.stdout.readline().split()}  # type: ignore[union-attr]
        assert workers and owner.pid not in workers
        helpers = _descendants(owner.pid)  # forkserver, workers, resource tracker
        assert workers <= helpers
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(p) for p in helpers):
        time.sleep(0.2)
    left = {p for p in helpers if _alive(p)}
    for p in left:  # don't leave them to the next test either
        os.kill(p, signal.SIGKILL)
    assert not left, f"still running after the owner's SIGKILL: {sorted(left)}"


INTERRUPTED = """
import sys, threading, time
from concurrent.futures import CancelledError
from monitor import cpu
pool = cpu.CpuPool(2)
pool.call(time.sleep, 0)  # the pool is up
outcome = []

def wait_on_a_long_job():
    try:
        pool.call(time.sleep, 600)
        outcome.append("finished")
    except CancelledError:
        outcome.append("cancelled")

waiter = threading.Thread(target=wait_on_a_long_job)
waiter.start()
time.sleep(1)  # the job is in a worker's hands
pool.drop_queued()
waiter.join()
try:
    pool.call(time.sleep, 0)
    later = "ran"
except CancelledError:
    later = "cancelled"
print(outcome[0], later, len(cpu._pools), flush=True)
import os
os._exit(0)  # not waiting for the 600 s job at exit: what is tested is that no check waits for it
"""


def test_an_interrupted_round_waits_for_no_job_and_starts_no_pool(tmp_path: Path) -> None:
    """After Ctrl-C (`drop_queued`), a check waiting in a thread on a job a worker already runs ends
    at once (CancelledError), and a check asking for a job later gets CancelledError too, rather
    than starting a new pool. Before, the first waited for the job to end and the second started a
    new forkserver pool and ran its job, which held the exit of an interrupted `check` up."""
    proc = subprocess.run(
        [sys.executable, "-c", INTERRUPTED], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.stdout.split() == ["cancelled", "cancelled", "0"], proc.stdout + proc.stderr
