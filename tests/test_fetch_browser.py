"""Issue 12: the browser fetcher (headless Chromium through Playwright) against a real HTTP server on
127.0.0.1, through the real checker and a real SQLite store.

Tests that render skip, saying why, where Playwright is not importable or no Chromium binary is found;
the tests of a missing piece run everywhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from httpserver import LocalHTTPServer, Response
from policies import SECTIONS, edited, policy_html
from sqlalchemy import func, select
from test_fetch import LOCAL_ONLY, self_signed  # noqa: F401 - self_signed is a fixture used below

from monitor import browser as browser_mod
from monitor.browser import BrowserUnavailable, find_chromium
from monitor.checker import CheckResult, fetch_policy, run_checks
from monitor.config import Config, ConfigError, parse_config
from monitor.fetch import Fetcher, FetchPolicy, FetchRequest, FetchResult
from monitor.store import Event, Store, Version


def _why_no_browser() -> str | None:
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[browser]')"
    try:
        find_chromium(None)
    except BrowserUnavailable as exc:
        return f"no Chromium binary: {exc}"
    return None


NO_BROWSER = _why_no_browser()
needs_browser = pytest.mark.skipif(NO_BROWSER is not None, reason=f"browser tests skipped: {NO_BROWSER}")
needs_playwright = pytest.mark.skipif(
    NO_BROWSER is not None and "Playwright" in NO_BROWSER, reason=f"skipped: {NO_BROWSER}"
)

HTML = {"Content-Type": "text/html; charset=utf-8"}
JSON = {"Content-Type": "application/json"}


# -- pages ---------------------------------------------------------------------------------------


def _article(sections: dict[str, str]) -> str:
    """What policy_html puts in <article>, for a script to write after load."""
    full = policy_html(sections)
    start, end = full.index("<article>") + len("<article>"), full.index("</article>")
    return full[start:end]


def scripted_page(sections: dict[str, str] = SECTIONS, *, extra_head: str = "", extra_body: str = "") -> str:
    """The test policy page with an empty <article>: a script fills it in once the page has loaded."""
    shell = policy_html({})
    start, end = shell.index("<article>") + len("<article>"), shell.index("</article>")
    script = (
        "<script>window.addEventListener('load', function () {"
        f"document.querySelector('article').innerHTML = {json.dumps(_article(sections))};"
        "});</script>"
    )
    page = shell[:start] + shell[end:]
    page = page.replace("</head>", extra_head + "</head>").replace("</body>", extra_body + script + "</body>")
    return page


def json_page() -> str:
    """A page whose policy comes from a JSON endpoint on the same server, fetched by its script."""
    shell = policy_html({})
    start, end = shell.index("<article>") + len("<article>"), shell.index("</article>")
    script = """<script>
fetch('/api/policy.json').then(function (r) { return r.json(); }).then(function (data) {
  var html = '<h1>' + data.title + '</h1>';
  data.sections.forEach(function (s) { html += '<h2>' + s.heading + '</h2><p>' + s.text + '</p>'; });
  document.querySelector('article').innerHTML = html;
  document.body.setAttribute('data-ready', 'yes');
});
</script>"""
    return (shell[:start] + shell[end:]).replace("</body>", script + "</body>")


def policy_json(sections: dict[str, str] = SECTIONS) -> str:
    return json.dumps(
        {"title": "Privacy Policy", "sections": [{"heading": h, "text": t} for h, t in sections.items()]}
    )


# -- helpers -------------------------------------------------------------------------------------


def make_config(server: LocalHTTPServer, store: Store, *, fetch: dict[str, Any] | None = None, **watch: Any) -> Config:
    return parse_config(
        {
            "database": {"url": store.url},
            "fetch": fetch or {},
            "defaults": {"retries": 0, "timeout": 20, "jitter": 0},
            "watches": [{"name": "Brindlewick", "url": server.url("/privacy"), **watch}],
        }
    )


def check(store: Store, config: Config) -> CheckResult:
    """One round through the real checker, with loopback (the test server) allowed and every other
    private address refused, as the fetch tests do."""

    async def run() -> CheckResult:
        async with Fetcher(fetch_policy(config), guard=LOCAL_ONLY) as fetcher:
            (result,) = await run_checks(store, config, fetcher=fetcher)
            return result

    return asyncio.run(run())


def browser_fetch(request: FetchRequest, policy: FetchPolicy = FetchPolicy()) -> FetchResult:  # noqa: B008
    async def run() -> FetchResult:
        async with Fetcher(policy, guard=LOCAL_ONLY) as fetcher:
            return await fetcher.fetch(request)

    return asyncio.run(run())


def counts(store: Store) -> tuple[int, int]:
    with store.session() as s:
        return (
            s.scalar(select(func.count()).select_from(Version)),
            s.scalar(select(func.count()).select_from(Event)),
        )


def current_markdown(store: Store) -> str:
    with store.session() as s:
        version = s.scalars(select(Version).order_by(Version.seq.desc())).first()
        assert version is not None
        return version.markdown


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    st = Store(f"sqlite:///{tmp_path}/m.db")
    yield st
    st.close()


# -- what must be shown ----------------------------------------------------------------------------


@needs_browser
def test_a_script_written_policy_is_stored_and_an_edit_of_the_script_is_a_substantive_change(
    http_server: LocalHTTPServer, store: Store
) -> None:
    http_server.route("/privacy", Response(body=scripted_page(), headers=HTML))
    plain = make_config(http_server, store)
    browser = make_config(http_server, store, fetcher="browser")

    # The plain fetcher sees an empty article: a suspect capture, never a version.
    res = check(store, plain)
    assert res.outcome == "suspect" and "near-empty" in (res.detail or ""), res
    assert counts(store) == (0, 0)

    res = check(store, browser)
    assert res.outcome == "first", res
    text = current_markdown(store)
    assert "24 months after you close your account" in text and "Information Commissioner" in text

    assert check(store, browser).outcome == "unchanged"

    longer = edited(Retention=SECTIONS["Retention"].replace("24 months", "10 years"))
    http_server.route("/privacy", Response(body=scripted_page(longer), headers=HTML))
    res = check(store, browser)
    assert res.outcome == "changed" and res.substantive and "retention" in res.categories, res
    assert counts(store) == (2, 1)
    assert "10 years after you close your account" in current_markdown(store)


@needs_browser
def test_a_policy_fetched_from_a_json_endpoint_is_stored(http_server: LocalHTTPServer, store: Store) -> None:
    http_server.route("/privacy", Response(body=json_page(), headers=HTML))
    http_server.route("/api/policy.json", Response(body=policy_json(), headers=JSON))

    assert check(store, make_config(http_server, store)).outcome == "suspect"  # plain: nothing there

    res = check(store, make_config(http_server, store, fetcher="browser", wait_for="body[data-ready=yes]"))
    assert res.outcome == "first", res
    assert "We answer every request within 30 days" in current_markdown(store)
    assert http_server.count("/api/policy.json") == 1  # the page's XHR went through the guarded client

    http_server.route("/api/policy.json", Response(body=policy_json(edited(**{
        "International transfers": "We transfer your personal data to the United States and India."
    })), headers=JSON))  # fmt: skip
    res = check(store, make_config(http_server, store, fetcher="browser", wait_for="body[data-ready=yes]"))
    assert res.outcome == "changed" and res.substantive and "transfer" in res.categories, res


class Trap:
    """A listener on another loopback address (private, and not the allowed test host): anything of the
    page that reached it shows up as an accepted connection."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.2", 0))
        self.sock.listen(16)
        self.sock.setblocking(False)
        self.address = f"127.0.0.2:{self.sock.getsockname()[1]}"

    def accepted(self) -> int:
        n = 0
        try:
            while True:
                self.sock.accept()[0].close()
                n += 1
        except BlockingIOError:
            return n


@pytest.fixture
def trap() -> Iterator[Trap]:
    t = Trap()
    yield t
    t.sock.close()


@needs_browser
def test_requests_of_the_page_to_private_addresses_are_refused_in_the_route_handler(
    http_server: LocalHTTPServer, trap: Trap, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without Chromium's refusing proxy: the route handler alone must keep every request in.
    monkeypatch.setattr(browser_mod, "_refusing_proxy", lambda _port: None)
    head = f'<script src="http://{trap.address}/tracker.js"></script>'
    body = (
        '<img src="http://10.0.0.1/x.png">'
        "<script>fetch('http://169.254.169.254/latest/meta-data/').catch(function () {});"
        f"fetch('http://{trap.address}/beacon', {{method: 'POST', body: 'x'}}).catch(function () {{}});</script>"
    )
    http_server.route("/privacy", Response(body=scripted_page(extra_head=head, extra_body=body), headers=HTML))

    result = browser_fetch(FetchRequest(http_server.url("/privacy"), timeout=20, fetcher="browser"))

    assert result.ok, result.error
    refused = "\n".join(result.refused)
    for url in (
        "http://10.0.0.1/x.png",
        "http://169.254.169.254/latest/meta-data/",
        f"http://{trap.address}/tracker.js",
        f"http://{trap.address}/beacon",
    ):
        assert url in refused, refused
    assert "non-public address" in refused
    assert trap.accepted() == 0  # aborted in the handler: no connection was made
    # The page itself still rendered (its own requests to the allowed test host went through).
    assert "24 months after you close your account" in (result.text or "")
    assert result.url == http_server.url("/privacy")


@needs_browser
def test_what_bypasses_the_route_handler_cannot_connect_either(
    http_server: LocalHTTPServer, trap: Trap, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A preconnect, a WebSocket and WebRTC's STUN (UDP) are not seen by route interception: Chromium's
    # refusing proxy and its WebRTC policy stop them.
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.2", 0))
    udp.setblocking(False)
    stun = f"127.0.0.2:{udp.getsockname()[1]}"

    def datagrams() -> int:
        n = 0
        with contextlib.suppress(BlockingIOError):
            while True:
                udp.recvfrom(4096)
                n += 1
        return n

    head = f'<link rel="preconnect" href="http://{trap.address}">'
    body = (
        f"<script>try {{ new WebSocket('ws://{trap.address}/live'); }} catch (e) {{}}"
        f"var pc = new RTCPeerConnection({{iceServers: [{{urls: 'stun:{stun}'}}]}}); pc.createDataChannel('x');"
        "pc.createOffer().then(function (o) { return pc.setLocalDescription(o); });"
        # Time for them to go out (or not) before the page counts as rendered.
        "setTimeout(function () { document.body.setAttribute('data-settled', '1'); }, 1500);</script>"
    )
    http_server.route("/privacy", Response(body=scripted_page(extra_head=head, extra_body=body), headers=HTML))
    request = FetchRequest(http_server.url("/privacy"), timeout=20, fetcher="browser", wait_for="[data-settled]")
    try:
        result = browser_fetch(request)
        assert result.ok, result.error
        assert trap.accepted() == 0 and datagrams() == 0

        # The counterpart: without that proxy and policy they do get out, so the traps would have seen them.
        monkeypatch.setattr(browser_mod, "_refusing_proxy", lambda _port: None)
        monkeypatch.setattr(browser_mod, "LAUNCH_ARGS", ())
        assert browser_fetch(request).ok
        assert trap.accepted() >= 1 and datagrams() >= 1
    finally:
        udp.close()


@needs_browser
def test_sub_resources_are_fetched_with_tls_verified_and_the_configured_headers(
    http_server: LocalHTTPServer, self_signed: tuple[ssl.SSLContext, Path]  # noqa: F811
) -> None:
    with LocalHTTPServer(tls=self_signed[0]) as untrusted:
        untrusted.route("/x.js", Response(body="document.title = 'INJECTED';", headers={"Content-Type": "text/javascript"}))
        http_server.route("/app.js", Response(body="document.title = 'from app.js';", headers={"Content-Type": "text/javascript"}))
        extra = f'<script src="/app.js"></script><script src="{untrusted.url("/x.js")}"></script>'
        http_server.route("/privacy", Response(body=scripted_page(extra_head=extra), headers=HTML))
        request = FetchRequest(
            http_server.url("/privacy"),
            timeout=20,
            fetcher="browser",
            user_agent="policy-monitor-test/9",
            headers={"Accept-Language": "en", "Authorization": "Bearer secret"},
        )
        result = browser_fetch(request)
        assert result.ok, result.error
        assert untrusted.count() == 0  # the handshake failed: no request over an unverified channel
    assert "from app.js" in (result.text or "") and "INJECTED" not in (result.text or "")
    for record in http_server.requests:
        assert record.headers["user-agent"] == "policy-monitor-test/9"
        assert record.headers["accept-language"] == "en"
    assert http_server.count("/app.js") == 1


@needs_browser
def test_every_redirect_hop_of_a_sub_request_goes_through_the_guard(http_server: LocalHTTPServer) -> None:
    js = {"Content-Type": "text/javascript"}
    http_server.route("/app.js", Response(body="document.title = 'from app.js';", headers=js))
    http_server.route("/moved.js", Response(302, headers={"Location": "/app.js"}))
    http_server.route("/evil.js", Response(302, headers={"Location": "http://169.254.169.254/evil.js"}))
    extra = '<script src="/moved.js"></script><script src="/evil.js"></script>'
    http_server.route("/privacy", Response(body=scripted_page(extra_head=extra), headers=HTML))

    result = browser_fetch(FetchRequest(http_server.url("/privacy"), timeout=20, fetcher="browser"))

    assert result.ok, result.error
    assert "from app.js" in (result.text or "")  # Chromium followed the handed-back redirect
    assert [r.split(":")[0:2] for r in result.refused] == [["http", "//169.254.169.254/evil.js"]]
    assert http_server.count("/app.js") == 1


@needs_browser
def test_wait_for_waits_for_late_text_and_names_a_selector_that_never_appears(
    http_server: LocalHTTPServer,
) -> None:
    late = (
        "<script>setTimeout(function () { var p = document.createElement('p'); p.id = 'late';"
        "p.textContent = 'Added late by a timer.'; document.querySelector('main').appendChild(p); }, 1500);</script>"
    )
    http_server.route("/privacy", Response(body=scripted_page(extra_body=late), headers=HTML))
    url = http_server.url("/privacy")

    result = browser_fetch(FetchRequest(url, timeout=20, fetcher="browser", wait_for="#late"))
    assert result.ok and "Added late by a timer." in (result.text or "")

    result = browser_fetch(FetchRequest(url, timeout=3, fetcher="browser", wait_for="#never-there"))
    assert not result.ok and result.error_kind == "timeout"
    assert "'#never-there'" in (result.error or "")


@needs_browser
def test_the_rendered_page_is_held_to_the_body_size_cap(http_server: LocalHTTPServer) -> None:
    grow = "<script>document.querySelector('main').textContent = 'policy '.repeat(20000);</script>"
    page = scripted_page(extra_body=grow)
    assert len(page) < 8_000  # the document itself fits the cap; only the rendered page does not
    http_server.route("/privacy", Response(body=page, headers=HTML))

    result = browser_fetch(
        FetchRequest(http_server.url("/privacy"), timeout=20, fetcher="browser"), FetchPolicy(max_body_bytes=50_000)
    )

    assert not result.ok and result.error_kind == "too_large" and "50000" in (result.error or "")


@needs_browser
def test_a_sub_request_over_the_size_cap_fails_the_fetch_and_is_named(http_server: LocalHTTPServer) -> None:
    http_server.route("/big.js", Response(body="var x = 1;" + " " * 60_000, headers={"Content-Type": "text/javascript"}))
    page = scripted_page(extra_head='<script src="/big.js"></script>')
    http_server.route("/privacy", Response(body=page, headers=HTML))

    result = browser_fetch(
        FetchRequest(http_server.url("/privacy"), timeout=20, fetcher="browser"), FetchPolicy(max_body_bytes=50_000)
    )

    assert not result.ok and result.error_kind == "too_large"
    assert http_server.url("/big.js") in (result.error or "") and "50000" in (result.error or "")


@needs_browser
def test_one_browser_serves_the_whole_round_and_is_closed_after_it(http_server: LocalHTTPServer, store: Store) -> None:
    names = ["Alpha", "Beta", "Gamma", "Delta"]
    for name in names:
        http_server.route(f"/{name}", Response(body=scripted_page(), headers=HTML))
    config = parse_config(
        {
            "database": {"url": store.url},
            "fetch": {"browser_pages": 2},
            "defaults": {"retries": 0, "timeout": 30, "jitter": 0, "fetcher": "browser"},
            "watches": [{"name": n, "url": http_server.url(f"/{n}")} for n in names],
        }
    )

    async def run() -> tuple[list[CheckResult], Any]:
        async with Fetcher(fetch_policy(config), guard=LOCAL_ONLY) as fetcher:
            results = await run_checks(store, config, fetcher=fetcher)
            pool = fetcher.browser
            assert pool is not None and pool.running
        return results, pool

    results, pool = asyncio.run(run())
    assert [r.outcome for r in results] == ["first"] * 4
    assert pool.launches == 1 and not pool.running


@needs_browser
def test_a_long_lived_fetcher_stops_an_idle_browser_and_starts_it_again_when_needed(
    http_server: LocalHTTPServer,
) -> None:
    http_server.route("/privacy", Response(body=scripted_page(), headers=HTML))
    request = FetchRequest(http_server.url("/privacy"), timeout=20, fetcher="browser")

    async def run() -> tuple[bool, bool, int]:
        async with Fetcher(FetchPolicy(browser_idle_close=0.2), guard=LOCAL_ONLY) as fetcher:
            assert (await fetcher.fetch(request)).ok
            pool = fetcher.browser
            assert pool is not None
            for _ in range(100):  # the daemon's fetcher lives on; the idle browser does not
                if not pool.running:
                    break
                await asyncio.sleep(0.1)
            stopped = not pool.running
            again = (await fetcher.fetch(request)).ok
            return stopped, again, pool.launches

    assert asyncio.run(run()) == (True, True, 2)


@needs_browser
def test_policy_monitor_check_uses_the_browser_transparently(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    http_server.route("/privacy", Response(body=scripted_page(), headers=HTML))
    config = tmp_path / "config.toml"
    body = f"""
[database]
url = "sqlite:///{tmp_path}/m.db"
[fetch]
allow_private_addresses = true   # the test site is on 127.0.0.1
[defaults]
retries = 0
[[watches]]
name = "Plain"
url = "{http_server.url("/privacy")}"
[[watches]]
name = "Rendered"
url = "{http_server.url("/privacy")}"
fetcher = "browser"
wait_for = "article h2"
"""
    config.write_text(body, "utf-8")

    def check_json() -> tuple[dict[str, dict[str, Any]], str]:
        proc = subprocess.run(
            [sys.executable, "-m", "monitor", "-c", str(config), "check", "--json"],
            cwd=tmp_path, capture_output=True, text=True, timeout=240,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return {r["watch"]: r for r in json.loads(proc.stdout)}, proc.stderr

    results, _ = check_json()
    assert results["Plain"]["outcome"] == "suspect" and results["Rendered"]["outcome"] == "first"

    # `add --wait-for` writes a browser watch that the next check renders.
    add = [sys.executable, "-m", "monitor", "-c", str(config), "add", "Added", http_server.url("/privacy")]
    subprocess.run([*add, "--wait-for", "article h2"], check=True, capture_output=True, timeout=120)
    assert 'fetcher = "browser"' in config.read_text("utf-8")
    results, _ = check_json()
    assert results["Added"]["outcome"] == "first" and results["Rendered"]["outcome"] == "unchanged"
    body = config.read_text("utf-8")

    config.write_text(body.replace("[defaults]", '[defaults]\nfetcher = "browser"').replace(
        "allow_private_addresses = true", 'allow_private_addresses = true\nbrowser_executable = "/nonexistent/chromium"'
    ), "utf-8")  # fmt: skip
    results, stderr = check_json()
    for name in ("Plain", "Rendered"):
        assert results[name]["outcome"] == "error"
        assert "browser_unavailable" in results[name]["detail"] and "/nonexistent/chromium" in results[name]["detail"]
    assert "Traceback" not in stderr


# -- a missing piece -----------------------------------------------------------------------------


@needs_playwright
def test_a_missing_chromium_fails_the_check_with_an_error_naming_it(http_server: LocalHTTPServer, store: Store) -> None:
    http_server.route("/privacy", Response(body=scripted_page(), headers=HTML))
    config = make_config(http_server, store, fetcher="browser", fetch={"browser_executable": "/nonexistent/chromium"})

    res = check(store, config)

    assert res.outcome == "error", res
    assert "browser_unavailable" in (res.detail or "") and "/nonexistent/chromium" in (res.detail or "")
    assert "Chromium" in (res.detail or "") and "Traceback" not in (res.detail or "")
    assert counts(store) == (0, 0)


def test_a_missing_playwright_fails_the_check_with_an_error_naming_it(
    http_server: LocalHTTPServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "playwright.async_api", None)  # import fails, as when not installed
    http_server.route("/privacy", Response(body=scripted_page(), headers=HTML))
    config = make_config(http_server, store, fetcher="browser")

    res = check(store, config)

    assert res.outcome == "error", res
    assert "Playwright" in (res.detail or "") and "policy-monitor[browser]" in (res.detail or "")
    assert counts(store) == (0, 0)
    # Watches that do not ask for the browser are not affected.
    assert check(store, make_config(http_server, store)).outcome == "suspect"


# -- configuration -------------------------------------------------------------------------------


def _config(watch: dict[str, Any], defaults: dict[str, Any] | None = None) -> Config:
    return parse_config(
        {"defaults": defaults or {}, "watches": [{"name": "Acme", "url": "https://acme.example/p", **watch}]},
        "config.toml",
    )


def test_config_fetcher_and_wait_for() -> None:
    assert _config({"fetcher": "browser", "wait_for": "main article"}).watches[0].wait_for == "main article"
    assert _config({"wait_for": "#policy"}, {"fetcher": "browser"}).defaults.fetcher == "browser"
    assert _config({}).defaults.fetcher == "http"

    with pytest.raises(ConfigError, match=r"config.toml: watches\[0\].fetcher \(watch 'Acme'\): Input should be 'http' or 'browser'"):
        _config({"fetcher": "chrome"})
    with pytest.raises(ConfigError, match=r"config.toml: watches\[0\].wait_for \(watch 'Acme'\): bad CSS selector"):
        _config({"fetcher": "browser", "wait_for": "main >>> p"})
    with pytest.raises(ConfigError, match=r"config.toml: watches\[0\].wait_for \(watch 'Acme'\): only the browser"):
        _config({"wait_for": "#policy"})
    with pytest.raises(ConfigError, match=r"config.toml: fetch.browser_pages: "):
        parse_config({"fetch": {"browser_pages": 0}}, "config.toml")


def test_browser_watches_send_no_validators(http_server: LocalHTTPServer, store: Store) -> None:
    from monitor.checker import _Prior, _request

    config = make_config(http_server, store, fetcher="browser", wait_for="main")
    prior = _Prior(1, 1, "x", None, None, None, '"etag"', "Mon, 01 Jan 2024 00:00:00 GMT")
    request = _request(config, config.watches[0], prior, conditional=True)
    assert request.fetcher == "browser" and request.wait_for == "main"
    assert request.etag is None and request.last_modified is None
    plain = make_config(http_server, store)
    assert _request(plain, plain.watches[0], prior, conditional=True).etag == '"etag"'
