"""How long a check round takes for many watches: the whole pipeline against a loopback site.

Serves N copies of the bundled sample policies (each made distinct) on 127.0.0.1, then times, on a
fresh SQLite file: the first round (every page fetched, extracted and stored), an unchanged round
(pages fetched again, same content), a 304 round (the server answers conditional requests), and a
round in which a tenth of the policies changed (diff, classify, event). Prints figures only.

    python bench/bench_round.py [--watches 200] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from monitor.checker import run_checks
from monitor.config import parse_config
from monitor.samples import load_manifest, read_sample
from monitor.store import Store


class Site:
    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}
        self.honour_etags = False
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                body = site.pages[self.path]
                etag = '"' + hashlib.sha1(body).hexdigest() + '"'
                if site.honour_etags and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--watches", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=16)
    args = ap.parse_args(argv)

    manifest = load_manifest()
    bases = [read_sample(m["file"]) for m in manifest]
    edited = {m["file"]: read_sample(m["versions"]["v2"]) for m in manifest if m["versions"].get("v2")}
    site = Site()
    for i in range(args.watches):
        m = manifest[i % len(manifest)]
        # Make each copy a distinct policy so nothing is shared between watches.
        site.pages[f"/p{i}"] = bases[i % len(bases)].replace("</h1>", f" (edition {i})</h1>", 1).encode()

    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'bench.db'}"
        config = parse_config(
            {
                "database": {"url": db},
                "fetch": {
                    "allow_private_addresses": True,
                    "concurrency": args.concurrency,
                    "per_host": args.concurrency,
                },
                "defaults": {"retries": 0, "timeout": 30},
                "watches": [{"name": f"policy {i}", "url": site.url(f"/p{i}")} for i in range(args.watches)],
            }
        )
        store = Store(db)

        def timed_round(label: str) -> None:
            start = time.perf_counter()
            results = asyncio.run(run_checks(store, config))
            elapsed = time.perf_counter() - start
            outcomes: dict[str, int] = {}
            for r in results:
                outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1
            per = elapsed / max(len(results), 1) * 1000
            print(f"{label:<34} {elapsed:7.2f} s  {per:6.1f} ms/watch  {dict(sorted(outcomes.items()))}")

        print(
            f"{args.watches} watches, fetch concurrency {args.concurrency}, SQLite, python {sys.version.split()[0]}"
        )
        timed_round("first round (store every policy)")
        timed_round("unchanged round (full bodies)")
        site.honour_etags = True
        timed_round("unchanged round (304 Not Modified)")
        site.honour_etags = False
        changed = 0
        for i in range(0, args.watches, 10):
            m = manifest[i % len(manifest)]
            if m["file"] in edited:
                site.pages[f"/p{i}"] = edited[m["file"]].replace("</h1>", f" (edition {i})</h1>", 1).encode()
                changed += 1
        timed_round(f"round with {changed} edited policies")
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
