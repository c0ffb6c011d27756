"""Kept-alive connections: a 304 leaves its connection open for the next request (it used to cost a new
TCP connection), a connection the server closed is not reused, and more fetches than connections are
all answered on reused ones."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from httpserver import connection_counting_server

from monitor.fetch import Fetcher, FetchPolicy, FetchRequest


def _privacy_page(handler: BaseHTTPRequestHandler) -> None:
    if handler.headers.get("If-None-Match") == '"v1"':
        handler.send_response(304)
        handler.send_header("ETag", '"v1"')
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        return
    body = b"<html><body><h1>Privacy</h1><p>We keep your data for a year.</p></body></html>"
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("ETag", '"v1"')
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def counting_server() -> Iterator[tuple[str, list[int]]]:
    with connection_counting_server(_privacy_page) as (base, connections):
        yield f"{base}/privacy", connections


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


def _page_then_hang_up(handler: BaseHTTPRequestHandler) -> None:
    """A keep-alive answer (no "Connection: close") after which the server silently closes the
    connection, as servers do with idle connections whose keep-alive timeout ran out."""
    _privacy_page(handler)
    handler.close_connection = True


def test_connections_the_server_closed_while_idle_are_not_reused() -> None:
    # Several connections at once, all closed by the server behind the pool's back: each must be
    # noticed (its socket reads as end-of-file) and replaced, never sent a request that then fails.
    with connection_counting_server(_page_then_hang_up) as (base, connections):
        url = f"{base}/privacy"

        async def run() -> list[bool]:
            policy = FetchPolicy(allow_private_addresses=True, concurrency=4, per_host=4)
            async with Fetcher(policy) as fetcher:
                oks = []
                for _ in range(3):
                    results = await asyncio.gather(
                        *(fetcher.fetch(FetchRequest(url=url, timeout=5, retries=0)) for _ in range(4))
                    )
                    oks += [r.ok for r in results]
                    await asyncio.sleep(0.3)  # the server's FINs arrive while the connections sit idle
                return oks

        oks = asyncio.run(run())
    assert oks == [True] * 12
    assert connections[0] == 12  # every request on a fresh connection: none sent down a closed one


def _numbered_page(handler: BaseHTTPRequestHandler) -> None:
    body = f"<html><body><h1>Privacy</h1><p>Page {handler.path}.</p></body></html>".encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def slow_server() -> Iterator[tuple[str, list[int]]]:
    with connection_counting_server(_numbered_page) as served:
        yield served


def test_more_fetches_than_connections_all_answered_on_reused_connections(
    slow_server: tuple[str, list[int]],
) -> None:
    base, connections = slow_server

    async def run() -> list[str]:
        policy = FetchPolicy(allow_private_addresses=True, concurrency=4, per_host=4)
        async with Fetcher(policy) as fetcher:
            results = await asyncio.gather(
                *(fetcher.fetch(FetchRequest(url=f"{base}/p{i}", timeout=10, retries=0)) for i in range(40))
            )
        assert all(r.ok for r in results), [r.error for r in results if not r.ok]
        return [r.text or "" for r in results]

    texts = asyncio.run(run())
    assert [f"/p{i}." in t for i, t in enumerate(texts)] == [True] * 40
    assert connections[0] <= 4  # kept alive and reused, never more than the pool's size
