"""One check of one watch: fetch -> extract -> guard -> version -> diff -> event + outbox.

Everything that happened is recorded as a `Check` row. Only a real, plausible new document becomes a
version, and only a version that differs from the previous one becomes an event; errors, suspect
captures and pages flapping between known renderings never do, and nothing here deletes history.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from monitor.checkbatch import CheckBatch, UnchangedCheck, write_batch, write_unchanged
from monitor.checkprep import Prepared, Preparer
from monitor.checkprep import Prior as _Prior
from monitor.checkprep import conditional_allowed as _conditional_allowed
from monitor.checkprep import load_prior as _load_prior
from monitor.checkresult import CheckResult as CheckResult

# The lease and bookkeeping half (monitor.claims) and the writing half (monitor.recording) live in
# their own modules; every name is re-exported here, where callers and tests have always found it.
from monitor.checksetup import POOL_MIN_WATCHES as POOL_MIN_WATCHES
from monitor.checksetup import _request, cpu_pool
from monitor.checksetup import fetch_policy as fetch_policy
from monitor.claims import LEASE as LEASE
from monitor.claims import OWNER, _acquire, lease_of, next_due, sync_watches
from monitor.claims import _release as _release
from monitor.claims import claim_due as claim_due
from monitor.claims import release_leases as release_leases
from monitor.claims import release_stale_leases as release_stale_leases
from monitor.claims import renew_leases as renew_leases
from monitor.config import Config, WatchConfig
from monitor.cpu import CpuPool, Extracted, compare_job, extract_job, limit_arenas, release_memory
from monitor.cutoff import cut_off
from monitor.dberrors import DETAIL_PREFIX, describe, is_database_error
from monitor.document import Document
from monitor.fetch import SUSPECT_KINDS, Fetcher, FetchResult
from monitor.firstbatch import FirstCheck, first_check, may_be_plain_first, plain_first
from monitor.guard import Problem, accepted_kind, assess, redirect_problem, relative_problem
from monitor.interrupted import CheckInterrupted
from monitor.recording import (
    _enqueue_ops,
    _finish,
    _keep_raw,
    _new_version,
    _note_accepted,
    _recent_versions,
    _record_change,
    _rederive,
    _remember_validators,
    _sibling_blobs,
    _told_accepted,
    extraction_id,
    undoes_told_change,
)
from monitor.recording import was_suspect as was_suspect
from monitor.returns import (
    accepted_reason,
    after_accepted,
    again_accepted,
    as_severe_as_the_loss,
    back_from_accepted,
    loss_told,
    returned,
    told_baseline,
    with_why,
)
from monitor.served_again import alternation_note, held_detail, served, tell_served_again, told_version
from monitor.store import Store, Version, Watch, utcnow
from monitor.suspects import ACCEPT_AFTER, capture_fields, count_note, identical_suspects
from monitor.suspects import suspect_result as _suspect

log = logging.getLogger("monitor.checker")


# -- the check ------------------------------------------------------------------------------------


TRIM_EVERY_CHECKS = 64  # a round hands freed heap back to the OS this often (monitor.cpu.release_memory)


async def check_watch(
    store: Store,
    config: Config,
    wc: WatchConfig,
    fetcher: Fetcher,
    *,
    owner: str = OWNER,
    pool: CpuPool | None = None,
    batch: CheckBatch | None = None,
    prepared: Prepared | None = None,
) -> CheckResult:
    """Check one watch. Extraction and diffing run in `pool` (default: `cpu_pool(config)`); an
    unchanged check of a healthy watch and the plain first version of a new one
    (`monitor.firstbatch`) are handed to `batch` (default: written at once, alone).
    `prepared`: the watch's prior, lease and recent checks as `monitor.checkprep.prepare` read
    them for many watches at once (by default read here, for this watch alone)."""
    # Database calls run in threads: the event loop goes on fetching for the other watches.
    if prepared is not None:
        prior = prepared.prior
        acquired = prepared.acquired
    else:
        prior = await asyncio.to_thread(_load_prior, store, wc.name)
        if prior is None:
            sync_watches(store, config)
            prior = _load_prior(store, wc.name)
            assert prior is not None
        acquired = await asyncio.to_thread(_acquire, store, prior.watch_id, owner, lease_of(config))
    if not acquired:
        return CheckResult(wc.name, "busy", detail="another process is checking this watch")
    started = utcnow()
    t0 = time.monotonic()
    try:
        upgraded = prior.current_extractor not in (None, extraction_id(wc))
        # After an extractor upgrade the stored validators describe a body we would now read
        # differently, so fetch in full once.
        if upgraded:
            conditional = False
        elif prepared is not None:
            conditional = prepared.conditional(config)
        else:
            conditional = await asyncio.to_thread(_conditional_allowed, store, config, wc, prior.watch_id)
        result = await fetcher.fetch(_request(config, wc, prior, conditional=conditional))
        if result.cut_short:
            raise CheckInterrupted(wc.name, prior.watch_id, f"a retry was due after: {result.error}")
        pool = pool or cpu_pool(config)
        extracted: Extracted | None = None
        first_row: FirstCheck | None = None
        same = prior.current_version_id is not None and prior.current_extractor == extraction_id(wc)
        unchanged = result.ok and result.not_modified and prior.current_version_id is not None
        if result.ok and not result.not_modified:
            raw = result.body if result.body is not None else (result.text or "").encode("utf-8")
            # The very bytes the current version was made from, read the same way: nothing to extract.
            unchanged = same and prior.current_raw_sha == hashlib.sha256(raw).hexdigest()
            if not unchanged:
                body: bytes | str = result.text if result.text is not None else (result.body or b"")
                media_type = result.media_type or "text/html"
                known = prior.current_hash if same else None
                # The raw body goes to the worker (to be compressed there) only for a first version:
                # a page with a current version is most likely that version again, and the few that
                # changed have their raw body compressed when it is kept (recording._keep_raw).
                to_worker = None if known else raw
                first = prior.current_version_id is None  # the guard's verdict on the page alone, there
                summary = first and may_be_plain_first(wc, prior, result)  # then the doc stays there
                extracted = await pool.run(
                    extract_job, body, media_type, wc.select, wc.remove, to_worker, known, first, summary
                )
                # The current version again (a counter or a token in the page's chrome changed).
                unchanged = same and extracted.content_hash == prior.current_hash and bool(prior.current_raw_sha)
                if plain_first(wc, prior, result, extracted):
                    first_row = first_check(config, wc, prior, result, raw, extracted, started, t0)
                elif extracted.summary_only:  # (never, while the two tests agree) the whole document
                    extracted = await pool.run(
                        extract_job, body, media_type, wc.select, wc.remove, to_worker, known, first
                    )
            del raw
        if unchanged and prior.healthy and not result.retry_after:
            return await _unchanged(store, config, wc, prior, result, started, t0, batch)
        if first_row is not None:
            return await _first(store, wc, first_row, batch)
        return await asyncio.to_thread(_record, store, config, wc, prior, result, started, t0, extracted, pool)
    except CheckInterrupted:
        raise
    except Exception as exc:  # a bug must not kill the daemon or lose the lease
        if fetcher.stopping:  # the stop pulled the pool or the fetcher from under the check
            raise CheckInterrupted(wc.name, prior.watch_id, f"{type(exc).__name__}") from exc
        if is_database_error(exc):
            return _database_failed(store, config, wc, prior, started, t0, exc)
        detail = f"internal error: {exc!r}"
        # One line at error level; the traceback only when debugging (the README promises no
        # traceback at the default level: a log shipper would split it or page on it).
        log.error("check failed unexpectedly: %s", detail, extra={"watch": wc.name})
        log.debug("the unexpected failure", exc_info=True, extra={"watch": wc.name})
        _record_error(store, config, wc, prior, started, t0, detail)
        return CheckResult(wc.name, "error", prior.current_seq, detail=detail)


def _record_error(
    store: Store, config: Config, wc: WatchConfig, prior: _Prior, started: datetime, t0: float, detail: str
) -> None:
    """The check row of a check that ended in `detail`, with the watch's health and lease."""
    with store.session() as s:
        watch = s.get(Watch, prior.watch_id)
        if watch is not None:
            _finish(s, config, wc, watch, started, t0, "error", error=detail)


def _database_failed(
    store: Store,
    config: Config,
    wc: WatchConfig,
    prior: _Prior,
    started: datetime,
    t0: float,
    exc: BaseException,
) -> CheckResult:
    """The check's result could not be stored (a full or read-only disk, a lost connection): an
    "error" whose detail starts with "database error", which makes `check` exit 3. The check row
    is written if the database takes that much; the traceback goes to the log at debug level."""
    detail = f"{DETAIL_PREFIX}: {describe(exc)}"
    log.error(detail, extra={"watch": wc.name})
    log.debug("database failure in a check", exc_info=True, extra={"watch": wc.name})
    try:
        _record_error(store, config, wc, prior, started, t0, detail)
    except Exception:
        log.debug("could not record the failed check either", exc_info=True, extra={"watch": wc.name})
    return CheckResult(wc.name, "error", prior.current_seq, detail=detail)


async def _unchanged(
    store: Store,
    config: Config,
    wc: WatchConfig,
    prior: _Prior,
    result: FetchResult,
    started: datetime,
    t0: float,
    batch: CheckBatch | None,
) -> CheckResult:
    """An unchanged check of a healthy watch: one small write (with `batch`, shared with others)."""
    assert prior.current_version_id is not None
    now = utcnow()
    row = UnchangedCheck(
        prior.watch_id,
        prior.current_version_id,
        started,
        now,
        int((time.monotonic() - t0) * 1000),
        result.status,
        result.not_modified,
        next_due(config.interval_of(wc), now, config.defaults.jitter),
        None if result.not_modified else (result.etag, result.last_modified),
        result.duration_ms,
    )
    if batch is None:
        await asyncio.to_thread(write_unchanged, store, [row])
    elif batch.add(row):
        await asyncio.to_thread(batch.flush)
    return CheckResult(
        wc.name,
        "unchanged",
        prior.current_seq,
        detail="304 not modified" if result.not_modified else None,
        http_status=result.status,
        duration_ms=row.duration_ms,
        batched=batch is not None,
    )


async def _first(store: Store, wc: WatchConfig, row: FirstCheck, batch: CheckBatch | None) -> CheckResult:
    """A plain first version of a new watch: its rows written with others' (with `batch`), or alone."""
    if batch is None:
        await asyncio.to_thread(write_batch, store, [], [row])
    elif batch.add(row):
        await asyncio.to_thread(batch.flush)
    return CheckResult(
        wc.name, "first", 1, http_status=row.http_status, duration_ms=row.duration_ms, batched=batch is not None
    )


def _record(
    store: Store,
    config: Config,
    wc: WatchConfig,
    prior: _Prior,
    result: FetchResult,
    started: datetime,
    t0: float,
    extracted: Extracted | None = None,
    pool: CpuPool | None = None,
) -> CheckResult:
    """Everything after the fetch, in one transaction: it runs in a worker thread (database I/O);
    extraction (`extracted`, when the caller did it already) and diffing run in `pool`."""
    with store.session() as s:
        watch = s.get(Watch, prior.watch_id)
        assert watch is not None
        res = _decide(s, config, wc, watch, prior, result, extracted, pool or CpuPool(0))
        # The version current after the check, as `res.version` says: `_decide` sets the relationship,
        # and `watch.current_version_id` follows it only at the next flush (the check row of a first
        # version had None, a flap's the version before).
        current = watch.current_version
        check = _finish(
            s,
            config,
            wc,
            watch,
            started,
            t0,
            res.outcome,
            error=res.detail,
            http_status=result.status,
            not_modified=result.not_modified,
            fetch_ms=result.duration_ms,
            version_id=current.id if current is not None else None,
            event_id=res.event_id,
            **(capture_fields(res.capture) if res.seen is None else {"capture_hash": res.seen}),
        )
        if result.retry_after:
            # The server asked us to come back later: never before that, even if the interval is shorter.
            not_before = utcnow() + timedelta(seconds=result.retry_after)
            watch.next_due_at = max(watch.next_due_at or not_before, not_before)
        res.capture = None  # kept on the check row now; a round's results need not hold the pages
        res.duration_ms = check.duration_ms
        res.http_status = result.status
        res.version = current.seq if current is not None else None
        return res


def _decide(
    s: Session,
    config: Config,
    wc: WatchConfig,
    watch: Watch,
    prior: _Prior,
    result: FetchResult,
    extracted: Extracted | None,
    pool: CpuPool,
) -> CheckResult:
    name = wc.name
    if not result.ok:
        kind = "suspect" if result.error_kind in SUSPECT_KINDS else "error"
        return CheckResult(
            name, kind, detail=f"{result.error_kind}: {result.error}" if result.error_kind else "fetch failed"
        )
    if result.not_modified:
        if watch.current_version is not None:
            watch.current_version.last_seen_at = utcnow()
        return CheckResult(name, "unchanged", detail="304 not modified")

    raw = result.body if result.body is not None else (result.text or "").encode("utf-8")
    cur = watch.current_version
    if (
        cur is not None
        and prior.current_raw_sha == hashlib.sha256(raw).hexdigest()
        and cur.extractor_version == extraction_id(wc)
    ):
        # The very bytes the current version was made from, read the same way: nothing to extract.
        cur.last_seen_at = utcnow()
        _remember_validators(watch, result)
        return CheckResult(name, "unchanged")

    if extracted is None:
        body: bytes | str = result.text if result.text is not None else (result.body or b"")
        media_type = result.media_type or "text/html"
        extracted = pool.call(extract_job, body, media_type, wc.select, wc.remove, raw, None, cur is None)
    if extracted.error is not None:
        return CheckResult(name, "error", detail=f"extraction failed: {extracted.error}")
    digest = extracted.content_hash
    if cur is not None and cur.content_hash == digest and cur.extractor_version == extraction_id(wc):
        return _same_version(s, config, watch, cur, result, raw, None)
    if cur is not None:  # never an accepted suspect capture legal was not told of (monitor.returns)
        cur = told_baseline(s, watch, cur)
    doc = extracted.doc
    assert doc is not None  # only a document equal to the current version comes back without one

    old_markdown = cur.markdown if cur is not None else None
    old_doc = Document.from_markdown(old_markdown) if old_markdown else None

    # A newer extractor reads the stored raw body differently: re-derive the current version from it
    # first, so the comparison below sees only what the site changed, never what our code changed.
    upgrade_note = None
    if cur is not None and cur.extractor_version != extraction_id(wc):
        old_doc, upgrade_note = _rederive(s, wc, watch, cur, doc)
        old_markdown = old_doc.to_markdown()
        cur = watch.current_version

    if old_doc is not None and cur is not None and cur.language:
        old_doc.__dict__["language"] = cur.language  # as detected when stored (a cached_property)
    gate = redirect_problem(wc.url, result.url) if result.url else None
    if gate:
        problem: Problem | None = Problem(gate)
    elif old_doc is None and extracted.assessed:
        problem = extracted.alone  # assess(doc), done in the worker
    else:
        problem = assess(doc, old_doc)
    overrule = ""  # which guard problems the comparison below lets through
    if problem is not None and not problem.relative and old_doc is not None and accepted_kind(old_doc, problem):
        # An operator accepted a page of this kind as the policy: judge it only against that.
        problem, overrule = relative_problem(doc, old_doc), "all"
    if problem is not None and problem.relative and cur is not None and back_from_accepted(s, watch.id, cur, doc):
        problem, overrule = None, overrule or "relative"  # the page back after an accepted capture

    if cur is not None and cur.content_hash == digest:
        return _same_version(s, config, watch, cur, result, raw, upgrade_note)

    recent = _recent_versions(s, config, watch)
    flap = next((v for v in recent if v.content_hash == digest), None)
    if flap is not None and cur is not None and old_doc is not None:
        # The page is back to an earlier version after the last change the user was told of: a
        # suspect capture that was accepted, or a substantive change now undone. That is a change
        # from what the user was last told the policy is, not a flap between renderings: report it.
        # But a capture identical to an accepted suspect capture is suspect again until it persists.
        if was_suspect(s, watch.id, flap):
            return again_accepted(s, config, wc, watch, result, cur, flap, old_doc, doc, problem)
        if _told_accepted(s, watch.id, cur):
            why = f"back to version {flap.seq} after the accepted capture (version {cur.seq}: {accepted_reason(s, watch.id, cur)})"
            return returned(s, config, wc, watch, result, cur, flap, old_doc, doc, why)
        if undoes_told_change(s, watch.id, cur, flap):
            why = f"back to version {flap.seq}: the change to version {cur.seq} was undone"
            return returned(s, config, wc, watch, result, cur, flap, old_doc, doc, why)
        told = told_version(s, watch.id, cur)
        if told is not None and told.id != flap.id:
            # Not what the recipients were last told: if it differs in substance, held until it persists.
            held = _served_again(s, config, wc, watch, result, told, flap, doc, digest, pool, recent)
            if held is not None:
                return held
    if flap is not None:
        flap.last_seen_at = utcnow()
        watch.current_version = flap
        _remember_validators(watch, result)
        return CheckResult(name, "flap", detail=f"same as version {flap.seq}; not reported again")

    if problem is None:  # the text reads whole; the markup may still show the page was cut off
        problem = cut_off(s, cur, result)
    if problem is not None and not problem.relative:
        return _suspect(name, problem, doc)
    accepted = None
    if problem is not None:  # suspect only against the last version: accepted once it repeats
        seen = identical_suspects(s, watch.id, digest) + 1
        if seen < ACCEPT_AFTER:
            return _suspect(name, problem, doc, count_note(seen))
        accepted, overrule = f"accepted after {seen} identical captures: {problem.reason}", overrule or "relative"

    report = None
    if old_markdown is not None:
        report, ms = pool.call(
            compare_job,
            old_markdown,
            cur.language if cur is not None else None,
            doc,
            _sibling_blobs(s, watch),  # compressed: the worker decompresses them
            [v.markdown_z for v in recent],
            overrule,
            not loss_told(s, watch.id, cur),  # text back after a loss told is a change (monitor.returns)
        )
        log.debug("compared", extra={"watch": name, "compare_ms": ms})
    if report is not None and report.suspect:
        return _suspect(name, Problem(report.suspect_reason or "looks like a failed capture"), doc)

    kept = _keep_raw(s, config, watch, result, raw, extracted.raw_z)
    version = _new_version(s, wc, watch, doc, kept, markdown_z=extracted.markdown_z, content_hash=digest)
    watch.current_version = version
    _remember_validators(watch, result)
    if accepted:
        _note_accepted(s, config, watch, version, accepted)
    if cur is None or report is None:
        return CheckResult(name, "first", detail=accepted)
    # The alert and the history say that the version is an accepted suspect capture, or that this
    # change brings back what one lacked.
    back = after_accepted(s, watch.id, cur, old_doc, doc) if old_doc is not None and not accepted else None
    why = accepted or back
    if why:
        with_why(report, why)
    if back:
        as_severe_as_the_loss(s, watch.id, cur, report)
    event = _record_change(s, config, wc.name, cur, version, report)
    return CheckResult.reported(name, "changed", event.id, report, why)


def _served_again(
    s: Session,
    config: Config,
    wc: WatchConfig,
    watch: Watch,
    result: FetchResult,
    told: Version,
    back: Version,
    doc: Document,
    digest: str,
    pool: CpuPool,
    recent: list[Version],
) -> CheckResult | None:
    """The earlier version `back` (`doc`) is served while `told` is the version the recipients were
    last told of (monitor.served_again). None when the two do not differ in substance (a flap
    between renderings, silent); else told once it persists, or a held "flap" that keeps its hash.
    Judged in `pool` as a change is, with the guard overruled: `back` is a version the watch had."""
    siblings, earlier = _sibling_blobs(s, watch), [v.markdown_z for v in recent]
    report, _ = pool.call(compare_job, told.markdown, told.language, doc, siblings, earlier, "all")
    if not report.substantive:
        return None
    seen = served(s, watch.id, digest)
    if seen.persists:
        return tell_served_again(s, config, wc, watch, result, told, back, report, seen)
    back.last_seen_at = utcnow()  # served, though not (yet) current
    if seen.starts_alternating:
        _enqueue_ops(s, config, watch, "alternating", alternation_note(back.seq, told.seq))
    return CheckResult(wc.name, "flap", detail=held_detail(back.seq, told.seq, seen), seen=digest)


def _same_version(
    s: Session,
    config: Config,
    watch: Watch,
    cur: Version,
    result: FetchResult,
    raw: bytes,
    upgrade_note: str | None,
) -> CheckResult:
    """The page extracted to the current version: seen again, and its raw body kept if it had none."""
    cur.last_seen_at = utcnow()
    _remember_validators(watch, result)
    if cur.raw_body_id is None:
        cur.raw_body_id = _keep_raw(s, config, watch, result, raw).id
    if upgrade_note:
        return CheckResult(watch.name, "upgrade", detail=upgrade_note)
    return CheckResult(watch.name, "unchanged")


# -- a round ------------------------------------------------------------------------------------


async def run_checks(
    store: Store,
    config: Config,
    names: list[str] | None = None,
    *,
    fetcher: Fetcher | None = None,
    on_done: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Check the named watches (all active ones by default) concurrently, within the fetch limits."""
    sync_watches(store, config)
    if names:
        unknown = [n for n in names if config.watch(n) is None]
        if unknown:
            raise KeyError(", ".join(unknown))
        watches = [config.watch(n) for n in names]
    else:
        watches = list(config.watches)

    limit_arenas()
    pool = cpu_pool(config, len(watches))
    batch = CheckBatch(store)
    done = 0
    todo = [wc for wc in watches if wc]
    preparer = Preparer(store, config, todo, OWNER, lease_of(config))
    # Checks in progress: as many as may fetch at once, plus a couple per worker waiting for a core.
    # Bounds the bodies held in memory when fetching outruns extraction (a round of 304s does not),
    # and the tasks: one per watch up front held ~1.5 KB each waiting (15 MB at 10,000 watches).
    width = config.fetch.concurrency + 2 * max(pool.workers, 1)
    interrupted = False

    async def one(wc: WatchConfig, f: Fetcher) -> CheckResult | None:
        prepared = await preparer.get(wc)
        try:
            res = await check_watch(store, config, wc, f, pool=pool, batch=batch, prepared=prepared)
        except CheckInterrupted as exc:  # not finished: no result, and the watch stays due
            await asyncio.to_thread(release_leases, store, OWNER, {exc.watch_id})
            return None
        nonlocal done
        done += 1
        if done % TRIM_EVERY_CHECKS == 0:
            release_memory()  # the bodies and documents of the checks just done
        if on_done:
            on_done(res)
        return res

    async def all_of(f: Fetcher) -> list[CheckResult]:
        results: list[CheckResult | None] = [None] * len(todo)
        queue = iter(enumerate(todo))  # shared: each runner takes the next watch in order

        async def runner() -> None:
            for i, wc in queue:
                results[i] = await one(wc, f)

        await asyncio.gather(*(runner() for _ in range(min(width, len(todo)))))
        return [r for r in results if r is not None]

    try:
        if fetcher is not None:
            return await all_of(fetcher)
        offload = pool.run if pool.workers >= 2 else None  # decoding bodies too, off the event loop
        async with Fetcher(fetch_policy(config), offload=offload) as f:
            return await all_of(f)
    except asyncio.CancelledError:  # Ctrl-C: the checks in flight are cut short, not finished
        # Their jobs waiting in the pool are dropped, so a check waiting on one in a thread ends
        # now (its transaction rolled back) rather than holding the exit up until the queue drains.
        pool.drop_queued()
        interrupted = True
        raise
    finally:
        await preparer.settle()
        # Leases taken ahead for checks that never ran (an early end); after Ctrl-C, every lease
        # of this process: those of the checks cut short too.
        left = None if interrupted else preparer.unclaimed()
        if left is None or left:
            await asyncio.to_thread(release_leases, store, OWNER, left)
        await asyncio.to_thread(batch.flush)  # the finished checks still waiting
