"""`policy-monitor demo`: the whole service on a laptop with no internet.

Bundled policies of fictional companies are served on a loopback port and watched with the real
pipeline (fetch, extract, store, diff, classify) on a SQLite file: a first check, a round in which only
a site's chrome changes (no new version), and a round in which one company edits its policy (one
event, with the report printed).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from monitor.checker import CheckResult, run_checks
from monitor.config import parse_config
from monitor.samples import load_manifest, read_sample
from monitor.store import Event, Store


class SiteServer:
    """A tiny threaded HTTP server for pages that a caller can replace at any time."""

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                body = pages.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> SiteServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _reset_sqlite(url: str) -> None:
    """The demo owns its database: start from an empty one so the story is the same every run."""
    u = make_url(url)
    if u.drivername.startswith("sqlite") and u.database and u.database != ":memory:":
        for suffix in ("", "-wal", "-shm"):
            Path(u.database + suffix).unlink(missing_ok=True)


def _report_path(database: str) -> str:
    """Where the suggested `diff --format html` writes: beside the demo's SQLite file (data/), not
    into the directory the demo runs from (often a source checkout); else the system's temp folder."""
    u = make_url(database)
    if u.drivername.startswith("sqlite") and u.database and u.database != ":memory:":
        return str(Path(u.database).parent / "demo-report.html")
    return str(Path(tempfile.gettempdir()) / "policy-monitor-demo-report.html")


def _line(r: CheckResult) -> str:
    text = f"  {r.watch}: {r.outcome}"
    if r.outcome == "changed":
        sev = f" [{r.severity.upper()}]" if r.severity else ""
        text += f"{sev} {r.summary}" if r.substantive else " (nothing of substance)"
    elif r.outcome in ("first", "unchanged") and r.version:
        text += f" (version {r.version})"
    elif r.detail:
        text += f" ({r.detail})"
    return text


def run_demo(database: str = "sqlite:///./data/demo.db", fmt: str = "text", out: Any = None) -> int:
    from monitor.report import render_text

    def say(text: str = "") -> None:
        if fmt == "text":
            print(text, file=out, flush=True)

    manifest = load_manifest()
    edited = next(m for m in manifest if m["versions"].get("v2"))
    chrome = next((m for m in manifest if m["versions"].get("chrome")), None)
    _reset_sqlite(database)
    rounds: list[dict[str, Any]] = []
    with SiteServer() as site:
        for m in manifest:
            site.pages[f"/{m['slug']}/privacy"] = read_sample(m["file"]).encode("utf-8")
        config = parse_config(
            {
                "database": {"url": database},
                "fetch": {"allow_private_addresses": True},  # the demo site is on 127.0.0.1
                "defaults": {"interval": "1d", "retries": 1, "timeout": 10},
                "watches": [
                    {"name": m["company"], "url": site.url(f"/{m['slug']}/privacy"), "tags": ["demo"]}
                    for m in manifest
                ],
            },
            "<demo>",
        )
        store = Store(database)
        say(f"policy-monitor demo: {len(manifest)} sample policies served on http://127.0.0.1:{site.port}")
        say(f"database: {database}\n")

        def round_(title: str) -> list[CheckResult]:
            say(title)
            results = asyncio.run(run_checks(store, config))
            for r in results:
                say(_line(r))
            rounds.append({"round": title, "results": [r.to_dict() for r in results]})
            say()
            return results

        round_("1. first check of every policy")
        if chrome:
            site.pages[f"/{chrome['slug']}/privacy"] = read_sample(chrome["versions"]["chrome"]).encode(
                "utf-8"
            )
            round_(
                f"2. {chrome['company']} changes its menu, footer, cookie banner and scripts (not the policy)"
            )
        site.pages[f"/{edited['slug']}/privacy"] = read_sample(edited["versions"]["v2"]).encode("utf-8")
        results = round_(f"3. {edited['company']} edits its privacy policy")

    changed = next((r for r in results if r.outcome == "changed" and r.event_id), None)
    report_dict = None
    if changed is not None:
        with store.session() as s:
            event = s.get(Event, changed.event_id)
            assert event is not None
            report = event.report
            report_dict = event.report_json
        say(render_text(report, title=f"{edited['company']}: version 1 -> version 2"))
        say("")
        page = _report_path(database)
        say("Try next:")
        say(f"  policy-monitor --database {database} history '{edited['company']}'")
        say(f"  policy-monitor --database {database} diff --watch '{edited['company']}' 1 2 --format html -o {page}")
        say(f"  (writes the HTML report to {page}, next to the demo's database)")
    store.close()
    if fmt == "json":
        print(json.dumps({"rounds": rounds, "report": report_dict}, indent=2, ensure_ascii=False), file=out)
    return 0 if changed is not None else 1
