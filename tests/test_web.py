"""The web view, JSON API, Atom feed and /metrics against a real uvicorn server on 127.0.0.1.

The database is a real SQLite file filled by the real pipeline: `policy-monitor check --json` run
against policy pages served by tests/httpserver.py, so the API can be compared with what `check
--json` printed for the same checks. The server is `policy-monitor serve` in a subprocess (the
token and health tests run the same app in a thread, to reach its store and scheduler).
"""

from __future__ import annotations

import asyncio
import base64
import html
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from httpserver import LocalHTTPServer, Response
from policies import SECTIONS, edited, policy_html
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from monitor.config import parse_config
from monitor.store import Check, Store
from monitor.web import BackgroundServer, watch_path

HTML = {"Content-Type": "text/html; charset=utf-8"}
ATOM = "{http://www.w3.org/2005/Atom}"
# A name with a space, an ampersand, a slash, a plus and parentheses: all must survive the URLs.
ACME = "Acme & Co / EU+ (privacy)"
CAPTCHA = (
    "<html><head><title>Just a moment...</title></head><body><main><h1>Checking your browser</h1>"
    "<p>Please verify you are a human to continue. Complete the captcha below to access this site.</p>"
    "</main></body></html>"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(path: Path, server: LocalHTTPServer, db_url: str, **web: str) -> Path:
    web_lines = "".join(f'{k} = "{v}"\n' for k, v in web.items())
    path.write_text(
        f"""
[database]
url = "{db_url}"
[fetch]
allow_private_addresses = true
[defaults]
retries = 0
timeout = 5
jitter = 0
[notify]
ops_target = "ops"
failure_threshold = 1
[notify.targets.legal]
urls = ["json://127.0.0.1:9/hook"]
[notify.targets.ops]
urls = ["json://127.0.0.1:9/ops"]
[web]
{web_lines}
[[watches]]
name = "Brindlewick"
url = "{server.url('/brindlewick')}"
tags = ["vendor", "uk"]
[[watches]]
name = "{ACME}"
url = "{server.url('/acme')}"
tags = ["vendor"]
[[watches]]
name = "Broken Site"
url = "http://127.0.0.1:9/privacy"
[[watches]]
name = "Shrunk"
url = "{server.url('/shrunk')}"
tags = ["internal"]
""",
        "utf-8",
    )
    return path


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def check_round(config: Path) -> dict[str, dict]:
    out = cli(config, "check", "--json")
    assert out.returncode == 0, out.stderr
    return {r["watch"]: r for r in json.loads(out.stdout)}


def serve_pages(server: LocalHTTPServer, round_: int) -> None:
    retention = SECTIONS["Retention"].replace("24 months", "5 years")
    transfer = "We transfer your personal data to our processors in the United States and India."
    pages = {
        1: {"brindlewick": policy_html(), "acme": policy_html(), "shrunk": policy_html()},
        2: {
            "brindlewick": policy_html(edited(Retention=retention)),
            "acme": policy_html(),
            "shrunk": CAPTCHA,
        },
        3: {
            "brindlewick": policy_html(edited(Retention=retention)),
            "acme": policy_html(edited(**{"International transfers": transfer})),
            "shrunk": CAPTCHA,
        },
    }[round_]
    for path, body in pages.items():
        server.route(f"/{path}", Response(200, body, HTML))


class Site:
    def __init__(self, base: str, config: Path, db_url: str, policies: LocalHTTPServer, last: dict) -> None:
        self.base, self.config, self.db_url, self.policies, self.last = base, config, db_url, policies, last

    def get(self, path: str, **kw: object) -> httpx.Response:
        return httpx.get(self.base + path, timeout=60, **kw)


def wait_until_up(url: str, proc: subprocess.Popen[bytes] | None = None, log: Path | None = None) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"server exited ({proc.returncode}):\n{log.read_text() if log else ''}")
        try:
            if httpx.get(url + "/healthz", timeout=5).status_code in (200, 503):
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered:\n{log.read_text() if log else ''}")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("web")
    db_url = f"sqlite:///{tmp}/monitor.db"
    with LocalHTTPServer() as policies:
        config = write_config(tmp / "config.toml", policies, db_url)
        last: dict = {}
        for n in (1, 2, 3):
            serve_pages(policies, n)
            last = check_round(config)
        port = free_port()
        log = tmp / "serve.log"
        with log.open("wb") as fh:
            proc = subprocess.Popen(
                [sys.executable, "-m", "monitor", "--config", str(config), "serve", "--listen", f"127.0.0.1:{port}"],
                stdout=fh,
                stderr=subprocess.STDOUT,
            )
            try:
                base = f"http://127.0.0.1:{port}"
                wait_until_up(base, proc, log)
                yield Site(base, config, db_url, policies, last)
            finally:
                proc.terminate()
                proc.wait(timeout=30)


# -- pages ------------------------------------------------------------------------------------------


def test_pipeline_made_the_expected_history(site: Site) -> None:
    assert site.last["Brindlewick"]["outcome"] == "unchanged"
    assert site.last[ACME]["outcome"] == "changed" and "transfer" in site.last[ACME]["categories"]
    assert site.last["Broken Site"]["outcome"] == "error"
    assert site.last["Shrunk"]["outcome"] == "suspect"


def test_index_lists_every_watch_with_status_and_last_change(site: Site) -> None:
    r = site.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    for name in ("Brindlewick", "Acme &amp; Co / EU+ (privacy)", "Broken Site", "Shrunk"):
        assert name in page
    assert "failing (1)" in page and "suspect (1)" in page and "ok (2)" in page
    # Brindlewick's last substantive change is the retention one, linked to its diff page.
    assert 'href="/watches/Brindlewick/diff/1/2"' in page
    assert f'href="{watch_path(ACME, "diff", 1, 2)}"' in page and "%2F" in watch_path(ACME)
    assert "retention" in page and "transfer" in page
    # Filters narrow the list.
    only_suspect = site.get("/?status=suspect").text
    assert "Shrunk" in only_suspect and "Broken Site" not in only_suspect
    vendor = site.get("/?tag=vendor").text
    assert "Brindlewick" in vendor and "Acme" in vendor and "Shrunk" not in vendor
    assert site.get("/?status=bogus").status_code == 400


def test_watch_page_shows_the_timeline(site: Site) -> None:
    r = site.get(watch_path(ACME))
    assert r.status_code == 200
    page = r.text
    assert "Acme &amp; Co / EU+ (privacy)" in page
    assert "Version 1" in page and "Version 2" in page and "v1 → v2" in page
    assert "transfer" in page and 'class="badge' in page
    broken = site.get(watch_path("Broken Site")).text
    detail = site.last["Broken Site"]["detail"]
    assert broken.count("Failed check") == 3 and html.escape(detail) in broken
    shrunk = site.get(watch_path("Shrunk")).text
    assert shrunk.count("Suspect capture") == 2 and html.escape(site.last["Shrunk"]["detail"]) in shrunk
    assert site.get(watch_path("Nobody")).status_code == 404


def test_watch_names_in_paths_match_regardless_of_case_as_in_the_cli(site: Site) -> None:
    # A fresh user's find: /watches/orbitrail was 404 though `history orbitrail` finds "Orbitrail".
    page = site.get(watch_path("brindlewick"))
    assert page.status_code == 200 and "Version 2" in page.text
    assert site.get("/api" + watch_path("BRINDLEWICK")).json()["watch"] == "Brindlewick"
    assert site.get(watch_path(ACME.lower(), "diff", 1, 2)).status_code == 200
    assert {e["watch"] for e in site.get("/api" + watch_path("broken site", "events")).json()} <= {"Broken Site"}
    assert site.get(watch_path("brindlewick", "feed.atom")).status_code == 200
    nav = site.get(watch_path("brindlewick", "diff"), params={"a": 1, "b": 2}, follow_redirects=False)
    assert nav.headers["location"] == watch_path("Brindlewick", "diff", 1, 2)  # the stored name
    assert site.get(watch_path("brindlewicks")).status_code == 404  # the control


def test_diff_page_is_the_cli_html_report(site: Site, tmp_path: Path) -> None:
    r = site.get(watch_path(ACME, "diff", 1, 2))
    assert r.status_code == 200
    out = tmp_path / "report.html"
    res = cli(site.config, "diff", "--watch", ACME, "1", "2", "--format", "html", "-o", str(out))
    assert res.returncode == 0, res.stderr
    cli_html = out.read_text("utf-8")

    def main_part(html: str) -> str:
        return html[html.index("<header") : html.index("</main>")]

    assert main_part(r.text) == main_part(cli_html)
    assert "United States" in r.text and "<ins>" in r.text
    # The page adds only a way back.
    assert f'href="{watch_path(ACME)}"' in r.text
    assert site.get(watch_path(ACME, "diff", 1, 9)).status_code == 404
    # The watch page's compare selector only navigates (303 to the diff page).
    nav = site.get(watch_path(ACME, "diff"), params={"a": 2, "b": 1}, follow_redirects=False)
    assert nav.status_code == 303 and nav.headers["location"] == watch_path(ACME, "diff", 2, 1)


def test_version_page_renders_the_markdown_safely(site: Site) -> None:
    r = site.get(watch_path("Brindlewick", "versions", 2))
    assert r.status_code == 200
    assert "<h2>Retention</h2>" in r.text or ">Retention</h" in r.text
    assert "5 years" in r.text and "version 2 of 2" in r.text
    assert "<script>" not in r.text.split("<article")[1]
    assert site.get(watch_path("Brindlewick", "versions", 7)).status_code == 404


def test_a_version_number_out_of_range_is_not_found(site: Site) -> None:
    huge = 99999999999999999999999  # beyond SQLite's 64-bit INTEGER
    for path in (
        watch_path("Brindlewick", "versions", huge),
        watch_path("Brindlewick", "diff", 1, huge),
        watch_path("Brindlewick", "diff", huge, 1),
        "/api" + watch_path("Brindlewick", "diff", 1, huge),
    ):
        r = site.get(path)
        assert r.status_code == 404 and "no version" in r.text, (path, r.status_code)
    assert site.get("/api" + watch_path("Brindlewick", "diff", 1, 2)).status_code == 200  # the control


def test_a_version_that_is_not_a_number_is_named_not_the_watch(site: Site) -> None:
    # Watch names may hold "/", so /diff/x/3 first reads as a watch named "Brindlewick/diff/x/3".
    for path in (
        watch_path("Brindlewick", "diff", "x", 3),
        "/api" + watch_path("Brindlewick", "diff", "x", 3),
        watch_path("Brindlewick", "versions", "two"),
    ):
        r = site.get(path)
        text = html.unescape(r.text)
        assert r.status_code == 404 and "watch 'Brindlewick' has no page" in text, (path, text)
        assert "no watch named" not in text
    r = site.get("/api" + watch_path("Nobody", "diff", "x", 3))
    assert r.status_code == 404 and "no watch named 'Nobody/diff/x/3'" in r.text  # the control


def test_the_api_refuses_bad_filters_like_the_pages(site: Site) -> None:
    r = site.get("/api/watches", params={"status": "bogus"})
    assert r.status_code == 400 and "status='bogus'" in r.text and "suspect" in r.text
    assert site.get("/api/watches", params={"status": "suspect"}).status_code == 200
    for path in ("/api/events", "/api" + watch_path("Brindlewick", "events")):
        r = site.get(path, params={"substantive": "maybe"})
        assert r.status_code == 400 and "substantive='maybe'" in r.text, (path, r.text)
    everything = site.get("/api/events").json()
    yes = site.get("/api/events", params={"substantive": "true"}).json()
    no = site.get("/api/events", params={"substantive": "0"}).json()
    assert yes and all(e["substantive"] for e in yes) and not any(e["substantive"] for e in no)
    assert len(yes) + len(no) == len(everything)


def test_only_get(site: Site) -> None:
    for path in ("/", watch_path("Brindlewick"), "/api/watches", "/metrics"):
        assert httpx.post(site.base + path, timeout=30).status_code == 405
    assert "<form" not in site.get("/").text
    page = site.get(watch_path(ACME)).text
    assert all('method="get"' in f for f in re.findall(r"<form[^>]*>", page))


# -- API --------------------------------------------------------------------------------------------


def test_api_watches_match_check_json(site: Site) -> None:
    r = site.get("/api/watches")
    assert r.status_code == 200
    rows = {w["watch"]: w for w in r.json()}
    assert set(rows) == set(site.last)
    for name, printed in site.last.items():
        api = dict(rows[name]["last_check"])
        assert api.pop("started_at") and api.pop("finished_at")
        assert api == printed, name  # same fields, same values as `check --json`
    assert rows["Brindlewick"]["version"] == 2 and rows["Brindlewick"]["tags"] == ["vendor", "uk"]
    assert rows["Broken Site"]["status"] == "failing" and rows["Shrunk"]["status"] == "suspect"
    change = rows["Brindlewick"]["last_change"]
    assert change["severity"] and "retention" in change["categories"] and change["substantive"] is True
    assert {w["watch"] for w in site.get("/api/watches", params={"tag": "vendor"}).json()} == {"Brindlewick", ACME}


def test_api_watch_and_events(site: Site, tmp_path: Path) -> None:
    d = site.get("/api" + watch_path(ACME)).json()
    assert d["watch"] == ACME and [v["version"] for v in d["versions"]] == [1, 2]
    evs = site.get("/api" + watch_path(ACME, "events")).json()
    (e,) = evs
    assert (e["from_version"], e["version"]) == (1, 2) and e["event_id"] == site.last[ACME]["event_id"]
    # The stored report is `diff --format json` of the two versions.
    res = cli(site.config, "diff", "--watch", ACME, "1", "2", "--format", "json")
    cli_json = json.loads(res.stdout)
    assert set(e["report"]) == set(cli_json)
    assert e["report"]["changes"] == cli_json["changes"]
    assert site.get("/api" + watch_path(ACME, "diff", 1, 2)).json() == cli_json

    everything = site.get("/api/events").json()
    assert {x["watch"] for x in everything} == {"Brindlewick", ACME}
    assert site.get("/api/events", params={"since": "2999-01-01"}).json() == []
    assert len(site.get("/api/events", params={"since": "2000-01-01T00:00:00Z"}).json()) == len(everything)
    for sev in ("low", "medium", "high"):
        got = site.get("/api/events", params={"severity": sev}).json()
        rank = {"low": 1, "medium": 2, "high": 3}
        assert all(rank[x["severity"]] >= rank[sev] for x in got)
    assert len(site.get("/api/events", params={"severity": "low"}).json()) == sum(1 for x in everything if x["severity"])
    bad = site.get("/api/events", params={"since": "last tuesday"})
    assert bad.status_code == 400 and "since" in bad.json()["error"]
    assert site.get("/api/events", params={"severity": "huge"}).status_code == 400
    assert site.get("/api" + watch_path("Nobody")).status_code == 404


# -- feed -------------------------------------------------------------------------------------------


def test_feed_is_atom_linking_to_diff_pages(site: Site) -> None:
    import feedparser

    r = site.get("/feed.atom")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(r.content)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 2
    for entry in entries:
        for tag in ("id", "title", "updated", "link"):
            assert entry.find(f"{ATOM}{tag}") is not None
    parsed = feedparser.parse(r.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    links = {e.link for e in parsed.entries}
    assert site.base + watch_path(ACME, "diff", 1, 2) in links
    assert site.base + watch_path("Brindlewick", "diff", 1, 2) in links
    # Each link opens the diff page.
    for link in links:
        assert httpx.get(link, timeout=60).status_code == 200
    titles = " ".join(e.title for e in parsed.entries)
    assert "Brindlewick" in titles and ACME in titles
    one = feedparser.parse(site.get(watch_path(ACME, "feed.atom")).content)
    assert [e.link for e in one.entries] == [site.base + watch_path(ACME, "diff", 1, 2)]
    tagged = feedparser.parse(site.get("/feed.atom", params={"tag": "uk"}).content)
    assert [e.link for e in tagged.entries] == [site.base + watch_path("Brindlewick", "diff", 1, 2)]


# -- metrics and health -----------------------------------------------------------------------------


def scrape(site: Site) -> dict[str, dict]:
    r = site.get("/metrics")
    assert r.status_code == 200
    samples: dict[str, dict] = {}
    for fam in text_string_to_metric_families(r.text):
        for sm in fam.samples:
            samples.setdefault(sm.name, {})[tuple(sorted(sm.labels.items()))] = sm.value
    return samples


def test_metrics_parse_and_move_after_a_check(site: Site) -> None:
    before = scrape(site)
    checks = before["policy_monitor_checks_total"]
    with _store(site.db_url) as store, store.session() as s:
        in_db = dict(s.execute(select(Check.outcome, func.count()).group_by(Check.outcome)).all())
    assert {dict(k)["outcome"]: v for k, v in checks.items()} == in_db
    assert before["policy_monitor_check_duration_seconds_count"][()] == sum(in_db.values())
    assert before["policy_monitor_outbox_pending"][()] > 0
    assert before["policy_monitor_outbox_oldest_pending_age_seconds"][()] >= 0
    assert before["policy_monitor_suspect_watches"][()] == 1
    ages = {dict(k)["watch"] for k in before["policy_monitor_last_success_age_seconds"]}
    assert ages == {"Brindlewick", ACME, "Shrunk"}  # Broken Site never succeeded

    check_round(site.config)
    after = scrape(site)
    total = sum(after["policy_monitor_checks_total"].values())
    assert total == sum(checks.values()) + 4
    assert after["policy_monitor_checks_total"][(("outcome", "unchanged"),)] >= checks[(("outcome", "unchanged"),)] + 2
    assert after["policy_monitor_check_duration_seconds_count"][()] == total
    # Every check of the round fetched (4 more fetch times); each fetch took no longer than its check.
    fetches = after["policy_monitor_fetch_duration_seconds_count"][()]
    assert fetches >= before["policy_monitor_fetch_duration_seconds_count"][()] + 4
    assert 0 <= after["policy_monitor_fetch_duration_seconds_sum"][()] <= after["policy_monitor_check_duration_seconds_sum"][()]


class _store:
    def __init__(self, url: str) -> None:
        self.store = Store(url, migrate=False)

    def __enter__(self) -> Store:
        return self.store

    def __exit__(self, *exc: object) -> None:
        self.store.close()


def test_healthz(site: Site) -> None:
    r = site.get("/healthz")
    assert r.status_code == 200
    assert r.json()["database"] == "ok" and r.json()["status"] == "ok"


# -- token, health failures, and the web view inside `run` ------------------------------------------


def _thread_config(tmp: Path, db_url: str, **web: str):
    return parse_config(
        {
            "database": {"url": db_url},
            "web": web,
            "watches": [{"name": "Brindlewick", "url": "http://127.0.0.1:9/privacy", "tags": ["vendor"]}],
        }
    )


def test_token_guards_pages_api_feed_and_metrics(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/m.db"
    config = _thread_config(tmp_path, db_url, token="s3cret-token")
    store = Store(db_url)
    try:
        with BackgroundServer(config, store, "127.0.0.1:0") as web:
            base = web.url.rstrip("/")
            for path in ("/", watch_path("Brindlewick"), "/api/watches", "/api/events", "/feed.atom", "/metrics"):
                none = httpx.get(base + path, timeout=30)
                assert none.status_code == 401, path
                assert any(v.startswith("Basic") for v in none.headers.get_list("www-authenticate"))
                wrong = httpx.get(base + path, headers={"Authorization": "Bearer s3cret-tokem"}, timeout=30)
                assert wrong.status_code == 401, path
                assert "s3cret" not in wrong.text
                ok = httpx.get(base + path, headers={"Authorization": "Bearer s3cret-token"}, timeout=30)
                assert ok.status_code == 200, path
            # A browser's login prompt: any user name, the token as the password.
            basic = base64.b64encode(b"me:s3cret-token").decode()
            assert httpx.get(base + "/", headers={"Authorization": f"Basic {basic}"}, timeout=30).status_code == 200
            bad = base64.b64encode(b"me:guess").decode()
            assert httpx.get(base + "/", headers={"Authorization": f"Basic {bad}"}, timeout=30).status_code == 401
            # Probes need no token.
            assert httpx.get(base + "/healthz", timeout=30).status_code == 200
    finally:
        store.close()


def test_no_token_means_open(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/m.db"
    store = Store(db_url)
    try:
        with BackgroundServer(_thread_config(tmp_path, db_url), store, "127.0.0.1:0") as web:
            assert web.url.startswith("http://127.0.0.1:")
            page = httpx.get(web.url, timeout=30)
            assert page.status_code == 200 and "Brindlewick" in page.text and "new (1)" in page.text
    finally:
        store.close()


def test_healthz_fails_when_the_database_is_unreachable(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    db_url = f"sqlite:///{folder}/m.db"
    store = Store(db_url)
    try:
        with BackgroundServer(_thread_config(tmp_path, db_url), store, "127.0.0.1:0") as web:
            assert httpx.get(web.url + "healthz", timeout=30).status_code == 200
            store.engine.dispose()
            shutil.rmtree(folder)
            r = httpx.get(web.url + "healthz", timeout=30)
            assert r.status_code == 503
            assert r.json()["status"] == "fail" and r.json()["database"].startswith("unreachable")
            # The pages say so without a traceback.
            page = httpx.get(web.url, timeout=30)
            assert page.status_code == 500 and "Traceback" not in page.text
    finally:
        store.close()


@pytest.mark.postgres
def test_healthz_fails_when_postgres_goes_away(postgres_url: str, tmp_path: Path) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from monitor.store import normalize_url

    store = Store(postgres_url)
    try:
        with BackgroundServer(_thread_config(tmp_path, postgres_url), store, "127.0.0.1:0") as web:
            assert httpx.get(web.url + "healthz", timeout=30).status_code == 200
            url = make_url(normalize_url(postgres_url))
            admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{url.database}" WITH (FORCE)'))
            admin.dispose()
            r = httpx.get(web.url + "healthz", timeout=30)
            assert r.status_code == 503 and r.json()["database"].startswith("unreachable")
    finally:
        store.close()


def test_healthz_fails_while_the_scheduler_is_stuck(tmp_path: Path) -> None:
    from monitor.scheduler import Daemon

    db_url = f"sqlite:///{tmp_path}/m.db"
    config = _thread_config(tmp_path, db_url)
    store = Store(db_url)
    daemon = Daemon(config, store, heartbeat_every=0.2, stuck_after=1.5)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    runner = threading.Thread(target=loop.run_until_complete, args=(daemon.run(stop),), daemon=True)

    def status(web: BackgroundServer) -> int:
        return httpx.get(web.url + "healthz", timeout=30).status_code

    def wait_for(web: BackgroundServer, code: int) -> dict:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            r = httpx.get(web.url + "healthz", timeout=30)
            if r.status_code == code:
                return r.json()
            time.sleep(0.1)
        raise AssertionError(f"/healthz never answered {code}")

    try:
        with BackgroundServer(config, store, "127.0.0.1:0", scheduler=daemon.health) as web:
            assert status(web) == 503  # not started yet
            runner.start()
            assert wait_for(web, 200)["scheduler"] == "ok"
            # Block the scheduler's event loop (a check that never yields): the web thread still answers.
            loop.call_soon_threadsafe(time.sleep, 4)
            assert wait_for(web, 503)["scheduler"].startswith("stuck")
            assert wait_for(web, 200)["scheduler"] == "ok"
            metrics = httpx.get(web.url + "metrics", timeout=30).text
            assert "policy_monitor_scheduler_up 1.0" in metrics
    finally:
        loop.call_soon_threadsafe(stop.set)
        runner.join(30)
        store.close()


@pytest.mark.slow
def test_run_serves_the_web_view_beside_the_scheduler(tmp_path: Path, http_server: LocalHTTPServer) -> None:
    from daemon import DaemonProcess

    port = free_port()
    db_url = f"sqlite:///{tmp_path}/m.db"
    config = write_config(tmp_path / "config.toml", http_server, db_url, listen=f"127.0.0.1:{port}")
    serve_pages(http_server, 1)
    daemon = DaemonProcess(config, tmp_path).start()
    base = f"http://127.0.0.1:{port}"
    try:
        daemon.wait_for(lambda: _answers(base + "/healthz"), "the web view to answer")

        def checked() -> bool:
            samples = {
                s.name: s.value
                for f in text_string_to_metric_families(httpx.get(base + "/metrics", timeout=30).text)
                for s in f.samples
                if s.name == "policy_monitor_checks_total"
            }
            return bool(samples)

        daemon.wait_for(checked, "the first checks to show in /metrics")
        health = httpx.get(base + "/healthz", timeout=30)
        assert health.status_code == 200 and health.json()["scheduler"] == "ok"
        assert "Brindlewick" in httpx.get(base + "/", timeout=30).text
        assert daemon.stop() == 0
        assert not _answers(base + "/healthz")
    finally:
        daemon.kill()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def test_serve_refuses_a_bad_or_busy_address(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/m.db"\n', "utf-8")
    assert cli(cfg, "db", "upgrade").returncode == 0  # serving reads a database, never makes one
    bad = cli(cfg, "serve", "--listen", "localhost:http")
    assert bad.returncode == 2 and "--listen" in bad.stderr and "Traceback" not in bad.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = cli(cfg, "serve", "--listen", f"127.0.0.1:{taken.getsockname()[1]}")
    assert busy.returncode == 2 and "could not listen" in busy.stderr and "Traceback" not in busy.stderr


@pytest.mark.parametrize("level", ["info", "debug"])
def test_an_internal_error_logs_one_line_and_answers_a_plain_500(tmp_path: Path, level: str) -> None:
    """A page that fails inside the server (here its table is dropped under it) answers a 500
    (the error page, no traceback) and logs one error line naming the request; the traceback
    only at debug level. Starlette re-raises every error its 500 handler answered, and uvicorn
    logged it again with the whole traceback ("Exception in ASGI application") at any level
    (fresh-user finding)."""
    db = tmp_path / "m.db"
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{db}"\n[log]\nformat = "json"\n', "utf-8")
    assert cli(cfg, "db", "upgrade").returncode == 0
    port, log = free_port(), tmp_path / "serve.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(cfg), "--log-level", level,
             "serve", "--listen", f"127.0.0.1:{port}"],
            stdout=fh, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base, proc, log)
            with sqlite3.connect(db) as conn:
                conn.execute("DROP TABLE checks")
            page = httpx.get(base + "/", timeout=30)
            api = httpx.get(base + "/api/watches", timeout=30)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    for r in (page, api):
        assert r.status_code == 500 and "Traceback" not in r.text and "checks" not in r.text
    # The page the HTML error page the 4xx answers use, the API JSON as its 4xx answers are
    # (fresh-user findings).
    assert page.headers["content-type"].startswith("text/html"), page.text
    assert "<h1>500</h1>" in page.text and "internal error (see the server log)" in page.text
    assert api.headers["content-type"].startswith("application/json"), api.text
    assert api.json() == {"error": "internal error (see the server log)"}
    out = log.read_text("utf-8")
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert len(lines) == len(out.splitlines()), out  # every line is one of ours: nothing printed raw
    errors = [e for e in lines if e["level"] == "error"]
    assert [e["msg"] for e in errors] == [
        "web request failed: GET /: OperationalError: no such table: checks",
        "web request failed: GET /api/watches: OperationalError: no such table: checks",
    ], out
    assert not [e for e in errors if "exc" in e], out
    if level == "info":
        assert "Traceback" not in out, out
    else:
        assert sum("Traceback" in e.get("exc", "") for e in lines) == 2, out


# -- a real browser ---------------------------------------------------------------------------------


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def dump_dom(browser: str, url: str, tmp: Path) -> str:
    """The DOM after the browser loaded and laid out the page (Chromium's own --dump-dom)."""
    out = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",  # tests run as root in CI; the page is our own, on 127.0.0.1
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={tmp}",
            "--window-size=390,844",  # a phone
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_pages_in_a_headless_browser(site: Site, tmp_path: Path) -> None:
    browser = _browser()
    if browser is None:
        pytest.skip("no chromium on this machine (.ci/run installs Debian's chromium where it can)")
    index = dump_dom(browser, site.base + "/", tmp_path / "profile")
    for name in ("Brindlewick", "Acme &amp; Co / EU+ (privacy)", "Broken Site", "Shrunk"):
        assert name in index
    assert "failing (1)" in index and "<table" in index
    # Follow the index's own link to the diff page, as a person would.
    link = re.search(r'href="(/watches/Acme[^"]*/diff/1/2)"', index)
    assert link is not None
    diff = dump_dom(browser, site.base + html.unescape(link.group(1)), tmp_path / "profile")
    assert "United States" in diff and "<ins>" in diff
    assert "Acme &amp; Co / EU+ (privacy) v1" in diff
    version = dump_dom(browser, site.base + watch_path("Brindlewick", "versions", 2), tmp_path / "profile")
    assert "5 years" in version and "<article" in version


# -- untrusted text -----------------------------------------------------------------------------------


def test_stored_text_cannot_inject_markup(tmp_path: Path) -> None:
    """Policy text is the site's, not ours: raw HTML and script links in a stored version are shown
    as text, and control characters cannot break the feed's XML."""
    from monitor.store import Version, Watch
    from monitor.web.feed import build_feed

    db_url = f"sqlite:///{tmp_path}/m.db"
    store = Store(db_url)
    hostile = (
        "# Privacy <script>alert(1)</script>\n\n"
        'We keep data. <img src=x onerror="alert(2)"> [click](javascript:alert(3))\n'
    )
    with store.session() as s:
        w = Watch(name="Brindlewick", url="http://127.0.0.1:9/privacy")
        s.add(w)
        s.flush()
        s.add(Version(watch_id=w.id, seq=1, content_hash="h", markdown_z=Version.pack(hostile), extractor_version="t"))
    try:
        with BackgroundServer(_thread_config(tmp_path, db_url), store, "127.0.0.1:0") as web:
            page = httpx.get(web.url + "watches/Brindlewick/versions/1", timeout=30).text
            article = page.split("<article", 1)[1]
            assert "<script>" not in article and "<img" not in article and "href=\"javascript" not in article
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in article
    finally:
        store.close()

    event = {
        "watch": "Brindlewick",
        "event_id": 1,
        "from_version": 1,
        "version": 2,
        "created_at": "2024-05-01T00:00:00+00:00",
        "severity": "high",
        "categories": ["retention"],
        "summary": "kept \x01for ever <b>",
        "report": {"changes": [{"substantive": True, "kind": "modified", "section": ["A\x02"], "reason": "r & d"}]},
    }
    xml = build_feed(
        [event],
        title="t",
        self_url="http://x/feed.atom",
        site_url="http://x/",
        diff_url=lambda e: "http://x/d",
        updated="2024-05-01T00:00:00+00:00",
    )
    (entry,) = ET.fromstring(xml).findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "[HIGH] Brindlewick: kept  for ever <b>"
    assert "r & d" in entry.find(f"{ATOM}summary").text


def test_api_errors_are_json_and_healthz_fails_when_a_table_is_gone(tmp_path: Path) -> None:
    # The database file answers `SELECT 1` but the schema is broken (a table gone): every route
    # that reads it fails, so /healthz must fail too, and the API answers JSON, not text.
    db_url = f"sqlite:///{tmp_path}/m.db"
    store = Store(db_url)
    try:
        with BackgroundServer(_thread_config(tmp_path, db_url), store, "127.0.0.1:0") as web:
            assert httpx.get(web.url + "healthz", timeout=30).status_code == 200
            with sqlite3.connect(tmp_path / "m.db") as conn:
                conn.execute("DROP TABLE checks")
            api = httpx.get(web.url + "api/watches", timeout=30)
            assert api.status_code == 500 and api.headers["content-type"].startswith("application/json")
            assert api.json() == {"error": "internal error (see the server log)"}
            page = httpx.get(web.url, timeout=30)
            assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
            r = httpx.get(web.url + "healthz", timeout=30)
            assert r.status_code == 503, r.text
            assert r.json()["status"] == "fail" and "checks" in r.json()["database"]
    finally:
        store.close()
