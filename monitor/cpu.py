"""The CPU-bound half of a check (extract, diff + classify), run in a process pool.

The checker's event loop fetches; what costs CPU runs here, in pure functions whose inputs and
outputs pickle cheaply (raw bytes, decoded text, markdown strings, `Document`, `DiffReport`), so that
both cores work and the loop never waits on a parse. Database reads and writes stay in the main
process: the jobs below never touch the store.

`CpuPool(workers)`: `workers` 0 or 1 runs the jobs in this process (tests, small runs); more starts a
`concurrent.futures.ProcessPoolExecutor` of that size, from a forkserver that has imported the
extractor and the diff engine once (workers fork from it already warm, and a worker never inherits
the main process's threads, sockets or database connections). Pools are made once per process and
size, and shared by every round of the daemon.
"""

from __future__ import annotations

import asyncio
import atexit
import ctypes
import hashlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError, Executor, ProcessPoolExecutor
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing import forkserver, spawn
from typing import Any, TypeVar

from monitor import extract as extract_mod
from monitor.changes import DiffReport
from monitor.chrome import ChromeContext, skeleton
from monitor.chrome import clear_caches as clear_chrome_caches
from monitor.diff import clear_caches, compare
from monitor.document import Document
from monitor.guard import Problem, accepting, assess
from monitor.packing import pack_raw, pack_text, unpack_text
from monitor.tokens import content_key

T = TypeVar("T")


def default_workers() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# -- the jobs (pure; run in a worker or in-process) -------------------------------------------


@dataclass
class Extracted:
    """What `extract_job` made of a body. `doc` is None when the document's content hash equals
    `known_hash` (the current version: nothing else is needed) or when extraction failed (`error`).
    `markdown_z`, `raw_z`: the canonical markdown and the raw body, compressed for storage; `raw_sha`:
    the raw body's sha256 (hex), as `RawBody.sha256` keeps it."""

    content_hash: str | None
    doc: Document | None = None
    markdown_z: bytes | None = None
    raw_z: bytes | None = None
    error: str | None = None
    raw_sha: str | None = None
    ms: float = 0.0
    # `monitor.guard.assess(doc)` (the page alone, no earlier version), when asked for: the checker
    # needs it for every first version, and it cost ~0.8 ms of the checking process's CPU each.
    assessed: bool = False
    alone: Problem | None = None
    # `extract_job(summary_only=True)` on a page the guard passed alone: `doc` is left out (the
    # caller stores it as a plain first version from `markdown_z` and these two), since sending a
    # Document back cost the checking process ~0.8 ms of unpickling per first version.
    summary_only: bool = False
    word_count: int | None = None
    language: str | None = None


def extract_job(
    body: bytes | str,
    media_type: str,
    select: list[str] | None,
    remove: list[str] | None,
    raw: bytes | None = None,
    known_hash: str | None = None,
    assess_alone: bool = False,
    summary_only: bool = False,
) -> Extracted:
    """Extract a fetched body (`body`: the decoded text, or bytes for a PDF) into a Document, with
    what storing it as a version costs in CPU done here too: its hash, word count, language, the
    compressed markdown and (when `raw` is given) the compressed raw body and its hash; with `assess_alone`
    (a watch without a current version), also the guard's verdict on the page alone (`alone`); with
    `summary_only` too, a page the guard passes comes back without its `doc`, with its word count
    and language instead (`Extracted.summary_only`). Never raises for bad input: an `ExtractError`
    comes back as `error`."""
    t0 = time.perf_counter()
    try:
        doc = extract_mod.extract(body, media_type, select=select, remove=remove)
    except extract_mod.ExtractError as exc:
        return Extracted(None, error=str(exc), ms=(time.perf_counter() - t0) * 1000)
    markdown = doc.to_markdown()
    digest = hashlib.sha256(markdown.encode("utf-8")).hexdigest()
    if known_hash is not None and digest == known_hash:
        return Extracted(digest, ms=(time.perf_counter() - t0) * 1000)
    doc.word_count, doc.language  # noqa: B018 - computed here (cached on the document), not in the main process
    alone = assess(doc) if assess_alone else None
    summary = summary_only and assess_alone and alone is None
    return Extracted(
        digest,
        None if summary else doc,
        pack_text(markdown),
        pack_raw(raw) if raw is not None else None,
        # ~0.4 ms for a 150 KB page: the checking process's CPU, when it hashed the bodies it stores.
        raw_sha=hashlib.sha256(raw).hexdigest() if raw is not None else None,
        ms=(time.perf_counter() - t0) * 1000,
        assessed=assess_alone,
        alone=alone,
        summary_only=summary,
        word_count=doc.word_count,
        language=doc.language,
    )


# The chrome evidence of monitor.chrome_evidence, from markdown rather than from the store's rows (that
# module reads the database; these workers have no database and do not import its layer).
FLAP_MIN = 3  # = monitor.chrome_evidence.FLAP_MIN (tests/test_checker_pool.py holds them equal)


def _block_texts(doc: Document) -> set[str]:
    return {b.text for s in doc.sections for b in s.blocks}


def _text(markdown: str | bytes) -> str:
    """Markdown as given, or as stored: bytes are a version's `markdown_z` (monitor.packing)."""
    return unpack_text(markdown) if isinstance(markdown, bytes) else markdown


def flapping_blocks(recent_markdowns: Sequence[str | bytes], doc: Document) -> frozenset[str]:
    """`monitor.chrome_evidence.flapping_blocks` over stored markdown (newest first; text, or
    compressed as stored)."""
    texts = [_block_texts(doc)] + [_block_texts(Document.from_markdown(_text(m))) for m in recent_markdowns]
    steps: Counter[str] = Counter()
    for a, b in zip(texts, texts[1:], strict=False):
        steps.update({skeleton(t) for t in a ^ b})
    return frozenset(k for k, n in steps.items() if n >= FLAP_MIN)


@lru_cache(maxsize=64)
def _sibling_keys(markdown: str | bytes) -> frozenset[str]:
    """Block keys of another watch's current version (text, or compressed as stored): the same few
    siblings come with every change on a host, so a worker reads each of them once (cached by what
    it was given, like the diff's own caches). Only the keys are made, not each block's tokens
    (`monitor.tokens.content_key`: ~19 ms less per sibling of a dev-set policy)."""
    doc = Document.from_markdown(_text(markdown))
    return frozenset(content_key(b.text) for s in doc.sections for b in s.blocks)


def compare_job(
    old_markdown: str,
    old_language: str | None,
    new: Document,
    sibling_markdowns: Sequence[str | bytes],
    recent_markdowns: Sequence[str | bytes],
    overrule: str = "",
    completion: bool = True,
) -> tuple[DiffReport, float]:
    """Diff and classify the current version (as stored) against a new document, with the chrome
    evidence of `monitor.chrome_evidence` built from markdown the caller read from the store: the
    current versions of other watches on the same host, and this watch's recent versions (newest
    first), each as text or as the store's compressed `markdown_z` bytes (the checker sends those:
    decompressing ~850 KB of siblings per changed page, and sending it, cost the checking process
    more than the worker's decompressing it). `overrule`: the guard problems accepted
    ("relative"/"all", see `monitor.guard.accepting`). `completion`: as for `monitor.diff.compare`.
    Returns the report and the milliseconds that diff + classify took."""
    t0 = time.perf_counter()
    old = Document.from_markdown(old_markdown)
    if old_language:
        old.__dict__["language"] = old_language  # as detected when stored (a cached_property)
    keys: set[str] = set()
    for md in sibling_markdowns:
        keys |= _sibling_keys(md)
    context = ChromeContext(frozenset(keys), flapping_blocks(recent_markdowns, new))
    try:
        with accepting(overrule) if overrule else nullcontext():
            report = compare(old, new, context, completion=completion)
    finally:
        forget_texts()
    return report, (time.perf_counter() - t0) * 1000


def forget_texts() -> None:
    """Empty the diff engine's per-text caches (tokenized blocks, word keys, headings' keys, block
    shapes and skeletons, vocabulary hits, facts). They pay off within one comparison, which reads the same blocks many
    times over, not across comparisons of different pages: 60 dev-set comparisons against 8
    siblings in one process took 9.1-9.3 CPU-s emptying them after each, 9.1 CPU-s keeping them
    (up to 5,000 blocks), and left its USS 19 MB above the start instead of 53 MB (peak 21 vs 63).
    The siblings' block keys stay cached (`_sibling_keys`): those do repeat, and reading them
    again doubled the time."""
    clear_caches()
    clear_chrome_caches()


# -- the pool -------------------------------------------------------------------------------

# A worker gives the heap its jobs freed back to the OS (glibc keeps it otherwise: one 800 KB page
# parsed leaves tens of MB resident) once its jobs have read this many bytes since the last time;
# malloc_trim costs ~1.5 ms, a few MB of pages ~100 ms of jobs.
TRIM_EVERY = 4 * 2**20
_read_since_trim = 0


def _malloc_trim() -> None:
    """glibc's malloc_trim(0); nothing where there is no such function (not glibc)."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


release_memory = _malloc_trim  # for the checking process: hand freed heap back (~1-5 ms)

_M_ARENA_MAX = -8  # glibc malloc.h


def limit_arenas(arenas: int = 2) -> None:
    """Let this process's threads share `arenas` malloc arenas (glibc's default is 8 per core): the
    checker's database threads each filled an arena of their own with pages they freed but no other
    thread could reuse (~100 MB of the checking process's 225 MB after four rounds of 1,000 watches,
    with 50 MB of Python objects at most). Nothing where malloc is not glibc's."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, arenas)


def pooled(fn: Callable[..., T], *args: Any) -> T:
    """What a worker runs for `CpuPool`: `fn(*args)`, then `_malloc_trim` when due (`TRIM_EVERY`)
    or after a comparison (which emptied its caches, see `forget_texts`)."""
    global _read_since_trim
    try:
        return fn(*args)
    finally:
        _read_since_trim += sum(len(a) for a in args if isinstance(a, (bytes, str)))
        if fn is compare_job or _read_since_trim >= TRIM_EVERY:
            _read_since_trim = 0
            _malloc_trim()



_pools: dict[int, ProcessPoolExecutor] = {}
_pools_lock = threading.Lock()
_dropped = False  # `drop_queued_jobs` closed the pools: no job runs in this process any more
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


# The stop signals of an operator: a terminal's Ctrl-C goes to the whole process group, systemd's
# default KillMode sends SIGTERM to every process of the service. The pool's processes leave both to
# the process that owns the pool, whose shutdown ends them (`shutdown`): a worker stopped on its own
# printed a KeyboardInterrupt traceback and failed the check it had in hand (BrokenProcessPool).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def ignore_stop_signals() -> None:
    """For the forkserver and the workers: SIGINT and SIGTERM are ignored (see `STOP_SIGNALS`), and
    unblocked again if `_stop_signals_blocked` blocked them on the way in (a signal that came
    meanwhile is dropped then, being ignored)."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


@contextmanager
def _stop_signals_blocked() -> Iterator[None]:
    """Block SIGINT and SIGTERM in this thread while it starts the forkserver: the forkserver
    inherits the mask, so a Ctrl-C during its start (importing the engine takes seconds) waits
    until `monitor.cpu_preload` ignores it instead of killing it mid-import with a traceback. As
    multiprocessing's own resource tracker is started. This process still gets the signals that
    come meanwhile (in another thread, or in this one when the block ends)."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (prctl PR_SET_PDEATHSIG): a `run`
    killed with SIGKILL must not leave its forkserver and workers behind, each holding ~100 MB,
    re-parented to init. SIGKILL, since a worker ignores SIGTERM (`ignore_stop_signals`).
    Elsewhere (no prctl) it does nothing."""
    ignore_stop_signals()  # inherited from the forkserver already; this is for any other start method
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(0)


def exit_when_orphaned(every: float = 1.0) -> None:
    """For the forkserver: exit once this process's parent is gone. Not PR_SET_PDEATHSIG, which
    fires when the parent *thread* that started the process ends (the pool may be started from a
    worker thread of the event loop); a daemon thread watches the parent pid instead."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(0)

    threading.Thread(target=watch, name="exit-when-orphaned", daemon=True).start()


# The main script's path, for `monitor.cpu_preload` to import in the forkserver (see `_executor`).
MAIN_PATH_ENV = "POLICY_MONITOR_POOL_MAIN"


def _executor(workers: int) -> ProcessPoolExecutor:
    with _pools_lock:
        if _dropped:
            raise CancelledError("the process pool was closed (interrupted)")
        pool = _pools.get(workers)
        if pool is None or getattr(pool, "_broken", False):  # a worker died: start afresh
            ctx = multiprocessing.get_context("forkserver")
            # The forkserver is to import the main script once, so that workers share it rather than
            # each importing it again as spawned processes do. Its "__main__" preload never does before
            # CPython 3.13.8 (it reads a key that spawn's preparation data no longer has, gh-126631):
            # every worker ran the script's imports itself, ~35 MB private per worker under
            # bench/bench_round.py. So the path goes by the environment the forkserver inherits, and
            # monitor.cpu_preload imports it as the fixed forkserver does; then the engine.
            main_path = spawn.get_preparation_data("pool").get("init_main_from_path")
            if main_path:
                os.environ[MAIN_PATH_ENV] = main_path
            ctx.set_forkserver_preload(["__main__", "monitor.cpu_preload"])
            # Workers are forked by the forkserver (one thread forks them all) and die with it; it
            # exits when this process is gone (cpu_preload).
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=die_with_parent)
            with _stop_signals_blocked():
                forkserver.ensure_running()  # not at the pool's first job, with the signals let through
            _pools[workers] = pool
        return pool


@atexit.register
def shutdown() -> None:
    """Stop every pool of this process (also run at exit)."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)


def drop_queued_jobs() -> None:
    """Cancel the jobs of every pool of this process and close the pools for good: for a round
    interrupted by Ctrl-C, whose checks waiting on those jobs end at once
    (`concurrent.futures.CancelledError`), and so do those that ask for a job later (no new pool is started: the process is on its way out).
    The jobs already handed to a worker (one running and one queued per worker, which no cancel
    reaches) run to their end: killing the workers instead left, now and then, half a result in
    the pool's pipe, and the exit then waited for the rest of it forever. So the exit can wait for
    those jobs, but the checks waiting on them do not (`CpuPool.call`)."""
    global _dropped
    with _pools_lock:
        _dropped = True
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.shutdown(wait=False, cancel_futures=True)


class CpuPool:
    """Runs the jobs above in worker processes (`workers` >= 2) or in this process (0 or 1)."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = default_workers() if workers is None else max(workers, 0)

    @property
    def executor(self) -> Executor | None:
        return _executor(self.workers) if self.workers >= 2 else None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """From the event loop: the loop goes on while the job runs (in a worker, or in a thread
        when in-process)."""
        executor = self.executor
        if executor is None:
            return await asyncio.to_thread(fn, *args)
        return await asyncio.get_running_loop().run_in_executor(executor, pooled, fn, *args)

    def drop_queued(self) -> None:
        """`drop_queued_jobs`: the jobs waiting for a worker are cancelled (Ctrl-C)."""
        if self.workers >= 2:
            drop_queued_jobs()

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """From a worker thread (the checker's database thread): wait for the job's result."""
        executor = self.executor
        if executor is None:
            return fn(*args)
        future = executor.submit(pooled, fn, *args)
        while True:
            try:
                return future.result(timeout=0.25)
            except TimeoutError:
                if _dropped:  # an interrupted round does not wait for a job it will not use
                    raise CancelledError("the process pool was closed (interrupted)") from None


__all__ = [
    "CpuPool",
    "Extracted",
    "compare_job",
    "default_workers",
    "drop_queued_jobs",
    "extract_job",
    "limit_arenas",
    "release_memory",
    "shutdown",
]
