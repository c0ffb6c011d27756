"""A check cut short by an operator's stop (SIGTERM, Ctrl-C): it did not finish, so it has no
outcome. Nothing of it is recorded (no error, no failure streak); the watch keeps its due time and
is checked at the next start, once its lease is freed or lapses."""

from __future__ import annotations


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


__all__ = ["CheckInterrupted", "cut_short_text"]
