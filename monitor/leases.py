"""Who holds a lease or a send claim, and whether that holder is provably gone.

A holder is named `HOST:PID:STAMP`, where STAMP is the process's start time (clock ticks since boot,
from /proc/PID/stat) and its PID namespace, both in base 36 (`3k9f2.1wl8qgs`). A holder on *this*
host, in *this* PID namespace, is gone when its PID no longer exists, or exists with another start
time (the PID was reused). Holders on other hosts (or in another PID namespace, or named without a
stamp, as before 0.2) are never judged: their leases expire as they always did.

HOST is the hostname, or $MONITOR_HOSTNAME when set (containers that share a hostname but not a
PID namespace are told apart by the namespace anyway).
"""

from __future__ import annotations

import os
import socket
from functools import cache

HOST_MAX = 40  # lease_owner and claimed_by are String(80); a claim appends "/" + 12 hex digits


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def host_name() -> str:
    """This host's name as written in lease holders (at most HOST_MAX characters, no ':')."""
    name = os.environ.get("MONITOR_HOSTNAME") or socket.gethostname() or "localhost"
    return name.replace(":", "_").replace("/", "_")[:HOST_MAX]


def start_ticks(pid: int) -> int | None:
    """The start time of process `pid` in clock ticks since boot (field 22 of /proc/PID/stat), or
    None when the process does not exist or the system has no /proc."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after its last ')'.
    rest = data[data.rfind(b")") + 2 :].split()
    try:
        return int(rest[19])
    except (IndexError, ValueError):
        return None


@cache
def pid_namespace() -> int | None:
    """The inode of this process's PID namespace (same number = PIDs mean the same processes)."""
    try:
        return os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return None


def holder_name(pid: int | None = None) -> str:
    """The holder name of process `pid` (default: this process), e.g. "web1:4242:3k9f2.1wl8qgs"."""
    pid = os.getpid() if pid is None else pid
    ticks, ns = start_ticks(pid), pid_namespace()
    stamp = f"{_b36(ticks)}.{_b36(ns)}" if ticks is not None and ns is not None else ""
    return f"{host_name()}:{pid}:{stamp}" if stamp else f"{host_name()}:{pid}"


def parse_holder(holder: str) -> tuple[str, int, int | None, int | None] | None:
    """(host, pid, start ticks, pid namespace) of a holder name; None when it names no process.
    A claim's "/token" suffix is ignored. Old names ("host:pid") have no ticks or namespace."""
    base = holder.split("/", 1)[0]
    parts = base.split(":")
    if len(parts) == 2 and parts[1].isdigit():
        return parts[0], int(parts[1]), None, None
    if len(parts) == 3 and parts[1].isdigit():
        ticks, _, ns = parts[2].partition(".")
        try:
            return parts[0], int(parts[1]), int(ticks, 36), int(ns, 36)
        except ValueError:
            return None
    return None


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def holder_gone(holder: str | None) -> bool:
    """True only when the holder is provably gone: it ran on this host (and, when its name says
    so, in this PID namespace) and its process no longer exists or is another process now."""
    parsed = parse_holder(holder or "")
    if parsed is None:
        return False
    host, pid, ticks, ns = parsed
    if host != host_name() or pid <= 0:
        return False
    if ns is not None and ns != pid_namespace():
        return False  # another container with the same host name: its PIDs are not ours to judge
    if pid == os.getpid():
        return ticks is not None and ticks != start_ticks(pid)
    if not _exists(pid):
        return True
    if ticks is None:
        return False
    now_ticks = start_ticks(pid)
    return now_ticks is not None and now_ticks != ticks


__all__ = ["holder_gone", "holder_name", "host_name", "parse_holder", "start_ticks"]
