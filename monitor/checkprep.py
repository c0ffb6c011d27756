"""What a check reads before it fetches, for one watch or for many at once.

A check needs the watch's current version (small columns only: `Prior`), the watch's lease, and
whether it may send validators (`conditional_allowed`). One check alone reads them in three short
transactions (`load_prior`, `claims._acquire`, `conditional_allowed`); a round of many watches reads
them for `CHUNK` watches in one (`Preparer`): one UPDATE takes the free leases, one SELECT reads the
priors, one reads the recent checks. The answers are the ones the single-watch functions give.

Split off monitor.checker, which re-exports `_Prior`, `_load_prior` and `_conditional_allowed`
under their old names.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import bindparam, case, exists, false, select, union_all, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import BindParameter

from monitor.claims import _acquire, _free
from monitor.config import Config, WatchConfig, parse_duration
from monitor.store import Check, RawBody, Store, Version, Watch, utcnow

CHUNK = 64  # watches prepared together: one transaction; leases taken at most this far ahead


@dataclass
class Prior:
    """What a check needs to know before fetching: small columns only (the current version's text
    and raw body are read later, and only when the page is not the current version)."""

    watch_id: int
    current_seq: int | None
    current_version_id: int | None
    current_hash: str | None
    current_extractor: str | None
    current_raw_sha: str | None  # sha256 of the raw body the current version was made from, if kept
    etag: str | None
    last_modified: str | None
    healthy: bool = False  # status "ok" and no failures in a row: an unchanged check changes no health
    # No version and no raw body stored yet, health neither failing nor suspect: a plain first version
    # writes its own rows and nothing else (no flap to find, no body to prune, no ops note): the batch
    # of monitor.firstbatch may write it.
    pristine: bool = False


@lru_cache(maxsize=1)
def _prior_query() -> select:  # type: ignore[valid-type]
    """The statement, built once (with its subqueries building it took ~2 ms, per chunk of 64
    watches); callers add their WHERE to it, which makes a new statement."""
    # Aliases: the outer query joins Version and RawBody already, and a subquery naming them would be
    # correlated to those joins. The CASE looks only at watches without a current version.
    v, rb = aliased(Version), aliased(RawBody)
    stored = exists(select(v.id).where(v.watch_id == Watch.id)) | exists(select(rb.id).where(rb.watch_id == Watch.id))
    return (
        select(
            Watch.id,
            Watch.name,
            Watch.etag,
            Watch.last_modified,
            Watch.status,
            Watch.consecutive_failures,
            Version.id.label("version_id"),
            Version.seq,
            Version.content_hash,
            Version.extractor_version,
            RawBody.sha256,
            case((Watch.current_version_id.is_(None), ~stored), else_=false()).label("unstored"),
        )
        .outerjoin(Version, Version.id == Watch.current_version_id)
        .outerjoin(RawBody, RawBody.id == Version.raw_body_id)
    )


def _prior(row: object) -> Prior:
    r = row  # a Row of _prior_query
    has_cur = r.version_id is not None  # type: ignore[attr-defined]
    return Prior(
        r.id,  # type: ignore[attr-defined]
        r.seq,  # type: ignore[attr-defined]
        r.version_id,  # type: ignore[attr-defined]
        r.content_hash,  # type: ignore[attr-defined]
        r.extractor_version,  # type: ignore[attr-defined]
        r.sha256,  # type: ignore[attr-defined]
        r.etag if has_cur else None,  # type: ignore[attr-defined]
        r.last_modified if has_cur else None,  # type: ignore[attr-defined]
        healthy=r.status == "ok" and not r.consecutive_failures,  # type: ignore[attr-defined]
        pristine=bool(r.unstored) and r.status not in ("failing", "suspect"),  # type: ignore[attr-defined]
    )


def load_prior(store: Store, name: str) -> Prior | None:
    """The `Prior` of the watch called `name`, or None when there is no such watch."""
    with store.session() as s:
        row = s.execute(_prior_query().where(Watch.name == name).limit(1)).first()
        return _prior(row) if row is not None else None


# -- conditional requests ---------------------------------------------------------------------


def _window(config: Config) -> int:
    return config.defaults.full_fetch_every - 1


def _allowed_by_rows(config: Config, rows: Sequence[object]) -> bool:
    """The verdict of `conditional_allowed` from the watch's last `full_fetch_every - 1` checks,
    newest first (rows with started_at, not_modified, http_status)."""
    last_full = next(
        (
            r.started_at  # type: ignore[attr-defined]
            for r in rows
            if not r.not_modified and r.http_status and 200 <= r.http_status < 300  # type: ignore[attr-defined]
        ),
        None,
    )
    if last_full is None:
        return len(rows) < _window(config)  # a young watch whose first full fetch is still in the window
    return utcnow() - last_full < parse_duration(config.defaults.full_fetch_after)


def _wants_validators(config: Config, wc: WatchConfig) -> bool:
    d = config.defaults
    return bool(d.conditional if wc.conditional is None else wc.conditional) and _window(config) > 0


def _recent_checks(watch_id: int | BindParameter[int], window: int) -> select:  # type: ignore[valid-type]
    return (
        select(Check.watch_id, Check.started_at, Check.not_modified, Check.http_status)
        .where(Check.watch_id == watch_id)
        .order_by(Check.started_at.desc(), Check.id.desc())
        .limit(window)
    )


def conditional_allowed(store: Store, config: Config, wc: WatchConfig, watch_id: int) -> bool:
    """Whether this check may send validators: the watch allows it, and a full fetch is not due.

    A full (unconditional) fetch is due when none of the last `full_fetch_every - 1` checks fetched
    a body, or the last one that did is older than `full_fetch_after`: a cache answering 304 to a
    stale validator cannot hide a change for more than that many checks, or that long."""
    if not _wants_validators(config, wc):
        return False
    with store.session() as s:
        rows = s.execute(_recent_checks(watch_id, _window(config))).all()
    return _allowed_by_rows(config, rows)


@lru_cache(maxsize=8)
def _recent_union(n: int, window: int) -> select:  # type: ignore[valid-type]
    """The UNION ALL of `n` single-watch queries, their watch ids bound as w0..w{n-1}: built once per
    chunk size (building 64 subqueries anew for every chunk was ~0.3 ms of the checking process's
    CPU per watch in a round of 304s), and the same statement object keeps SQLAlchemy's cache key."""
    parts = [select(_recent_checks(bindparam(f"w{i}"), window).subquery()) for i in range(n)]
    return union_all(*parts) if n > 1 else parts[0]


def _recent_checks_of(s: Session, ids: Iterable[int], window: int) -> dict[int, list[object]]:
    """The last `window` checks of each watch of `ids`, newest first: one statement, a UNION ALL of
    the single-watch query (each an index range read of ix_checks_watch_started)."""
    ids = list(ids)
    out: dict[int, list[object]] = {i: [] for i in ids}
    if not ids:
        return out
    params = {f"w{n}": i for n, i in enumerate(ids)}
    for row in s.execute(_recent_union(len(ids), window), params):
        out[row.watch_id].append(row)
    for rows in out.values():  # each part came ordered; the union keeps no order across parts
        rows.sort(key=lambda r: r.started_at, reverse=True)  # type: ignore[attr-defined]
    return out


# -- many watches at once ----------------------------------------------------------------------


@dataclass
class Prepared:
    """One watch, prepared: its prior, whether this owner now holds its lease, and the recent checks
    that decide whether it may send validators (`conditional`, evaluated when asked)."""

    prior: Prior
    acquired: bool
    recent: list[object] | None  # None: the watch or the config sends no validators

    def conditional(self, config: Config) -> bool:
        return self.recent is not None and _allowed_by_rows(config, self.recent)


def prepare(
    store: Store, config: Config, watches: Sequence[WatchConfig], owner: str, lease: timedelta
) -> dict[str, Prepared]:
    """Prepare `watches` (of `config`) for checking by `owner`, in one transaction: take their free
    leases, read their priors and recent checks. A watch whose lease another holder has is retried
    alone (`claims._acquire` takes over leases of holders that are gone). Watches missing from the
    database are left out of the answer (the caller checks them the single-watch way)."""
    if not watches:
        return {}
    by_name = {wc.name: wc for wc in watches}
    now = utcnow()
    with store.session() as s:
        ids = {r.name: r.id for r in s.execute(select(Watch.name, Watch.id).where(Watch.name.in_(list(by_name))))}
        taken = set(
            s.scalars(
                update(Watch)
                .where(Watch.id.in_(sorted(ids.values())), _free(now, owner))
                .values(lease_until=now + lease, lease_owner=owner)
                .returning(Watch.id)
                .execution_options(synchronize_session=False)
            )
        )
        priors = {r.name: _prior(r) for r in s.execute(_prior_query().where(Watch.name.in_(list(ids))))}
        window = _window(config)
        asking = [p.watch_id for name, p in priors.items() if _wants_validators(config, by_name[name])]
        recent = _recent_checks_of(s, asking, window) if window > 0 else {}
    for wid in ids.values():
        if wid not in taken and _acquire(store, wid, owner, lease):
            taken.add(wid)
    return {
        name: Prepared(p, p.watch_id in taken, recent.get(p.watch_id))
        for name, p in priors.items()
    }


class Preparer:
    """Prepares the watches of a round `CHUNK` at a time, off the event loop, one chunk ahead of the
    checks that ask (`get`), so that a check finds its prior, lease and verdict ready. `release()`
    frees the leases of watches prepared but never handed out (a round that ended early)."""

    def __init__(
        self, store: Store, config: Config, watches: Sequence[WatchConfig], owner: str, lease: timedelta
    ) -> None:
        self.store, self.config, self.owner, self.lease = store, config, owner, lease
        self._chunks = [list(watches[i : i + CHUNK]) for i in range(0, len(watches), CHUNK)]
        self._chunk_of = {wc.name: n for n, chunk in enumerate(self._chunks) for wc in chunk}
        self._tasks: dict[int, asyncio.Task[dict[str, Prepared]]] = {}
        self._handed: set[str] = set()

    def _start(self, n: int) -> asyncio.Task[dict[str, Prepared]] | None:
        if n >= len(self._chunks):
            return None
        task = self._tasks.get(n)
        if task is None:
            args = (self.store, self.config, self._chunks[n], self.owner, self.lease)
            task = self._tasks[n] = asyncio.ensure_future(asyncio.to_thread(prepare, *args))
        return task

    async def get(self, wc: WatchConfig) -> Prepared | None:
        """The prepared state of `wc`, or None (not prepared: check it the single-watch way)."""
        n = self._chunk_of.get(wc.name)
        task = self._start(n) if n is not None else None
        if task is None:
            return None
        self._start(n + 1)  # type: ignore[operator]
        self._handed.add(wc.name)
        # Handed out once, then dropped: a round of 10,000 watches held every prior and its recent
        # check rows (up to `full_fetch_every` - 1 each) until it ended.
        return (await task).pop(wc.name, None)

    def unclaimed(self) -> set[int]:
        """Ids of watches whose leases were taken by a prepared chunk but never handed to a check
        (what `get` handed out is no longer held)."""
        out: set[int] = set()
        for task in self._tasks.values():
            if task.done() and not task.cancelled() and task.exception() is None:
                out |= {p.prior.watch_id for name, p in task.result().items() if p.acquired and name not in self._handed}
        return out

    async def settle(self) -> None:
        """Wait for chunk preparations still running (a round that ends must not leave them behind)."""
        pending = [t for t in self._tasks.values() if not t.done()]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)


__all__ = ["CHUNK", "Prepared", "Preparer", "Prior", "conditional_allowed", "load_prior", "prepare"]
