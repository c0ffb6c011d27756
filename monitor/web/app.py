"""The read-only web view: HTML pages, the JSON API, the Atom feed, /metrics and /healthz.

`create_app(config, store)` returns a Starlette application; `monitor.web.server` runs it under
uvicorn. Every route answers GET (and HEAD) only: nothing here changes state. Watch names are
escaped in every link (`quote(name, safe="")`, so a "/" in a name travels as %2F) and the routes
take the rest of the path as the name, so any name the config allows round-trips.
"""

from __future__ import annotations

import hmac
from base64 import b64decode
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from markdown_it import MarkdownIt
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.authentication import AuthCredentials, AuthenticationBackend, AuthenticationError, SimpleUser
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates
from starlette.types import Scope

from monitor.config import Config
from monitor.store import Store
from monitor.web import queries
from monitor.web.errors import server_error
from monitor.web.feed import build_feed
from monitor.web.metrics import SchedulerHealth, health, registry_for
from monitor.web.queries import QueryError

# Liveness probes need no token (they learn only "ok" or "fail" and why).
OPEN_PATHS = frozenset({"/healthz"})
REALM = "policy-monitor"


# -- auth -------------------------------------------------------------------------------------------


def token_matches(header: str | None, token: str) -> bool:
    """`Authorization: Bearer TOKEN`, or Basic with any user name and TOKEN as the password (what a
    browser on a phone can send after its login prompt). Compared in constant time."""
    if not header:
        return False
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "basic":
        try:
            value = b64decode(value, validate=True).decode("utf-8").partition(":")[2]
        except (ValueError, UnicodeDecodeError):
            return False
    elif scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(value.encode("utf-8"), token.encode("utf-8"))


class TokenBackend(AuthenticationBackend):
    def __init__(self, token: str) -> None:
        self.token = token

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, SimpleUser] | None:
        if conn.scope["path"] in OPEN_PATHS:
            return None
        if token_matches(conn.headers.get("authorization"), self.token):
            return AuthCredentials(["authenticated"]), SimpleUser("token")
        raise AuthenticationError("this policy-monitor needs its token (Authorization: Bearer TOKEN)")


def _unauthorized(conn: HTTPConnection, exc: Exception) -> Response:
    resp = JSONResponse({"error": str(exc)}, status_code=401)
    resp.headers.append("WWW-Authenticate", f'Bearer realm="{REALM}"')
    resp.headers.append("WWW-Authenticate", f'Basic realm="{REALM}", charset="UTF-8"')
    return resp


# -- helpers ----------------------------------------------------------------------------------------


def _root(request: Request) -> str:
    return request.scope.get("root_path", "").rstrip("/")


def watch_path(name: str, *parts: Any) -> str:
    """The escaped path of a watch's page, e.g. watch_path("A/B", "diff", 1, 2) ->
    "/watches/A%2FB/diff/1/2"."""
    return "/watches/" + "/".join([quote(name, safe="")] + [quote(str(p), safe="") for p in parts])


def _ts(value: str | None) -> str:
    if not value:
        return "never"
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _ago(value: str | None, now: datetime | None = None) -> str:
    if not value:
        return "never"
    secs = ((now or datetime.now(UTC)) - datetime.fromisoformat(value)).total_seconds()
    future = secs < 0
    secs = abs(secs)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if secs >= size:
            n = f"{int(secs // size)} {unit}"
            break
    else:
        n = f"{int(secs)} s"
    return f"in {n}" if future else f"{n} ago"


def _markdown() -> MarkdownIt:
    # Policy text is untrusted: raw HTML in it is shown as text, never passed through.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def _templates() -> Jinja2Templates:
    env = Environment(
        loader=PackageLoader("monitor.web", "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ts"] = _ts
    env.filters["ago"] = _ago
    env.globals["watch_path"] = watch_path
    return Jinja2Templates(env=env)


def _int_param(request: Request, key: str, default: int, lo: int, hi: int) -> int:
    raw = request.query_params.get(key)
    if raw is None:
        return default
    if not raw.isdigit():
        raise HTTPException(400, f"{key}={raw!r} is not a whole number")
    return max(lo, min(hi, int(raw)))


def _status_param(request: Request) -> str | None:
    """?status=, one of queries.STATUSES or absent; anything else is a 400 naming the choices."""
    status = request.query_params.get("status") or None
    if status and status not in queries.STATUSES:
        raise HTTPException(400, f"status={status!r}: use one of {', '.join(queries.STATUSES)}")
    return status


_TRUE, _FALSE = ("1", "true", "yes"), ("0", "false", "no")


def _bool_param(request: Request, key: str) -> bool | None:
    """?key=true|false (also 1|0, yes|no) or absent (None); anything else is a 400."""
    raw = request.query_params.get(key)
    if raw is None:
        return None
    if raw.lower() in _TRUE + _FALSE:
        return raw.lower() in _TRUE
    raise HTTPException(400, f"{key}={raw!r}: use true or false")


# -- the app ----------------------------------------------------------------------------------------


def create_app(config: Config, store: Store, *, scheduler: SchedulerHealth | None = None) -> Starlette:
    """The whole web view over `store`; `scheduler` reports the health of a scheduler running in the
    same process (inside `policy-monitor run`), and /healthz fails when it says stuck."""
    templates = _templates()
    md = _markdown()
    registry = registry_for(store, scheduler)

    def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        return templates.TemplateResponse(
            request, name, {"root": _root(request), "now": datetime.now(UTC), **context}, status_code=status
        )

    def name_of(request: Request) -> str:
        """The watch the path names, matched regardless of case and Unicode form (as the CLI does)."""
        with store.session() as s:
            return queries.canonical_name(s, config, request.path_params["name"])

    def no_watch(s: Any, name: str) -> HTTPException:
        """404 for `name`; where it is a known watch followed by a page that did not match (a
        version that is not a number: /diff/x/3), say that rather than "no watch named"."""
        for i, ch in enumerate(name):
            if ch == "/" and queries.watch_exists(s, name[:i]):
                return HTTPException(
                    404,
                    f"watch {name[:i]!r} has no page {name[i + 1:]!r} (versions are numbers: diff/2/3, versions/2)",
                )
        return HTTPException(404, f"no watch named {name!r}")

    # -- pages --------------------------------------------------------------------------------------
    def index(request: Request) -> Response:
        tag = request.query_params.get("tag") or None
        status = _status_param(request)
        with store.session() as s:
            everything = queries.watch_summaries(s, config)
            shown = queries.watch_summaries(s, config, queries.Filters(tag=tag, status=status))
        tags = sorted({t for w in everything for t in w["tags"]})
        counts = {st: sum(1 for w in everything if w["status"] == st) for st in queries.STATUSES}

        def filter_url(**change: str | None) -> str:
            params = {"tag": tag, "status": status, **change}
            q = urlencode({k: v for k, v in params.items() if v})
            return f"{_root(request)}/" + (f"?{q}" if q else "")

        return page(
            request,
            "index.html",
            {
                "watches": shown,
                "total": len(everything),
                "tags": tags,
                "tag": tag,
                "status": status,
                "counts": counts,
                "statuses": queries.STATUSES,
                "filter_url": filter_url,
            },
        )

    def watch_page(request: Request) -> Response:
        name = name_of(request)
        limit = _int_param(request, "checks", 50, 1, 1000)
        with store.session() as s:
            detail = queries.watch_detail(s, config, name, checks=limit)
            if detail is None:
                raise no_watch(s, name)
        return page(request, "watch.html", {"w": detail})

    def compare_redirect(request: Request) -> Response:
        """The watch page's "compare" selector (a GET form: it only navigates)."""
        name = name_of(request)
        a = _int_param(request, "a", 0, 0, 10**9)
        b = _int_param(request, "b", 0, 0, 10**9)
        if not a or not b:
            raise HTTPException(400, "choose two versions (a and b)")
        return RedirectResponse(_root(request) + watch_path(name, "diff", a, b), status_code=303)

    def _two_versions(name: str, a: int, b: int) -> tuple[Any, Any]:
        with store.session() as s:
            old, new = queries.version_of(s, name, a), queries.version_of(s, name, b)
            if old is None or new is None:
                missing = a if old is None else b
                raise HTTPException(404, f"{name!r} has no version {missing}")
            return old.document(), new.document()

    def diff_page(request: Request) -> Response:
        from monitor.diff import compare
        from monitor.report import render_html

        name, a, b = name_of(request), request.path_params["a"], request.path_params["b"]
        old, new = _two_versions(name, a, b)
        old_label, new_label = f"{name} v{a}", f"{name} v{b}"
        # Exactly what `policy-monitor diff --watch NAME A B --format html` writes (cli.cmd_diff),
        # with a navigation bar added above the report.
        report = compare(old, new)
        out = render_html(
            report, old, new, title=new.title or new_label, old_label=old_label, new_label=new_label
        )
        nav = templates.get_template("_diffnav.html").render(
            root=_root(request), name=name, a=a, b=b, watch_path=watch_path
        )
        marker = '<body><div class="page">\n'
        return HTMLResponse(out.replace(marker, marker + nav, 1))

    def version_page(request: Request) -> Response:
        name, n = name_of(request), request.path_params["n"]
        with store.session() as s:
            v = queries.version_of(s, name, n)
            if v is None:
                raise HTTPException(404, f"{name!r} has no version {n}")
            count = queries.version_count(s, v.watch_id)
            info = {
                "version": v.seq,
                "words": v.word_count,
                "language": v.language,
                "hash": v.content_hash,
                "created_at": queries.iso(v.created_at),
                "last_seen_at": queries.iso(v.last_seen_at),
            }
            markdown = v.markdown
        return page(
            request,
            "version.html",
            {"name": name, "v": info, "count": count, "body": md.render(markdown)},
        )

    # -- feed ---------------------------------------------------------------------------------------
    def feed(request: Request) -> Response:
        name = name_of(request) if "name" in request.path_params else None
        tag = request.query_params.get("tag") or None
        with store.session() as s:
            if name is not None and not queries.watch_exists(s, name):
                raise no_watch(s, name)
            evs = queries.events(s, config, watch=name, tag=tag, substantive=True, limit=50, report=True)
        base = str(request.base_url).rstrip("/")
        title = "policy-monitor: substantive changes" + (f" of {name}" if name else "") + (
            f" tagged {tag}" if tag else ""
        )
        body = build_feed(
            evs,
            title=title,
            self_url=str(request.url),
            site_url=base + (watch_path(name) if name else "/"),
            diff_url=lambda e: base + watch_path(e["watch"], "diff", e["from_version"], e["version"]),
            updated=datetime.now(UTC).isoformat(),
        )
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    # -- API ----------------------------------------------------------------------------------------
    def api_watches(request: Request) -> Response:
        f = queries.Filters(tag=request.query_params.get("tag"), status=_status_param(request))
        with store.session() as s:
            return JSONResponse(queries.watch_summaries(s, config, f))

    def api_watch(request: Request) -> Response:
        name = name_of(request)
        with store.session() as s:
            d = queries.watch_detail(s, config, name, checks=_int_param(request, "checks", 50, 1, 1000))
            if d is None:
                raise no_watch(s, name)
        d.pop("timeline")
        d["versions"] = d.pop("versions_list")
        d["problem_checks"] = d.pop("problems")
        return JSONResponse(d)

    def _events(request: Request, watch: str | None) -> Response:
        q = request.query_params
        sub = _bool_param(request, "substantive")
        try:
            since = queries.parse_since(q.get("since"))
            severity = queries.parse_severity(q.get("severity"))
        except QueryError as exc:
            raise HTTPException(400, str(exc)) from None
        with store.session() as s:
            if watch is not None and not queries.watch_exists(s, watch):
                raise no_watch(s, watch)
            evs = queries.events(
                s,
                config,
                watch=watch,
                since=since,
                severity=severity,
                tag=q.get("tag") or None,
                substantive=sub,
                limit=_int_param(request, "limit", 200, 1, 5000),
                report=watch is not None or q.get("report") in ("1", "true"),
            )
        return JSONResponse(evs)

    def api_events(request: Request) -> Response:
        return _events(request, None)

    def api_watch_events(request: Request) -> Response:
        return _events(request, name_of(request))

    def api_diff(request: Request) -> Response:
        from monitor.diff import compare

        name, a, b = name_of(request), request.path_params["a"], request.path_params["b"]
        old, new = _two_versions(name, a, b)
        # The same object as `policy-monitor diff --format json`.
        return JSONResponse(compare(old, new).to_dict())

    # -- operations ---------------------------------------------------------------------------------
    def metrics(request: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    def healthz(request: Request) -> Response:
        ok, body = health(store, scheduler)
        return JSONResponse(body, status_code=200 if ok else 503)

    # -- errors -------------------------------------------------------------------------------------
    def error_page(scope: Scope, code: int, message: str) -> Response:
        """The HTML page of an error: the 4xx answers and the 500 alike."""
        return page(Request(scope), "error.html", {"code": code, "message": message}, code)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if request.url.path.startswith(_root(request) + "/api/") or exc.status_code == 405:
            return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return error_page(request.scope, exc.status_code, exc.detail)

    W = "/watches/{name:path}"
    routes = [
        Route("/", index),
        Route(W + "/diff/{a:int}/{b:int}", diff_page),
        Route(W + "/diff", compare_redirect),
        Route(W + "/versions/{n:int}", version_page),
        Route(W + "/feed.atom", feed),
        Route(W, watch_page),
        Route("/feed.atom", feed),
        Route("/api/watches", api_watches),
        Route("/api" + W + "/events", api_watch_events),
        Route("/api" + W + "/diff/{a:int}/{b:int}", api_diff),
        Route("/api" + W, api_watch),
        Route("/api/events", api_events),
        Route("/metrics", metrics),
        Route("/healthz", healthz),
    ]
    middleware = []
    token = config.web.served_token()  # ConfigError when written as an unset ${VAR}: never serve open
    if token:
        middleware.append(
            Middleware(AuthenticationMiddleware, backend=TokenBackend(token), on_error=_unauthorized)
        )
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: http_error, Exception: server_error(error_page)},
    )
    app.state.error_page = error_page  # for AnsweredErrors, the layer outside the app (web.server)
    return app
