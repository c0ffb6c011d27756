"""The `check` command: one round of checks now, its results printed, and an exit code for cron
(see monitor.cli.EXIT_CODES)."""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from monitor.cli import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_WATCH_FAILED,
    NO_CONFIG,
    UserError,
    _canonical,
    _deliver_quietly,
    _load_to_send,
    _print_json,
    _shown_db,
    _store,
    log,
)
from monitor.counts import count
from monitor.dberrors import EXIT_DATABASE, database_failure, is_database_error
from monitor.interrupted import StopOnTerm


def cmd_check(args: argparse.Namespace) -> int:
    """Exit 0 when every watch was checked (changed or not), 1 when any errored or was suspect
    (with --json only under --strict: the outcomes are in the JSON), 3 when the database failed
    (every result is printed first), 130 after Ctrl-C and 143 after SIGTERM (the results of the
    checks that finished printed first)."""
    with StopOnTerm() as stop:
        return _check(args, stop)


def _check(args: argparse.Namespace, stop: StopOnTerm) -> int:
    from monitor.dberrors import DETAIL_PREFIX

    config = _load_to_send(args)
    if not config.watches:
        if config.path is None:
            raise UserError(f"{NO_CONFIG} (copy config.example.toml to start)")
        raise UserError(f"{config.path}: no watches to check")
    # Each watch once, however often (and in whatever case) it was named.
    names = list(dict.fromkeys(_canonical(config, n) for n in args.watch or [])) or None
    total = len(names) if names else len(config.watches)
    show_progress = sys.stderr.isatty() and not args.json and total > 1
    store, mark = None, None
    finished: list[Any] = []  # the results of the checks done so far, for an interrupted round
    try:  # from here on, Ctrl-C says how far the round got (importing the engine takes seconds)
        from monitor.checker import run_checks

        store = _store(config)
        mark = _last_check_id(store)
        if show_progress:
            from rich.console import Console
            from rich.progress import Progress

            console = Console(stderr=True)  # where the bar was asked for (stderr is a terminal)
            with Progress(console=console, transient=True) as progress, _logs_above_the_bar(console):
                task = progress.add_task("checking", total=total)

                def advance(r: Any) -> None:
                    finished.append(r)
                    progress.advance(task)

                results = asyncio.run(stop.round(run_checks(store, config, names, on_done=advance)))
        else:
            results = asyncio.run(stop.round(run_checks(store, config, names, on_done=finished.append)))
    except (KeyboardInterrupt, asyncio.CancelledError) as exc:
        if isinstance(exc, asyncio.CancelledError) and stop.signum is None:
            raise  # not ours to explain
        # The first Ctrl-C (or SIGTERM) cancelled the round: run_checks cut the checks in flight
        # short, freed their leases and wrote what had finished; then asyncio.run raised this.
        stored = _written_since(store, mark, names) if store is not None and mark is not None else set()
        asked = names or [w.name for w in config.watches]
        terminated = stop.signum is not None
        _print_interrupted(args, config, finished, asked, stored, "stopped by SIGTERM" if terminated else "interrupted")
        return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
    delivery_failure = None
    try:
        _deliver_quietly(store, config)
    except Exception as exc:
        if not is_database_error(exc):
            raise
        log.debug("delivering after the check failed", exc_info=True)
        delivery_failure = database_failure(config.database.url, exc)
    for r in results:  # a URL with a ${SECRET} in it is shown as written
        r.detail = config.shown(r.detail)
    if args.json:
        _print_json([r.to_dict() for r in results])
    else:
        for r in results:
            print(_result_line(r))
    db_failed = [r for r in results if r.outcome == "error" and (r.detail or "").startswith(DETAIL_PREFIX)]
    if db_failed or delivery_failure is not None:
        cause = (
            str(delivery_failure)
            if delivery_failure
            else f"database {_shown_db(config)}: {(db_failed[0].detail or '').removeprefix(DETAIL_PREFIX + ': ')}"
        )
        print(f"policy-monitor: {cause}", file=sys.stderr)
        return EXIT_DATABASE
    failed = [r for r in results if r.outcome in ("error", "suspect")]
    if failed:
        were = "was" if len(failed) == 1 else "were"
        print(
            f"policy-monitor: {len(failed)} of {count(len(results), 'watch', 'watches')} failed or {were} suspect: "
            + ", ".join(r.watch for r in failed),
            file=sys.stderr,
        )
        # With --json the outcomes are in the output, for a program to read: exit 0 unless --strict,
        # so that a caller treating any non-zero exit as "no output" still gets every result.
        if not args.json or args.strict:
            return EXIT_WATCH_FAILED
    return EXIT_OK


def _result_line(r: Any) -> str:
    """'Acme: changed [HIGH] Retention: 2 years -> 5 years', 'Acme: error (HTTP 503 ...)'."""
    line = f"{r.watch}: {r.outcome}"
    if r.outcome == "changed":
        sev = f" [{r.severity.upper()}]" if r.severity else ""
        line += f"{sev} {r.summary or ''}" if r.substantive else " (no substantive change)"
        line += f" ({r.detail})" if r.detail and r.detail not in (r.summary or "") else ""
    elif r.detail:
        line += f" ({r.detail})"
    return line


INTERRUPTED = "interrupted"  # the outcome, in `check --json`, of a watch an interrupted round did not finish


def _print_interrupted(
    args: argparse.Namespace,
    config: Any,
    finished: list[Any],
    asked: list[str],
    stored: set[str],
    how: str = "interrupted",
) -> None:
    """After Ctrl-C (or SIGTERM, `how` "stopped by SIGTERM"): the results of the checks that finished, in the config's order, then the line
    saying how far the round got. With --json the same list as a whole round's, one element per
    watch asked for: a script reads both alike. A watch the round did not finish is
    `{"watch": ..., "outcome": "interrupted", "detail": ..., "duration_ms": 0}`, its detail saying
    whether it was stored anyway (`stored`: watches with a check row written in this round, one
    of them perhaps finished too late for its result to reach the round)."""
    from monitor.checkresult import CheckResult

    order = {w.name: i for i, w in enumerate(config.watches)}
    finished = sorted(finished, key=lambda r: order.get(r.watch, len(order)))
    for r in finished:  # a URL with a ${SECRET} in it is shown as written
        r.detail = config.shown(r.detail)
    done = max(len(stored | {r.watch for r in finished}), len(finished))
    if args.json:
        seen = {r.watch for r in finished}
        rest = [
            CheckResult(
                name,
                INTERRUPTED,
                detail=(
                    f"checked, but the result came after the interrupt: see `policy-monitor history {name}`"
                    if name in stored
                    else "not checked: the round was interrupted"
                ),
            )
            for name in sorted((n for n in asked if n not in seen), key=lambda n: order.get(n, len(order)))
        ]
        _print_json([r.to_dict() for r in finished + rest])
    else:
        for r in finished:
            print(_result_line(r))
    rest = len(asked) - done
    if rest == 0:  # every check finished or was written, only the round's wait was cut short
        left = "those are stored"
    elif done == 0:
        left = "none was checked"
    else:
        left = f"those are stored; the other {rest} {'was' if rest == 1 else 'were'} not checked"
    print(f"policy-monitor: {how} after {done} of {count(len(asked), 'check')} ({left})", file=sys.stderr)


def _last_check_id(store: Any) -> int:
    from sqlalchemy import func, select

    from monitor.store import Check

    with store.session() as s:
        return s.scalar(select(func.max(Check.id))) or 0


def _written_since(store: Any, mark: int, names: list[str] | None) -> set[str]:
    """The watches (of `names`, if given) with a check row written after `mark` (`_last_check_id`):
    what an interrupted round stored. Read in the database, since a check whose write was under
    way when Ctrl-C came still finished, though the round no longer waited for its result."""
    from sqlalchemy import select

    from monitor.store import Check, Watch

    query = select(Watch.name).distinct().join(Check, Check.watch_id == Watch.id).where(Check.id > mark)
    if names is not None:
        query = query.where(Watch.name.in_(names))
    with store.session() as s:
        return set(s.scalars(query))


class _AboveTheBar(io.TextIOBase):
    """A stream for the log handlers while the progress bar is drawn: each line goes through the
    bar's console, which prints it above the bar and draws the bar again below it. Written straight
    to stderr, a log line landed on the bar's own line, where the bar stayed, garbled, in the
    scrollback. Lines are printed as they are (no markup, no highlighting, no re-wrapping)."""

    def __init__(self, console: Any) -> None:
        self.console = console
        self._partial = ""

    def write(self, text: str) -> int:
        *lines, self._partial = (self._partial + text).split("\n")
        for line in lines:
            self.console.print(line, markup=False, highlight=False, emoji=False, soft_wrap=True)
        return len(text)

    def isatty(self) -> bool:
        return True


@contextmanager
def _logs_above_the_bar(console: Any) -> Iterator[None]:
    """Point the log handlers that write to the terminal at `_AboveTheBar` while the bar is up
    (the handlers' lock keeps a line whole: log lines come from worker threads too)."""
    handlers = [
        h for h in logging.getLogger().handlers
        if type(h) is logging.StreamHandler and getattr(h.stream, "isatty", lambda: False)()
    ]  # fmt: skip
    above = _AboveTheBar(console)
    old = [h.setStream(above) for h in handlers]
    try:
        yield
    finally:
        for h, stream in zip(handlers, old, strict=True):
            h.setStream(stream)
