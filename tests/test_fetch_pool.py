"""The fetcher's connection pool (monitor.netguard._LinearPool) decides as httpcore's own pool does.

`_LinearPool` replaces httpcore's quadratic bookkeeping pass with a linear one. These tests put the
same connections (in every mix of closed, expired, idle, busy, origin) and the same queued requests
into both pools and compare what each closes, keeps, creates and assigns; then a real loopback
server answers more concurrent fetches than the pool has connections.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

import httpcore
import pytest
from httpserver import connection_counting_server

from monitor.fetch import Fetcher, FetchPolicy, FetchRequest
from monitor.netguard import _LinearPool

ORIGINS = ["http://a.test", "http://b.test", "https://c.test"]


@dataclass(eq=False)
class Conn:
    """A connection's state as the pool's bookkeeping reads it (no socket: only the pass is tested)."""

    label: str
    origin: httpcore.Origin
    closed: bool = False
    expired: bool = False
    idle: bool = False
    available: bool = False

    def is_closed(self) -> bool:
        return self.closed

    def has_expired(self) -> bool:
        return self.expired

    def is_idle(self) -> bool:
        return self.idle

    def is_available(self) -> bool:
        return self.available

    def can_handle_request(self, origin: httpcore.Origin) -> bool:
        return origin == self.origin


def _origin(url: str) -> httpcore.Origin:
    return httpcore.URL(url).origin


def _pool(cls: type[httpcore.AsyncConnectionPool], max_connections: int, keepalive: int) -> httpcore.AsyncConnectionPool:
    class Pool(cls):  # type: ignore[misc, valid-type]
        created = 0

        def create_connection(self, origin: httpcore.Origin) -> Conn:  # type: ignore[override]
            Pool.created += 1
            return Conn(f"new{Pool.created}", origin)

    return Pool(max_connections=max_connections, max_keepalive_connections=keepalive)


def _state(rng: random.Random) -> tuple[list[dict[str, object]], list[str], int, int]:
    conns = []
    for i in range(rng.randint(0, 12)):
        idle = rng.random() < 0.5
        conns.append(
            {
                "label": f"c{i}",
                "origin": _origin(rng.choice(ORIGINS)),
                "closed": rng.random() < 0.15,
                "expired": rng.random() < 0.15,
                "idle": idle,
                "available": idle and rng.random() < 0.8,
            }
        )
    requests = [rng.choice(ORIGINS) + "/p" for _ in range(rng.randint(0, 6))]
    max_connections = rng.randint(1, 14)
    return conns, requests, max_connections, rng.randint(0, max_connections)


def _run_pass(pool: httpcore.AsyncConnectionPool, conns: list[dict[str, object]], urls: list[str]) -> tuple:
    pool._connections = [Conn(**c) for c in conns]  # type: ignore[arg-type]
    pool._requests = [httpcore._async.connection_pool.AsyncPoolRequest(httpcore.Request("GET", u)) for u in urls]
    closing = pool._assign_requests_to_connections()
    return (
        [c.label for c in closing],
        [c.label for c in pool._connections],
        [r.connection.label if r.connection else None for r in pool._requests],  # type: ignore[attr-defined]
    )


def test_linear_pool_decides_as_httpcore_does() -> None:
    async def run() -> int:
        rng = random.Random(9)
        differing_states = 0
        for _ in range(3000):
            conns, urls, max_connections, keepalive = _state(rng)
            ours = _run_pass(_pool(_LinearPool, max_connections, keepalive), conns, urls)
            theirs = _run_pass(_pool(httpcore.AsyncConnectionPool, max_connections, keepalive), conns, urls)
            assert ours == theirs, (conns, urls, max_connections, keepalive)
            differing_states += ours[0] != [] and any(ours[2])
        return differing_states

    # The random states reach the interesting cases: connections closed and requests assigned at once.
    assert asyncio.run(run()) > 100


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
