"""What the fetcher makes of answers that break HTTP on the wire, from a raw TCP server on 127.0.0.1.

Each fault must end as a plain `FetchResult` whose message says what happened in words an operator
can act on (never the HTTP client's class names), retried when another attempt could help.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from monitor.fetch import Fetcher, FetchPolicy, FetchRequest, FetchResult

FAST = FetchPolicy(backoff_base=0.001, backoff_max=0.01, allow_private_addresses=True)
HTML_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"


class RawServer:
    """Accepts connections on 127.0.0.1 and answers each request with `answer(request_bytes)`, then
    closes the connection. Counts the requests it read."""

    def __init__(self, answer: Callable[[bytes], bytes]) -> None:
        self._answer = answer
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.05)
        self.port = self._sock.getsockname()[1]
        self.requests = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                self.requests += 1
                conn.sendall(self._answer(data))

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._sock.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[[Callable[[bytes], bytes]], RawServer]]:
    servers: list[RawServer] = []

    def start(answer: Callable[[bytes], bytes]) -> RawServer:
        servers.append(RawServer(answer))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def fetch(port: int, retries: int = 0) -> FetchResult:
    async def run() -> FetchResult:
        async with Fetcher(FAST) as fetcher:
            return await fetcher.fetch(FetchRequest(f"http://127.0.0.1:{port}/privacy", timeout=5, retries=retries))

    return asyncio.run(run())


def _no_class_names(message: str | None) -> None:
    assert message and "aiohttp" not in message and "Client" not in message and "Error" not in message, message


def test_a_header_longer_than_8_kb_is_read(raw_server: Callable[..., RawServer]) -> None:
    # Real sites send Content-Security-Policy and Set-Cookie lines of 10-20 KB.
    body = b"<html><body><h1>Privacy</h1></body></html>"
    policy = b"Content-Security-Policy: default-src 'self' " + b"https://cdn.example " * 1000 + b"\r\n"
    server = raw_server(lambda _req: HTML_HEAD + policy + b"Content-Length: %d\r\n\r\n" % len(body) + body)

    result = fetch(server.port)

    assert result.ok and result.text == body.decode(), result.error


def test_a_body_cut_short_is_a_retried_network_error(raw_server: Callable[..., RawServer]) -> None:
    server = raw_server(lambda _req: HTML_HEAD + b"Content-Length: 5000\r\n\r\n<html><body>We keep")

    result = fetch(server.port, retries=2)

    assert not result.ok and result.error_kind == "network" and result.attempts == 3 and server.requests == 3
    assert "cut short" in (result.error or "")
    _no_class_names(result.error)


def test_a_body_that_is_not_the_gzip_it_claims_is_not_retried(raw_server: Callable[..., RawServer]) -> None:
    junk = b"this is not gzip at all, whatever the header says"
    server = raw_server(
        lambda _req: HTML_HEAD + b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(junk) + junk
    )

    result = fetch(server.port, retries=2)

    assert not result.ok and result.error_kind == "network" and result.attempts == 1
    assert (result.error or "").startswith("undecodable response body")


def test_a_good_gzip_body_still_reads(raw_server: Callable[..., RawServer]) -> None:
    packed = gzip.compress(b"<html><body><p>We keep logs for 30 days.</p></body></html>")
    server = raw_server(
        lambda _req: HTML_HEAD + b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(packed) + packed
    )

    assert fetch(server.port).text == "<html><body><p>We keep logs for 30 days.</p></body></html>"


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (b"", "closed the connection without an answer"),
        (b"SSH-2.0-OpenSSH_9.2\r\n", "not valid HTTP"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n", "not valid HTTP"),
    ],
)
def test_no_answer_or_no_http_is_a_retried_network_error(
    raw_server: Callable[..., RawServer], answer: bytes, words: str
) -> None:
    server = raw_server(lambda _req: answer)

    result = fetch(server.port, retries=1)

    assert not result.ok and result.error_kind == "network" and result.attempts == 2
    assert words in (result.error or ""), result.error
    _no_class_names(result.error)


def test_a_body_cut_short_says_how_much_came_in_plain_brackets(raw_server: Callable[..., RawServer]) -> None:
    # aiohttp's own sentence has brackets of its own: "... header (received 19 of 5000 bytes).".
    server = raw_server(lambda _req: HTML_HEAD + b"Content-Length: 5000\r\n\r\n<html><body>We keep")

    result = fetch(server.port)

    assert result.error == "the response body was cut short (19 of 5000 bytes received)", result.error


def test_a_header_line_over_64_kb_is_said_to_be_too_large_not_invalid(raw_server: Callable[..., RawServer]) -> None:
    huge = b"Set-Cookie: session=" + b"a" * 70_000 + b"\r\n"
    server = raw_server(lambda _req: HTML_HEAD + huge + b"Content-Length: 2\r\n\r\nhi")

    result = fetch(server.port)

    assert not result.ok and result.error_kind == "network"
    assert result.error == "the server's response headers are too large (a header line over 64 KB)", result.error
