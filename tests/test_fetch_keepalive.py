"""A 304 leaves its connection open for the next request (it used to cost a new TCP connection)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from monitor.fetch import Fetcher, FetchPolicy, FetchRequest


@pytest.fixture
def counting_server() -> Iterator[tuple[str, list[int]]]:
    connections = [0]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            connections[0] += 1
            super().setup()

        def do_GET(self) -> None:  # noqa: N802
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.send_header("ETag", '"v1"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = b"<html><body><h1>Privacy</h1><p>We keep your data for a year.</p></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("ETag", '"v1"')
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/privacy", connections
    finally:
        server.shutdown()
        server.server_close()


def test_not_modified_answers_reuse_one_connection(counting_server: tuple[str, list[int]]) -> None:
    url, connections = counting_server

    async def run() -> None:
        async with Fetcher(FetchPolicy(allow_private_addresses=True, concurrency=2, per_host=2)) as fetcher:
            first = await fetcher.fetch(FetchRequest(url=url, timeout=5, retries=0))
            assert first.ok and first.etag == '"v1"'
            for _ in range(20):
                again = await fetcher.fetch(FetchRequest(url=url, etag='"v1"', timeout=5, retries=0))
                assert again.ok and again.not_modified

    asyncio.run(run())
    assert connections[0] == 1
