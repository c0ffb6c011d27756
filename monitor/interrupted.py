"""A check cut short by an operator's stop (SIGTERM, Ctrl-C): it did not finish, so it has no
outcome. Nothing of it is recorded (no error, no failure streak); the watch keeps its due time and
is checked at the next start, once its lease is freed or lapses."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Coroutine
from types import FrameType
from typing import Any, TypeVar

T = TypeVar("T")


class CheckInterrupted(Exception):
    """Raised by `monitor.checker.check_watch` for a check the stop cut short: a fetch whose retry
    the stop called off (`FetchResult.cut_short`), or a check that failed once the stop had begun
    (the pool shutting down under it: BrokenProcessPool, EOFError, a cancelled job). The caller
    frees the lease of `watch_id` and counts nothing."""

    def __init__(self, watch: str, watch_id: int, why: str) -> None:
        super().__init__(f"check of {watch} cut short by the stop ({why})")
        self.watch = watch
        self.watch_id = watch_id
        self.why = why


def cut_short_text(watches: list[str], grace: float, shown: int = 10) -> str:
    """The daemon's line for the checks its stop cancelled when the grace period ended: 'stop: 2
    checks still running after the 20 s grace were cut short: Alder, Birch (checked again at the
    next start)'. At most `shown` names, then 'and N more'."""
    names = ", ".join(watches[:shown]) + (f" and {len(watches) - shown} more" if len(watches) > shown else "")
    what = "1 check still running" if len(watches) == 1 else f"{len(watches)} checks still running"
    were = "was" if len(watches) == 1 else "were"
    return f"stop: {what} after the {grace:.0f} s grace {were} cut short: {names} (checked again at the next start)"


class Terminated(KeyboardInterrupt):
    """SIGTERM outside a round of checks (`StopOnTerm`): a KeyboardInterrupt, so that every place
    that handles Ctrl-C handles it too; the command exits 143 (128 + SIGTERM) rather than 130."""


class StopOnTerm:
    """While `policy-monitor check` runs, SIGTERM (`timeout`, `systemctl stop`) stops it as Ctrl-C
    does, rather than killing it with nothing printed and its leases left to lapse.

    Use as a context manager (it installs the handler in the main thread, and puts the previous
    one back), and run the round as `asyncio.run(stop.round(coro))`. During the round, SIGTERM
    cancels the round's task (as asyncio.run does on the first Ctrl-C, and without relying on
    SIGINT, which a background job has ignored), so `asyncio.run` raises CancelledError and
    `signum` says why; outside it, the handler raises `Terminated`. A second SIGTERM is ignored:
    the round's cleanup (freeing leases, writing what finished) must not be cut short in turn."""

    def __init__(self) -> None:
        self.signum: int | None = None  # signal.SIGTERM once one came
        self._task: asyncio.Task[Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> StopOnTerm:
        if threading.current_thread() is threading.main_thread():  # signal.signal works there only
            self._previous = signal.signal(signal.SIGTERM, self._on_term)
            self._installed = True
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGTERM, self._previous)
            self._installed = False

    async def round(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await `coro` as the task a SIGTERM cancels."""
        self._task, self._loop = asyncio.current_task(), asyncio.get_running_loop()
        try:
            return await coro
        finally:
            self._task = self._loop = None

    def _on_term(self, signum: int, _frame: FrameType | None) -> None:
        if self.signum is not None:
            return
        self.signum = signum
        task, loop = self._task, self._loop
        if task is not None and loop is not None and not task.done():
            task.cancel()
            loop.call_soon_threadsafe(lambda: None)  # wake the loop if it waits in select()
            return
        raise Terminated()


__all__ = ["CheckInterrupted", "StopOnTerm", "Terminated", "cut_short_text"]
