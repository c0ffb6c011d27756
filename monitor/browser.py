"""Render pages that build their text in JavaScript: headless Chromium driven by Playwright.

`Fetcher` (monitor/fetch.py) uses this for watches with `fetcher = "browser"`. The document itself is
fetched first by the ordinary HTTP path (address guard on every hop, redirects, type check, size cap,
charset), then Chromium renders it and the rendered DOM goes back as an ordinary `FetchResult`, so
extraction, guard, diff and alerts are the same as for every other page.

The same network rules as HTTP fetches, for every request the page makes:

* Chromium never connects anywhere itself. A context-wide route handler intercepts every request
  (document, frames, scripts, XHR/fetch, styles, images): the `AddressGuard` judges its host first and a
  refused request is aborted right there, before any connection; an allowed one is fetched by the
  Fetcher's own guarded HTTP session (TLS verified, the address re-checked at connect time so DNS
  rebinding cannot slip in, the user agent and the configured headers) and handed back with
  `route.fulfill`. Images, media and fonts are not fetched at all (text does not depend on them).
* Whatever could bypass interception (preconnects, WebSockets) meets a proxy address on 127.0.0.1 that
  is bound but never listens, with loopback not exempted: it fails on the machine. WebRTC is held to
  that proxy too (no UDP of its own), and service workers are blocked, so they cannot answer requests
  from a cache the route never sees.
* Size: each response at most `max_body_bytes`, all of a page's responses together at most
  `PAGE_BYTES_FACTOR` times that, and the rendered DOM at most `max_body_bytes`.
* Waiting is bounded by what is left of the attempt's timeout: until the `wait_for` CSS selector is in
  the DOM, else until the network is idle (a page that never goes idle is taken as it is then).

One Chromium process serves a `BrowserPool` (one per `Fetcher`, i.e. per round or per daemon); it starts
on the first browser fetch, renders at most `pages` pages at once (each in a fresh context: no cookies
carried between watches), is closed with the Fetcher and, in a long-lived daemon, after `idle_close`
seconds without a render.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from yarl import URL

from monitor.fetch import _ORIGIN_BOUND_HEADERS, FetchRequest, FetchResult, _origin
from monitor.fetch_problems import first_line
from monitor.netguard import AddressGuard, BlockedAddress

log = logging.getLogger("monitor.browser")

DEFAULT_EXECUTABLES = ("chromium", "chromium-browser", "/usr/bin/chromium")
PAGE_BYTES_FACTOR = 4
# WebRTC may send UDP (STUN) to any address, past the route and the proxy: this keeps it to the proxy.
# With background networking, first-run and sync off Chromium makes no requests of its own.
LAUNCH_ARGS = (
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-sync",
)
MAX_REFUSALS_KEPT = 50  # per page: a page hammering private addresses cannot flood memory or the log
_SKIPPED_TYPES = frozenset({"image", "media", "font"})
# Hop-by-hop or recomputed: never copied between the browser and the HTTP session.
_DROP_REQUEST = frozenset(
    {"host", "connection", "keep-alive", "content-length", "accept-encoding", "transfer-encoding", "upgrade"}
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DROP_RESPONSE = frozenset(
    {"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"}
)


class BrowserUnavailable(Exception):
    """Playwright or Chromium is missing or does not start; the message names the missing piece."""


def find_chromium(configured: str | None) -> str:
    """The Chromium executable to drive: `configured` ([fetch] browser_executable) if set, else the
    first of DEFAULT_EXECUTABLES found. Raises BrowserUnavailable naming what was looked for."""
    candidates = (configured,) if configured else DEFAULT_EXECUTABLES
    for name in candidates:
        path = shutil.which(name) if os.sep not in name else name
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    looked = repr(configured) if configured else ", ".join(DEFAULT_EXECUTABLES)
    raise BrowserUnavailable(
        f"the browser fetcher needs Chromium, and no executable was found ({looked}): install it "
        "(Debian: apt-get install chromium) or set [fetch] browser_executable"
    )


@dataclass
class Rendered:
    """What one render came to: the result, and whether another attempt could help."""

    result: FetchResult
    retryable: bool = False


@dataclass
class _PageState:
    """What the route handler of one page has seen."""

    document: FetchResult
    request: FetchRequest
    deadline: float
    byte_limit: int
    page_limit: int
    served_document: bool = False
    bytes_used: int = 0
    refused: list[str] = field(default_factory=list)
    too_large: str | None = None

    def left(self) -> float:
        return max(self.deadline - time.monotonic(), 0.001)


class BrowserPool:
    """One Chromium process shared by every browser fetch of a Fetcher, with at most `pages` pages."""

    def __init__(
        self,
        client: aiohttp.ClientSession,
        guard: AddressGuard,
        *,
        max_body_bytes: int,
        max_redirects: int = 5,
        executable: str | None = None,
        pages: int = 3,
        idle_close: float = 120.0,
    ) -> None:
        self._client = client
        self._guard = guard
        self._max_body = max_body_bytes
        self._max_redirects = max_redirects
        self._executable = executable
        self._slots = asyncio.Semaphore(pages)
        self._idle_close = idle_close
        self._launch_lock = asyncio.Lock()
        self._playwright: Any = None
        self._browser: Any = None
        self._blackhole: socket.socket | None = None
        self._busy = 0
        self._idle_task: asyncio.Task[None] | None = None
        self.launches = 0  # how many Chromium processes were started (tests check the sharing)

    # -- life cycle --------------------------------------------------------------------------------
    async def _ensure_browser(self) -> Any:
        async with self._launch_lock:
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            await self._shutdown()
            try:
                from playwright.async_api import Error as PlaywrightError
                from playwright.async_api import async_playwright
            except ImportError:
                raise BrowserUnavailable(
                    "the browser fetcher needs Playwright, which is not installed: "
                    "pip install 'policy-monitor[browser]'"
                ) from None
            executable = find_chromium(self._executable)
            # A proxy that refuses every connection: bound (so no one else can take the port), never
            # listening. Anything Chromium would send past the route handler fails here, locally.
            blackhole = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            blackhole.bind(("127.0.0.1", 0))
            playwright = await async_playwright().start()
            try:
                proxy = _refusing_proxy(blackhole.getsockname()[1])
                browser = await playwright.chromium.launch(
                    executable_path=executable,
                    headless=True,
                    args=list(LAUNCH_ARGS),
                    **({"proxy": proxy} if proxy else {}),
                )
            except PlaywrightError as exc:
                blackhole.close()
                await playwright.stop()
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise BrowserUnavailable(f"Chromium at {executable} did not start: {first}") from None
            self._playwright, self._browser, self._blackhole = playwright, browser, blackhole
            self.launches += 1
            log.info("browser started", extra={"executable": executable})
            return browser

    async def _shutdown(self) -> None:
        browser, self._browser = self._browser, None
        playwright, self._playwright = self._playwright, None
        blackhole, self._blackhole = self._blackhole, None
        if browser is not None:
            with contextlib.suppress(Exception):
                await browser.close()
        if playwright is not None:
            with contextlib.suppress(Exception):
                await playwright.stop()
        if blackhole is not None:
            blackhole.close()

    async def close(self) -> None:
        """Stop Chromium (if it was started). Safe to call more than once."""
        if self._idle_task is not None:
            self._idle_task.cancel()
            self._idle_task = None
        async with self._launch_lock:
            await self._shutdown()

    async def _close_when_idle(self) -> None:
        await asyncio.sleep(self._idle_close)
        self._idle_task = None  # past the sleep: a new render waits for the lock, it does not cancel this
        if self._busy == 0:
            async with self._launch_lock:
                if self._busy == 0:
                    await self._shutdown()
                    log.info("browser closed after being idle")

    @property
    def running(self) -> bool:
        return self._browser is not None

    # -- one page ----------------------------------------------------------------------------------
    async def render(self, document: FetchResult, request: FetchRequest, timeout: float) -> Rendered:
        """Render `document` (an HTML FetchResult fetched from `document.url`) within `timeout` seconds
        of holding a page slot; waiting for the slot is bounded by `request.budget`. Never raises for
        page or network trouble: the result says what failed."""
        self._busy += 1
        if self._idle_task is not None:
            self._idle_task.cancel()
            self._idle_task = None
        try:
            try:
                async with asyncio.timeout(request.budget):
                    await self._slots.acquire()
            except TimeoutError:
                message = f"no browser page came free within {request.budget:g}s (raise [fetch] browser_pages)"
                return Rendered(_failed(document.url, "timeout", message))
            try:
                return await self._render(document, request, timeout)
            finally:
                self._slots.release()
        finally:
            self._busy -= 1
            if self._busy == 0 and self._browser is not None:
                self._idle_task = asyncio.create_task(self._close_when_idle())

    async def _render(self, document: FetchResult, request: FetchRequest, timeout: float) -> Rendered:
        try:
            browser = await self._ensure_browser()
        except BrowserUnavailable as exc:
            return Rendered(_failed(document.url, "browser_unavailable", str(exc)))
        from playwright.async_api import Error as PlaywrightError  # importable: the browser started
        state = _PageState(
            document,
            request,
            deadline=time.monotonic() + timeout,
            byte_limit=self._max_body,
            page_limit=self._max_body * PAGE_BYTES_FACTOR,
        )
        context = None
        try:
            async with asyncio.timeout(timeout + 5):  # a safety net over Playwright's own timeouts
                context = await browser.new_context(
                    user_agent=request.user_agent,
                    ignore_https_errors=False,
                    service_workers="block",
                    accept_downloads=False,
                )
                await context.route("**/*", lambda route, req: self._on_request(state, route, req))
                page = await context.new_page()
                return await self._load(page, state)
        except TimeoutError:
            return Rendered(_failed(document.url, "timeout", f"the page did not render within {timeout:g}s"))
        except PlaywrightError as exc:
            return Rendered(_failed(document.url, "browser", f"the browser failed: {first_line(exc)}"), True)
        finally:
            if context is not None:
                with contextlib.suppress(Exception):
                    await context.close()

    async def _load(self, page: Any, state: _PageState) -> Rendered:
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        url = state.document.url
        try:
            await page.goto(url, wait_until="domcontentloaded", timeout=_ms(state.left()))
        except PlaywrightTimeout:
            return Rendered(_failed(url, "timeout", "the page did not load within the watch's timeout"), True)
        wait_for = state.request.wait_for
        if wait_for:
            try:
                await page.wait_for_selector(f"css={wait_for}", state="attached", timeout=_ms(state.left()))
            except PlaywrightTimeout:
                message = f"no element matching wait_for {wait_for!r} appeared within the watch's timeout"
                return Rendered(_failed(url, "timeout", message))
        else:
            try:
                await page.wait_for_load_state("networkidle", timeout=_ms(state.left()))
            except PlaywrightTimeout:
                log.info("network never idle; taking the page as rendered so far", extra={"url": url})
        try:
            html = await page.content()
        except PlaywrightError:  # the page is navigating (a script redirect): let it arrive first
            await page.wait_for_load_state("load", timeout=_ms(state.left()))
            html = await page.content()
        final = page.url
        if not final.startswith(("http://", "https://")):
            why = f"; refused: {state.refused[-1]}" if state.refused else ""
            return Rendered(_failed(url, "network", f"the page navigated to an address that failed{why}"))
        if state.too_large:
            return Rendered(_failed(final, "too_large", state.too_large))
        size = len(html.encode("utf-8"))
        if size > state.byte_limit:
            message = f"rendered page of {size} bytes exceeds {state.byte_limit} bytes"
            return Rendered(_failed(final, "too_large", message))
        result = FetchResult(
            final,
            ok=True,
            status=state.document.status,
            media_type="text/html",
            text=html,
            body=html.encode("utf-8"),
            encoding="utf-8",
            refreshed_from=list(state.document.refreshed_from),
            refused=list(state.refused),
        )
        return Rendered(result)

    # -- the route handler: every request of the page ----------------------------------------------
    async def _on_request(self, state: _PageState, route: Any, request: Any) -> None:
        try:
            await self._handle(state, route, request)
        except Exception as exc:  # the page closed meanwhile, or an unexpected answer: never a leak
            log.debug("route handler: %s", exc)
            with contextlib.suppress(Exception):
                await route.abort("failed")

    async def _handle(self, state: _PageState, route: Any, request: Any) -> None:
        url = request.url
        if not state.served_document and request.is_navigation_request():
            # The page's own document, already fetched through the HTTP path: hand it over as decoded.
            state.served_document = True
            body = (state.document.text or "").encode("utf-8")
            status = state.document.status or 200
            await route.fulfill(status=status, headers={"content-type": "text/html; charset=utf-8"}, body=body)
            return
        if not url.startswith(("http://", "https://")):
            await route.abort("blockedbyclient")
            return
        try:
            await self._guard.check_url(url)  # before any connection
        except BlockedAddress as exc:
            await route.abort("blockedbyclient")
            _refuse(state, url, exc)
            return
        except (OSError, ValueError):
            await route.abort("namenotresolved")
            return
        if request.resource_type in _SKIPPED_TYPES:
            await route.abort("blockedbyclient")
            return
        answer = await self._forward(state, request)
        if answer is None:
            await route.abort("failed")
            return
        status, headers, body = answer
        await route.fulfill(status=status, headers=headers, body=body)

    async def _forward(self, state: _PageState, request: Any) -> tuple[int, dict[str, str], bytes] | None:
        """Fetch one request of the page with the guarded client; None when it fails, is refused or is
        too big. A navigation's redirect is handed to Chromium, which follows it (and the next hop comes
        through the route again); Chromium does not follow a handed-back redirect of a sub-request, so
        those are followed here, each hop through the guard, at most `max_redirects`."""
        url, method, content = request.url, request.method, request.post_data_buffer
        browser_headers = await request.all_headers()
        follow = not request.is_navigation_request()
        for hop in range(self._max_redirects + 1):
            if hop:
                try:
                    await self._guard.check_url(url)
                except BlockedAddress as exc:
                    _refuse(state, url, exc)
                    return None
                except (OSError, ValueError):
                    return None
            headers = _request_headers(browser_headers, state.request, url, first=request.url)
            answer = await self._exchange(state, method, url, headers, content)
            if answer is None:
                return None
            status, response_headers, body = answer
            location = response_headers.get("location")
            if not (follow and status in _REDIRECTS and location):
                return answer
            try:
                url = str(URL(url).join(URL(location)))
            except ValueError:
                return None
            if not url.startswith(("http://", "https://")):
                return None
            if status == 303 or (status in (301, 302) and method == "POST"):
                method, content = "GET", None
        log.info("browser sub-request: too many redirects", extra={"url": request.url})
        return None

    async def _exchange(
        self, state: _PageState, method: str, url: str, headers: dict[str, str], content: bytes | None
    ) -> tuple[int, dict[str, str], bytes] | None:
        try:
            async with asyncio.timeout(state.left()):
                async with self._client.request(
                    method, url, headers=headers, data=content, allow_redirects=False
                ) as response:
                    body = await self._read(state, response, url)
        except (TimeoutError, aiohttp.ClientError, BlockedAddress, OSError, ValueError) as exc:
            log.info("browser sub-request failed", extra={"url": url, "error": str(exc)})
            return None
        if body is None:
            return None
        return response.status, _response_headers(response.headers), body

    async def _read(self, state: _PageState, response: aiohttp.ClientResponse, url: str) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_any():
            size += len(chunk)
            state.bytes_used += len(chunk)
            if size > state.byte_limit:
                state.too_large = f"{url} exceeds {state.byte_limit} bytes"
                return None
            if state.bytes_used > state.page_limit:
                state.too_large = f"the page's requests together exceed {state.page_limit} bytes (at {url})"
                return None
            chunks.append(chunk)
        return b"".join(chunks)


def _refusing_proxy(port: int) -> dict[str, str] | None:
    """Chromium's proxy: `port` on 127.0.0.1 refuses every connection, and loopback is not exempted,
    so nothing Chromium sends on its own (past the route handler) reaches any host."""
    return {"server": f"http://127.0.0.1:{port}", "bypass": "<-loopback>"}


def _refuse(state: _PageState, url: str, exc: BlockedAddress) -> None:
    if len(state.refused) < MAX_REFUSALS_KEPT:
        state.refused.append(f"{url}: {exc}")
        log.warning("browser request refused", extra={"url": url, "reason": str(exc)})


def _request_headers(
    browser_headers: Mapping[str, str], request: FetchRequest, url: str, *, first: str
) -> dict[str, str]:
    """The browser's headers for one request (or a redirect hop of it to `url`, first sent to
    `first`), with the configured user agent and extra headers. Credentials (Authorization, Cookie)
    from the config only go to the watched origin, and the browser's own only stay on their origin."""
    keep_own = _origin(url) == _origin(first)
    headers = {
        k: v
        for k, v in browser_headers.items()
        if k.lower() not in _DROP_REQUEST
        and not k.startswith(":")
        and (keep_own or k.lower() not in _ORIGIN_BOUND_HEADERS)
    }
    headers["user-agent"] = request.user_agent
    same_origin = _origin(url) == _origin(request.url)
    for name, value in request.headers.items():
        if same_origin or name.lower() not in _ORIGIN_BOUND_HEADERS:
            headers[name.lower()] = value
    return headers


def _response_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A response's headers as Playwright takes them: lower-cased names, repeated ones joined.
    `headers` may hold a name more than once (aiohttp's CIMultiDictProxy: items() yields each)."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        if key in _DROP_RESPONSE:
            continue
        # Playwright reads several Set-Cookie values from one newline-separated header.
        sep = "\n" if key == "set-cookie" else ", "
        out[key] = f"{out[key]}{sep}{value}" if key in out else value
    return out


def _failed(url: str, kind: str, message: str) -> FetchResult:
    return FetchResult(url, ok=False, error=message, error_kind=kind)


def _ms(seconds: float) -> float:
    return max(seconds, 0.001) * 1000
