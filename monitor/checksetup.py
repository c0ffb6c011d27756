"""What a check is set up from: the configuration's fetch request for one watch, the fetch policy
and the process pool of a round. Re-exported by `monitor.checker`, where callers have always found
them."""

from __future__ import annotations

from typing import Any

from monitor.checkprep import Prior
from monitor.claims import FETCH_BUDGET_MAX, lease_of
from monitor.config import Config, WatchConfig
from monitor.cpu import CpuPool
from monitor.fetch import FetchPolicy, FetchRequest


def _request(config: Config, wc: WatchConfig, prior: Prior, conditional: bool) -> FetchRequest:
    d = config.defaults
    timeout = wc.timeout or d.timeout
    retries = d.retries if wc.retries is None else wc.retries
    fetcher = wc.fetcher or d.fetcher
    conditional = conditional and fetcher == "http"  # a rendered page has no validators
    return FetchRequest(
        url=wc.url,
        timeout=timeout,
        user_agent=wc.user_agent or d.user_agent,
        retries=retries,
        headers=dict(wc.headers),
        etag=prior.etag if conditional else None,
        last_modified=prior.last_modified if conditional else None,
        # Every attempt and every wait between them fits in here, which is well inside the lease:
        # a server asking for a longer wait ends the check (see Fetcher.fetch), it is not slept through.
        budget=min((retries + 1) * timeout, FETCH_BUDGET_MAX.total_seconds(), lease_of(config).total_seconds() / 2),
        fetcher=fetcher,
        wait_for=wc.wait_for,
    )


def fetch_policy(config: Config, **overrides: Any) -> FetchPolicy:
    f = config.fetch
    return FetchPolicy(
        concurrency=f.concurrency,
        per_host=f.per_host,
        max_body_bytes=f.max_body_bytes,
        max_redirects=f.max_redirects,
        allow_private_addresses=f.allow_private_addresses,
        browser_executable=f.browser_executable,
        browser_pages=f.browser_pages,
        **overrides,
    )


def cpu_pool(config: Config, watches: int | None = None) -> CpuPool:
    """The pool for the CPU-bound half of checks: `[fetch] workers`, else one worker per core for
    rounds of `POOL_MIN_WATCHES` watches or more; a smaller round runs in-process (starting workers
    would cost more than they save)."""
    if config.fetch.workers is not None:
        return CpuPool(config.fetch.workers)
    n = len(config.watches) if watches is None else watches
    return CpuPool(None if n >= POOL_MIN_WATCHES else 0)


POOL_MIN_WATCHES = 8
