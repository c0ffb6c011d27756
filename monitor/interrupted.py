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


__all__ = ["CheckInterrupted"]
