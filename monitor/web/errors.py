"""Internal errors of the web view: one clear log line at error level, the traceback only at debug
level, and a 500: the error page the other HTTP errors use for the browser (no traceback in it),
JSON (`{"error": ...}`) for /api/ callers.

Starlette's ServerErrorMiddleware calls the app's `Exception` handler (`server_error` below) and
then re-raises the exception, always ("so servers can log the error"); uvicorn then logged it once
more, "Exception in ASGI application" with the whole traceback, at any log level. `AnsweredErrors`,
the outermost layer, ends the exception there: it was answered and logged already.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor.secrets import hide_passwords

log = logging.getLogger("monitor.web")

_BODY = "internal error (see the server log)"

# (scope, status code, message) -> the HTML error page (monitor.web.app's error.html).
ErrorPage = Callable[[Scope, int, str], Response]


def one_line(exc: BaseException, limit: int = 300) -> str:
    """'OperationalError: no such table: checks': the exception in one line, without the SQL
    statement SQLAlchemy appends (`.orig` is the driver's own error), any URL password masked."""
    inner = getattr(exc, "orig", None) or exc
    text = " ".join(str(inner).split()) or repr(inner)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return hide_passwords(f"{type(inner).__name__}: {text}")


def log_failure(method: str, path: str, exc: BaseException) -> None:
    """'web request failed: GET /api/watches: OperationalError: no such table: checks' at error
    level; the traceback as a second record at debug level only."""
    log.error("web request failed: %s %s: %s", method, path, one_line(exc))
    log.debug("traceback of the failed web request %s %s", method, path, exc_info=exc)


def failure_response(scope: Scope, error_page: ErrorPage | None = None) -> Response:
    """The 500 for a failed request: `{"error": ...}` under /api/ (API clients parse JSON, as
    they do for the API's 4xx answers), elsewhere `error_page` (the page a 404 or 400 gets), or
    plain text when there is none or it cannot be rendered."""
    root = scope.get("root_path", "").rstrip("/")
    path = scope.get("path", "")
    if path.startswith(root + "/api/"):
        return JSONResponse({"error": _BODY}, status_code=500)
    if error_page is not None:
        try:
            return error_page(scope, 500, _BODY)
        except Exception:  # the page failing too must not leave the request unanswered
            log.debug("the error page could not be rendered", exc_info=True)
    return PlainTextResponse(_BODY, status_code=500)


def server_error(error_page: ErrorPage | None = None) -> Callable[[Request, Exception], Awaitable[Response]]:
    """The app's handler for any exception a page or API call raised: logged, and a 500."""

    async def handle(request: Request, exc: Exception) -> Response:
        log_failure(request.method, request.url.path, exc)
        return failure_response(request.scope, error_page)

    return handle


class AnsweredErrors:
    """Outermost ASGI layer: ends an exception that Starlette re-raised after `server_error`
    answered and logged it. One raised before any response began (outside Starlette's own
    layers, which answer every other) is logged and answered with the same 500 here."""

    def __init__(self, app: ASGIApp, error_page: ErrorPage | None = None) -> None:
        self.app = app
        self.error_page = error_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:
            if started:
                return  # answered (or half sent) and logged by `server_error`
            log_failure(scope.get("method", "?"), scope.get("path", "?"), exc)
            await failure_response(scope, self.error_page)(scope, receive, send)
