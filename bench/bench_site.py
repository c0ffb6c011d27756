"""The loopback policy site that bench/bench_round.py checks (run in its own process, so that its
pages do not count in the checker's memory).

Pages are real privacy policies from ../shared (the corpus and the dev set's version pairs, kept as
markdown there), rendered to HTML with the chrome of a real site: a cookie banner, a header with a
navigation menu, an inline analytics script, and a footer with a page-view counter that changes on
every request. Per watch `i`:

- `i % 10 == 0`: a dev-set pair's old version; after `switch` its next real version (new.md);
- `i % 10 == 5`: a server without validators (never sends an ETag, so never answers 304);
- otherwise: a corpus policy.

The ETag names the version (not the counter), as a CMS with a page cache would; `GET /_control?etag=0|1`
turns conditional answers off and on, `GET /_control?switch=1` moves the pairs to their new version.
"""

from __future__ import annotations

import hashlib
import html
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

_NAV = ["Products", "Pricing", "Customers", "Developers", "Blog", "Careers", "Support", "Sign in"]
_FOOT = ["About us", "Press", "Security", "Status", "Terms of Service", "Privacy Policy", "Cookie settings"]
# What a marketing site inlines ahead of its content: a tag-manager snippet and some minified code.
_SCRIPT = "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}" + "".join(
    f";(function(n){{var e{k}=document.querySelectorAll('[data-x{k}]');for(var i=0;i<e{k}.length;i++)"
    f"{{e{k}[i].addEventListener('click',function(){{gtag('event','c{k}',{{v:n}})}})}}}})({k})"
    for k in range(60)
)


def sources(shared: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """(corpus policies as (service, markdown)), (dev-set pairs as (service, old, new))."""
    corpus_dir = shared / "corpus" / "policies"
    corpus = []
    for line in (corpus_dir / "manifest.jsonl").read_text().splitlines():
        m = json.loads(line)
        corpus.append((m["service"], (corpus_dir / m["file"]).read_text()))
    pairs = []
    for d in sorted((shared / "devset").iterdir()):
        if (d / "old.md").is_file() and (d / "new.md").is_file():
            meta = json.loads((d / "meta.json").read_text())
            pairs.append((meta.get("service", d.name), (d / "old.md").read_text(), (d / "new.md").read_text()))
    return corpus, pairs


def render(service: str, markdown: str, md: object) -> tuple[bytes, bytes]:
    """The page around its counter: (bytes before it, bytes after it)."""
    body = md.render(markdown)  # type: ignore[attr-defined]
    name = html.escape(service)
    nav = "".join(f'<li><a href="/{n.lower().replace(" ", "-")}">{n}</a></li>' for n in _NAV)
    foot = "".join(f'<li><a href="/{n.lower().replace(" ", "-")}">{n}</a></li>' for n in _FOOT)
    before = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Privacy Policy | {name}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="stylesheet" href="/static/site.css"><script>{_SCRIPT}</script></head><body>'
        '<div id="cookie-banner" class="cookie-consent" role="dialog" aria-label="Cookie consent">'
        "<p>We use cookies and similar technologies to improve your experience, analyse traffic and "
        'personalise content. <a href="/cookies">Cookie settings</a></p>'
        "<button>Accept all</button><button>Reject non-essential</button></div>"
        f'<header class="site-header"><a class="logo" href="/">{name}</a><nav aria-label="Main"><ul>{nav}'
        '</ul></nav></header><main id="content"><article class="policy">'
        f"{body}</article></main>"
        f'<footer class="site-footer"><ul>{foot}</ul><p>&copy; 2026 {name}. All rights reserved.</p>'
        '<p class="counter">This page has been viewed '
    )
    after = " times.</p></footer></body></html>"
    return before.encode(), after.encode()


class Site:
    def __init__(self, shared: Path, watches: int) -> None:
        from markdown_it import MarkdownIt

        self.md = MarkdownIt("commonmark").enable("table")
        self.corpus, self.pairs = sources(shared)
        self.watches = watches
        self.etags = True
        self.switched = False
        self.counter = 0
        self.lock = threading.Lock()
        self._cache: dict[tuple[str, int, int], tuple[bytes, bytes, str]] = {}

    def warm(self) -> None:
        """Render every page the watches will ask for, both sides of the pairs, before the site
        answers: as a CMS serves from its page cache, so that rendering markdown here does not take
        the cores the checker is measured on (this process shares the machine with it)."""
        switched = self.switched
        for self.switched in (False, True):
            for i in range(min(self.watches, 10 * max(len(self.pairs), len(self.corpus)))):
                self.page(i)
        self.switched = switched

    def page(self, i: int) -> tuple[bytes, bytes, str]:
        if i % 10 == 0:
            p = (i // 10) % len(self.pairs)
            side = 2 if self.switched else 1
            key = ("pair", p, side)
            service, text = self.pairs[p][0], self.pairs[p][side]
        else:
            c = i % len(self.corpus)
            key = ("corpus", c, 0)
            service, text = self.corpus[c]
        hit = self._cache.get(key)
        if hit is None:
            before, after = render(service, text, self.md)
            hit = (before, after, '"' + hashlib.sha1(before + after).hexdigest()[:20] + '"')
            self._cache[key] = hit
        return hit


def distinct_pages(shared: Path) -> list[tuple[bool, int, bytes]]:
    """Every distinct page the site serves, as (switched, i, body): the corpus policies and the
    dev-set pairs' old side (switched False), then the pairs' new side (switched True, every tenth
    page), each body with a counter value in its footer as served. For bench_jobs.py and
    compare_extraction.py, which time and compare extraction on these pages."""
    site = Site(shared, 1000)
    out: list[tuple[bool, int, bytes]] = []
    for switched in (False, True):
        site.switched = switched
        seen: set[bytes] = set()
        for i in range(10 * max(len(site.pairs), len(site.corpus))):
            before, after, _ = site.page(i)
            if before in seen or (switched and i % 10):
                continue
            seen.add(before)
            out.append((switched, i, before + f"{100_000 + i:,}".encode() + after))
    return out


def serve(shared: str, watches: int, port_out: object) -> None:
    """Serve the site on 127.0.0.1 (an ephemeral port, put on `port_out`) until the process ends."""
    site = Site(Path(shared), watches)
    site.warm()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            url = urlsplit(self.path)
            if url.path == "/_control":
                q = parse_qs(url.query)
                if "etag" in q:
                    site.etags = q["etag"][0] == "1"
                if "switch" in q:
                    site.switched = q["switch"][0] == "1"
                return self._send(200, b"ok", "text/plain")
            try:
                i = int(url.path.removeprefix("/p"))
            except ValueError:
                return self._send(404, b"not found", "text/plain")
            before, after, etag = site.page(i)
            validators = i % 10 != 5
            if validators and site.etags and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            with site.lock:
                site.counter += 1
                n = site.counter
            body = before + f"{100_000 + n:,}".encode() + after
            self._send(200, body, "text/html; charset=utf-8", etag if validators else None)

        def _send(self, status: int, body: bytes, ctype: str, etag: str | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        # The listen backlog, read by server_activate() inside the constructor: set on an instance
        # after it, it was never used, the backlog stayed socketserver's 5, and a client opening 32
        # connections at once had some of its SYNs dropped and resent a second later (a 304 round's
        # first checks took 1.2 s each). A real site's backlog is in the hundreds.
        request_queue_size = 128

    httpd = Server(("127.0.0.1", 0), Handler)
    port_out.put(httpd.server_address[1])  # type: ignore[attr-defined]
    httpd.serve_forever()
