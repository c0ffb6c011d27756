"""Fetch one watched URL: bounded, guarded, retried, size-limited, conditional, decoded.

`Fetcher.fetch` never raises for network or HTTP trouble; it returns a `FetchResult` whose
`error_kind` says what went wrong, because the checker records failures rather than crashing on them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import html
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp.http_exceptions import ContentEncodingError
from w3lib.html import get_meta_refresh
from yarl import URL

# decode_body is re-exported: the checker decodes stored raw bodies with it.
from monitor.charset import HTML_TYPES, decode_text
from monitor.charset import decode_body as decode_body
from monitor.counts import count
from monitor.fetch_problems import (
    caused_by,
    certificate_problem,
    dns_problem,
    innermost_words,
    network_problem,
)
from monitor.fetch_sniff import parse_retry_after as parse_retry_after
from monitor.fetch_sniff import sniff_media_type as sniff_media_type
from monitor.netguard import REFUSING, AddressGuard, BlockedAddress, guarded_session

if TYPE_CHECKING:
    from monitor.browser import BrowserPool

TEXT_TYPES = HTML_TYPES | {"text/plain", "text/markdown"}
SUPPORTED_TYPES = TEXT_TYPES | {"application/pdf"}
_TYPE_ALIASES = {"text/x-markdown": "text/markdown", "application/x-pdf": "application/pdf"}
_UNTYPED = frozenset({"", "application/octet-stream", "binary/octet-stream", "application/unknown"})

_ACCEPT = (
    "text/html,application/xhtml+xml,text/markdown;q=0.9,text/plain;q=0.9,application/pdf;q=0.8,*/*;q=0.1"
)
_REFRESH_SCAN = 64_000  # characters searched for a meta refresh (it belongs in the <head>)
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Headers that carry credentials meant for the configured origin only.
_ORIGIN_BOUND_HEADERS = ("authorization", "cookie", "proxy-authorization")


@dataclass(frozen=True)
class FetchPolicy:
    """Process-wide fetch settings, from config [fetch]."""

    concurrency: int = 8
    per_host: int = 2
    max_body_bytes: int = 10_000_000
    max_redirects: int = 5
    allow_private_addresses: bool = False
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    # The longest server-requested wait (Retry-After) honoured inside one fetch; a longer one ends the
    # fetch at once, and the result's `retry_after` tells the caller when to come back.
    retry_after_max: float = 60.0
    # Client-side redirects (<meta http-equiv="refresh">, the Refresh header) followed per attempt.
    max_refreshes: int = 3
    # A refresh with a longer delay is a page timer (auto-reload, session expiry), not a move.
    refresh_max_delay: float = 15.0
    # The browser fetcher (monitor/browser.py): Chromium's executable (None: look for `chromium` on
    # PATH) and how many pages one browser renders at once.
    browser_executable: str | None = None
    browser_pages: int = 3
    browser_idle_close: float = 120.0  # seconds without a render before a long-lived fetcher stops Chromium


@dataclass(frozen=True)
class FetchRequest:
    """One watch's request, from config [defaults] + [[watches]]."""

    url: str
    timeout: float = 30.0  # whole attempt: resolve, connect, redirects and body
    user_agent: str = "policy-monitor/0.1"
    retries: int = 3
    headers: Mapping[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    # Seconds the whole fetch may take, attempts and waits between them included (None: no bound
    # beyond the attempts themselves). The checker derives it so that a fetch never outlives its lease.
    budget: float | None = None
    # "http", or "browser": render the page in headless Chromium (monitor/browser.py) and return the
    # rendered DOM. Validators are never sent for a browser fetch.
    fetcher: str = "http"
    wait_for: str | None = None  # browser only: a CSS selector to wait for instead of network idle


SUSPECT_KINDS = frozenset({"http_status", "meta_refresh", "bad_encoding"})
"""error_kinds that describe what the site served (a suspect capture), not a failure to fetch."""


@dataclass
class FetchResult:
    url: str
    ok: bool
    not_modified: bool = False
    status: int | None = None
    media_type: str | None = None
    text: str | None = None
    body: bytes | None = None
    encoding: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    attempts: int = 0
    duration_ms: int = 0
    error: str | None = None
    error_kind: str | None = None  # timeout | network | http_status | too_large | unsupported_type |
    # blocked_address | bad_url | redirects | retry_later | meta_refresh | bad_encoding
    # Seconds the server asked us to wait (Retry-After on the last answer), so the next check is not
    # scheduled before it.
    retry_after: float | None = None
    # Client-side redirects followed to reach `url`, in order (the watched URL first).
    refreshed_from: list[str] = field(default_factory=list)
    refresh_header: str | None = None  # the response's Refresh header, if any
    # Browser fetches: requests of the page that the address guard refused ("URL: reason"), in order.
    refused: list[str] = field(default_factory=list)
    # The body's end was the server closing the connection (no Content-Length, not chunked): the
    # one way an answer can stop early unnoticed (monitor.cutoff).
    close_delimited: bool = False
    # The fetch failed and would have been retried, but `Fetcher.stop_retrying` came first: not a
    # verdict on the site, a check the stop cut short (monitor.interrupted).
    cut_short: bool = False


@dataclass
class _Outcome:
    """One attempt's result, plus whether another attempt could help."""

    result: FetchResult
    retryable: bool = False
    retry_after: float | None = None
    undecoded: str | None = None  # a text body still to decode: its Content-Type header ("" if none)


class Fetcher:
    """Async context manager owning one aiohttp session shared by every fetch of the process.

    aiohttp is the HTTP client: its parser is compiled, and a request on a kept-alive connection
    costs a twelfth of the CPU httpx needed on this project's loopback bench (87 against 1,382
    microseconds per conditional GET at 32 connections, 72-235 against 750-1,580 at 1-32), which is
    most of what a round of 304s costs.

    `ssl_context` replaces the verifying TLS context (tests trust their own certificate with it);
    `guard` replaces the policy's address guard; `sleep` is the backoff sleep, for tests to observe.
    `offload(fn, *args)` runs CPU-bound work (decoding a body) off the event loop, e.g. in the
    checker's process pool (`monitor.cpu.CpuPool.run`); by default it runs inline.
    """

    def __init__(
        self,
        policy: FetchPolicy = FetchPolicy(),  # noqa: B008 - frozen, so sharing the default is safe
        *,
        ssl_context: ssl.SSLContext | None = None,
        guard: AddressGuard | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        offload: Callable[..., Awaitable[Any]] | None = None,
    ) -> None:
        self.policy = policy
        self._offload = offload
        self._guard = guard or AddressGuard(allow_private=policy.allow_private_addresses)
        self._ssl_context = ssl_context
        self._sleep = sleep
        self._client: aiohttp.ClientSession | None = None
        self._overall = asyncio.Semaphore(policy.concurrency)
        # One entry per host ever fetched; bounded by the configured watches, so never pruned.
        self._per_host: dict[str, asyncio.Semaphore] = {}
        self._browser: BrowserPool | None = None  # started on the first browser fetch
        self._stopping = asyncio.Event()  # set by stop_retrying: no new attempt starts

    def stop_retrying(self) -> None:
        """No fetch starts another attempt from now on: one waiting to retry ends at once with the
        failure it has, one in an attempt ends with that attempt. For a daemon that is stopping: a
        retry would only hold the stop up (the watch is checked again on the next start)."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        """`stop_retrying` was called: the process is stopping."""
        return self._stopping.is_set()

    async def __aenter__(self) -> Fetcher:
        self._client = guarded_session(
            self._guard, connections=self.policy.concurrency, ssl_context=self._ssl_context
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        browser, self._browser = self._browser, None
        if browser is not None:
            await browser.close()
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    async def fetch(self, request: FetchRequest) -> FetchResult:
        """Fetch with retries, all within `request.budget`. Waits the server asks for (Retry-After)
        are honoured only while short (`retry_after_max`) and inside the budget; a longer one ends
        the fetch now as `retry_later`, with `retry_after` set, rather than sleeping through it."""
        if self._client is None:
            raise RuntimeError("Fetcher must be used as 'async with Fetcher(...) as fetcher'")
        started = time.monotonic()
        deadline = None if request.budget is None else started + request.budget
        attempts = 0
        while True:
            attempts += 1
            timeout = request.timeout
            if deadline is not None:
                timeout = min(timeout, deadline - time.monotonic())
            outcome = await self._attempt(self._client, request, max(timeout, 0.001))
            retry_after = outcome.retry_after
            outcome.result.retry_after = retry_after
            if not outcome.retryable or attempts > request.retries:
                break
            if self._stopping.is_set():
                outcome.result.cut_short = True
                break
            left = None if deadline is None else deadline - time.monotonic()
            if retry_after is not None and retry_after > min(
                self.policy.retry_after_max, left if left is not None else retry_after
            ):
                _postpone(outcome.result, retry_after, left, self.policy.retry_after_max)
                break
            delay = self._delay(attempts, retry_after)
            if left is not None and delay >= left:
                # No time left in this check for the wait and another attempt: stop with what we have.
                break
            if not await self._wait(delay):
                outcome.result.cut_short = True
                break
        result = outcome.result
        result.attempts = attempts
        result.duration_ms = int((time.monotonic() - started) * 1000)
        if result.error_kind == "timeout" and (result.error or "").startswith(_NO_RESPONSE):
            # The last attempt's own deadline (what the check's budget had left) tells an operator
            # nothing; the configured timeout and the whole wait do.
            result.error = f"{_NO_RESPONSE} within {request.timeout:g} s" + (
                f" ({attempts} attempts, {result.duration_ms / 1000:.1f} s in all)" if attempts > 1 else ""
            )
        return result

    async def _wait(self, delay: float) -> bool:
        """Sleep `delay` seconds before a retry; False when `stop_retrying` came first."""
        sleeper = asyncio.ensure_future(self._sleep(delay))
        stopped = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait((sleeper, stopped), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, stopped):
                task.cancel()
        return not self._stopping.is_set()

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.policy.retry_after_max)
        # Full jitter: spreads retries of many watches that failed together (one CDN outage).
        ceiling = min(self.policy.backoff_max, self.policy.backoff_base * 2 ** (attempt - 1))
        return random.uniform(0.0, ceiling)

    async def _attempt(self, client: aiohttp.ClientSession, request: FetchRequest, timeout: float) -> _Outcome:
        """One attempt: the request, its HTTP redirects, and the client-side redirects (meta refresh,
        Refresh header) of the pages it reaches, each hop through the same address guard; for a browser
        fetch, then the rendering of the page it reached."""
        if request.fetcher == "browser":
            return await self._render(client, request, timeout)
        url = request.url
        trail: list[str] = []  # pages that refreshed, in order
        while True:
            outcome = await self._http_attempt(client, request, url, timeout)
            if trail and not outcome.result.ok and not outcome.retryable:
                return _refresh_not_followed(trail[-1], url, outcome.result.error or "it failed")
            target = _refresh_target(outcome.result, self.policy.refresh_max_delay)
            if target is None:
                outcome.result.refreshed_from = trail
                return outcome
            trail.append(outcome.result.url)
            if target in trail:
                return _refresh_not_followed(trail[-1], target, "it leads back to a page already visited")
            if len(trail) > self.policy.max_refreshes:
                return _refresh_not_followed(
                    trail[-1], target, f"more than {count(self.policy.max_refreshes, 'client-side redirect')}"
                )
            url = target

    async def _render(self, client: aiohttp.ClientSession, request: FetchRequest, timeout: float) -> _Outcome:
        """The document through the HTTP path (guard, redirects, type, size, charset), then Chromium
        renders it with what is left of `timeout`. What is not HTML (a PDF, plain text) needs no
        rendering and is returned as fetched."""
        started = time.monotonic()
        plain = dataclasses.replace(request, fetcher="http", etag=None, last_modified=None)
        outcome = await self._attempt(client, plain, timeout)
        document = outcome.result
        if not document.ok or document.media_type not in HTML_TYPES or document.text is None:
            return outcome
        if self._browser is None:
            from monitor.browser import BrowserPool

            self._browser = BrowserPool(
                client,
                self._guard,
                max_body_bytes=self.policy.max_body_bytes,
                max_redirects=self.policy.max_redirects,
                executable=self.policy.browser_executable,
                pages=self.policy.browser_pages,
                idle_close=self.policy.browser_idle_close,
            )
        left = max(timeout - (time.monotonic() - started), 0.001)
        rendered = await self._browser.render(document, request, left)
        return _Outcome(rendered.result, rendered.retryable)

    @property
    def browser(self) -> BrowserPool | None:
        """The browser shared by this fetcher's browser fetches, once one has run (else None)."""
        return self._browser

    async def _http_attempt(
        self, client: aiohttp.ClientSession, request: FetchRequest, url: str, timeout: float
    ) -> _Outcome:
        """One request and every HTTP redirect hop it leads to."""
        origin = _origin(request.url)
        came_from: str | None = None  # the page whose redirect led to `url`
        for _hop in range(self.policy.max_redirects + 1):
            problem = check_url_syntax(url)
            if problem is not None:
                return _refused_hop(_fail(url, "bad_url", problem), came_from)
            headers = self._headers(request, same_origin=_origin(url) == origin)
            outcome, location = await self._request(client, url, headers, timeout)
            if came_from is not None and outcome.result.error_kind in ("bad_url", "blocked_address"):
                return _refused_hop(outcome, came_from)
            if location is None:
                if outcome.result.not_modified:
                    # A 304 need not repeat the validators; keep the ones that produced it.
                    outcome.result.etag = outcome.result.etag or request.etag
                    outcome.result.last_modified = outcome.result.last_modified or request.last_modified
                return outcome
            came_from, url = url, location
        return _fail(url, "redirects", f"more than {count(self.policy.max_redirects, 'redirect')} (last to {url})")

    def _headers(self, request: FetchRequest, *, same_origin: bool) -> dict[str, str]:
        headers = {"User-Agent": request.user_agent, "Accept": _ACCEPT, "Accept-Encoding": "gzip, deflate"}
        for name, value in request.headers.items():
            if same_origin or name.lower() not in _ORIGIN_BOUND_HEADERS:
                headers[name] = value
        if request.etag:
            headers["If-None-Match"] = request.etag
        if request.last_modified:
            headers["If-Modified-Since"] = request.last_modified
        return headers

    async def _request(
        self, client: aiohttp.ClientSession, url: str, headers: dict[str, str], timeout: float
    ) -> tuple[_Outcome, str | None]:
        """One HTTP exchange (`_exchange`), then the body decoded once the connection slots are free
        and outside the deadline: decoding is our CPU time, not the server's."""
        outcome, location = await self._exchange(client, url, headers, timeout)
        if outcome.undecoded is not None:
            await self._decode(outcome.result, outcome.undecoded)
        return outcome, location

    async def _decode(self, result: FetchResult, content_type: str | None) -> None:
        assert result.body is not None and result.media_type is not None
        args = (result.body, content_type, result.media_type)
        decoded = await self._offload(decode_text, *args) if self._offload else decode_text(*args)
        result.text, result.encoding = decoded.text, decoded.encoding
        if decoded.problem:
            # What the site served cannot be read reliably: a suspect capture, never a version.
            result.ok, result.error_kind, result.error = False, "bad_encoding", decoded.problem

    async def _exchange(
        self, client: aiohttp.ClientSession, url: str, headers: dict[str, str], timeout: float
    ) -> tuple[_Outcome, str | None]:
        """One HTTP exchange, holding a per-host slot and an overall slot. Returns (outcome, redirect).

        The deadline starts once both slots are held: time spent queueing behind other watches is not
        the server's fault and must not turn into a timeout.
        """
        host_slot = self._per_host.setdefault(_host_key(url), asyncio.Semaphore(self.policy.per_host))
        # Host slot first: a request queued behind its own host must not sit on an overall slot.
        async with host_slot, self._overall:
            try:
                async with asyncio.timeout(timeout):
                    await self._guard.check_url(url)  # before any connection, on every hop
                    async with client.get(url, headers=headers, allow_redirects=False) as response:
                        return await self._handle(response, url)
            except TimeoutError:  # the deadline covers resolve, connect, headers and a trickling body
                return _fail(
                    url, "timeout", f"{_NO_RESPONSE} within {timeout:.1f} s", retryable=True
                ), None
            except BlockedAddress as exc:  # raised at connect time by the guarded resolver
                return _fail(url, "blocked_address", str(exc)), None
            except aiohttp.ClientConnectorCertificateError as exc:  # a ValueError too: before that
                # A bad certificate will not fix itself in a few seconds; say so plainly.
                return _fail(url, "network", certificate_problem(exc.certificate_error, _host_key(url))), None
            except (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError) as exc:
                return _fail(url, "bad_url", f"invalid URL {url!r}: {exc}"), None
            except aiohttp.ClientConnectorDNSError as exc:  # resolution at connect time
                return _fail(url, "network", dns_problem(_host_key(url), exc.os_error), retryable=True), None
            except aiohttp.ClientPayloadError as exc:
                if caused_by(exc, ContentEncodingError):
                    words = innermost_words(exc)
                    return _fail(url, "network", f"undecodable response body: {words}"), None
                return _fail(url, "network", network_problem(exc), retryable=True), None  # cut short
            except aiohttp.ClientError as exc:
                return _fail(url, "network", network_problem(exc), retryable=True), None
            except OSError as exc:  # name resolution in the guard's pre-check
                return _fail(url, "network", dns_problem(_host_key(url), exc), retryable=True), None

    async def _handle(self, response: aiohttp.ClientResponse, url: str) -> tuple[_Outcome, str | None]:
        status = response.status
        if status in _REDIRECT_STATUSES and "location" in response.headers:
            try:
                return _Outcome(FetchResult(url, ok=False)), str(
                    response.url.join(URL(response.headers["location"]))
                )
            except ValueError as exc:
                return _fail(url, "bad_url", f"bad redirect target: {exc}", status=status), None
        if status == 304:
            # A 304 has no body, but until its (empty) end is read the connection counts as busy and
            # is closed rather than kept: every 304 then cost a new TCP connection.
            await response.read()
            result = FetchResult(url, ok=True, not_modified=True, status=status, **_validators(response))
            return _Outcome(result), None
        if status == 429 or status >= 500:
            outcome = _fail(url, "http_status", _status_text(response), status=status, retryable=True)
            outcome.retry_after = parse_retry_after(response.headers.get("retry-after"))
            return outcome, None
        if not 200 <= status < 300:
            return _fail(url, "http_status", _status_text(response), status=status), None
        return await self._read_body(response, url), None

    async def _read_body(self, response: aiohttp.ClientResponse, url: str) -> _Outcome:
        status = response.status
        declared = _media_type(response.headers.get("content-type"))
        # Refuse before reading: no point downloading a video to find out we cannot use it.
        if declared not in _UNTYPED and declared not in SUPPORTED_TYPES:
            return _unsupported(url, declared, status)
        limit = self.policy.max_body_bytes
        length = response.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            return _fail(url, "too_large", f"Content-Length {length} exceeds {limit} bytes", status=status)
        chunks: list[bytes] = []
        size = 0
        # The content stream yields decompressed bytes, so the limit also bounds a gzip bomb's output.
        async for chunk in response.content.iter_any():
            size += len(chunk)
            if size > limit:
                return _fail(url, "too_large", f"body exceeds {limit} bytes", status=status)
            chunks.append(chunk)
        body = b"".join(chunks)
        media_type = sniff_media_type(body) if declared in _UNTYPED else declared
        if media_type not in SUPPORTED_TYPES:
            return _unsupported(url, media_type, status)
        result = FetchResult(
            url, ok=True, status=status, media_type=media_type, body=body, **_validators(response)
        )
        result.refresh_header = response.headers.get("refresh")
        chunked = "chunked" in response.headers.get("transfer-encoding", "").lower()
        result.close_delimited = length is None and not chunked
        if media_type in TEXT_TYPES:  # decoded by `_request`, once the connection is released
            return _Outcome(result, undecoded=response.headers.get("content-type") or "")
        return _Outcome(result)


def _fail(
    url: str, kind: str, message: str, *, status: int | None = None, retryable: bool = False
) -> _Outcome:
    return _Outcome(FetchResult(url, ok=False, status=status, error=message, error_kind=kind), retryable)


def _refused_hop(outcome: _Outcome, came_from: str | None) -> _Outcome:
    """A redirect hop the fetcher will not follow says it was a redirect, and from where to where:
    "10.1.2.3 is a non-public address" alone reads as if the watched URL were private."""
    result = outcome.result
    if came_from is not None and result.error:
        why = result.error.removesuffix(REFUSING)
        why = why.removesuffix(f" ({result.url})")  # the scheme refusal names the URL too
        result.error = f"redirect from {came_from} to {result.url} not followed: {why}"
    return outcome


def _refresh_target(result: FetchResult, max_delay: float) -> str | None:
    """Where an HTML page sends the browser by <meta http-equiv="refresh"> or a Refresh header, if it
    does so promptly (within `max_delay` seconds) and to another page; else None."""
    if not result.ok or result.media_type not in HTML_TYPES or result.text is None:
        return None
    delay, target = get_meta_refresh(result.text, result.url, max_scan=_REFRESH_SCAN)
    if target is None and result.refresh_header:
        # The header has the meta element's syntax: let the same parser read it.
        meta = f'<meta http-equiv="refresh" content="{html.escape(result.refresh_header)}">'
        delay, target = get_meta_refresh(meta, result.url)
    if target is None or delay is None or delay > max_delay:
        return None
    target = str(URL(target).with_fragment(None)) if check_url_syntax(target) is None else target
    if target == str(URL(result.url).with_fragment(None)):
        return None  # a page that reloads itself has not moved
    return target


def _refresh_not_followed(page: str, target: str, why: str) -> _Outcome:
    message = f"the page at {page} redirects (meta refresh) to {target}, not followed: {why}"
    return _fail(page, "meta_refresh", message)


def _postpone(result: FetchResult, wait: float, left: float | None, limit: float) -> None:
    """Turn a retryable answer with a long Retry-After into `retry_later`: the fetch ends now."""
    bound = limit if left is None else min(limit, max(left, 0.0))
    result.error_kind = "retry_later"
    result.error = (
        f"{result.error or 'the server is unavailable'}; it asks to retry after {wait:g}s, longer than "
        f"this check may wait ({bound:.0f}s): the next check is due after that"
    )


def _status_text(response: aiohttp.ClientResponse) -> str:
    return f"HTTP {response.status} {response.reason or ''}".rstrip()


def _unsupported(url: str, media_type: str, status: int) -> _Outcome:
    supported = ", ".join(sorted(SUPPORTED_TYPES))
    message = f"unsupported content type {media_type!r}; policy-monitor reads {supported}"
    outcome = _fail(url, "unsupported_type", message, status=status)
    outcome.result.media_type = media_type
    return outcome


def _validators(response: aiohttp.ClientResponse) -> dict[str, str | None]:
    return {"etag": response.headers.get("etag"), "last_modified": response.headers.get("last-modified")}


# Characters that never appear in a host name, in any form (RFC 3986 reg-name, IDNA, IP literals).
_BAD_HOST_CHARS = frozenset(' \t\r\n"<>\\^`{|}%')


def check_url_syntax(url: str) -> str | None:
    """None when `url` is an absolute http(s) URL with a host and a valid port; else why not."""
    try:
        parsed = URL(url)
        parsed.port  # noqa: B018 - a port out of range raises only when it is read
    except (ValueError, TypeError) as exc:
        return f"invalid URL {url!r}: {exc}"
    if parsed.scheme not in ("http", "https"):
        return f"only http and https URLs are fetched, not {parsed.scheme or 'a relative'!r} ({url})"
    if not parsed.raw_host:
        return f"URL has no host: {url!r}"
    if any(ch in _BAD_HOST_CHARS for ch in parsed.raw_host):
        return f"invalid URL {url!r}: the host {parsed.raw_host!r} has characters no host name has"
    return None


def _origin(url: str) -> tuple[str, str, int | None]:
    try:
        parsed = URL(url)
        return (parsed.scheme, parsed.raw_host or "", parsed.port)
    except (ValueError, TypeError):
        return ("", url, None)


_NO_RESPONSE = "no complete response"


def _host_key(url: str) -> str:
    return (URL(url).raw_host or "").lower()


def _media_type(content_type: str | None) -> str:
    if not content_type:
        return ""
    value = content_type.split(";", 1)[0].strip().lower()
    return _TYPE_ALIASES.get(value, value)
