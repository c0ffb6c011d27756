"""A real HTTP server on 127.0.0.1 for tests and scripts, with routes settable at runtime.

    with LocalHTTPServer() as server:
        server.route("/policy", Response(body="<html>...</html>", headers={"Content-Type": "text/html"}))
        server.sequence("/flaky", Response(503), Response(503), Response(200, body="ok"))
        fetch(server.url("/policy"))
        assert server.count("/flaky") == 3 and server.max_concurrent <= 2

Run as a script to serve one file until interrupted:
    python tests/httpserver.py policy.html --path /privacy --content-type "text/html; charset=utf-8"
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import ssl
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit


@dataclass
class Response:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (cut short when the server stops)
    chunked: bool = False  # send Transfer-Encoding: chunked instead of Content-Length
    chunk_size: int = 65_536
    chunk_delay: float = 0.0  # pause between chunks: a slow, trickling server
    # Neither Content-Length nor chunked: the body ends when the server closes the connection (HTTP/1.0 style)
    close_delimited: bool = False

    def payload(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str  # includes the query string
    headers: dict[str, str]  # names lower-cased


Handler = Callable[[RequestRecord], Response]


class LocalHTTPServer:
    """Threaded http.server on an ephemeral port; counts requests in flight and logs every request."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, tls: ssl.SSLContext | None = None) -> None:
        self._routes: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self._log: list[RequestRecord] = []
        self._in_flight = 0
        self.max_concurrent = 0
        self._stopping = threading.Event()
        self._httpd = _Server((host, port), _RequestHandler)
        self._httpd.owner = self
        self._scheme = "https" if tls else "http"
        if tls is not None:
            # Handshake in the handler thread, so a client refusing the certificate cannot stall accept().
            self._httpd.socket = tls.wrap_socket(
                self._httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self._thread: threading.Thread | None = None

    # lifecycle -------------------------------------------------------------------------------------
    def start(self) -> LocalHTTPServer:
        # A short poll interval: shutdown() waits for the next poll, and tests stop servers often.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="LocalHTTPServer",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in a delay
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LocalHTTPServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # addresses -------------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"{self._scheme}://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    # routes ----------------------------------------------------------------------------------------
    def route(self, path: str, response: Response | Handler) -> None:
        """Set or replace what `path` answers: a fixed Response or a callable per request."""
        handler = response if callable(response) else (lambda _request, r=response: r)
        with self._lock:
            self._routes[path] = handler

    def sequence(self, path: str, *responses: Response) -> None:
        """Answer `path` with these responses in order; the last one repeats."""
        queue: Iterator[Response] = itertools.chain(responses, itertools.repeat(responses[-1]))
        lock = threading.Lock()

        def next_response(_request: RequestRecord) -> Response:
            with lock:
                return next(queue)

        self.route(path, next_response)

    def clear(self) -> None:
        """Forget routes, the request log and the concurrency high-water mark."""
        with self._lock:
            self._routes.clear()
            self._log.clear()
            self.max_concurrent = 0

    # observations ----------------------------------------------------------------------------------
    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._log)

    def count(self, path: str | None = None) -> int:
        return sum(1 for r in self.requests if path is None or urlsplit(r.path).path == path)

    # called from handler threads -------------------------------------------------------------------
    def _begin(self, record: RequestRecord) -> Handler | None:
        with self._lock:
            self._log.append(record)
            self._in_flight += 1
            self.max_concurrent = max(self.max_concurrent, self._in_flight)
            return self._routes.get(record.path) or self._routes.get(urlsplit(record.path).path)

    def _end(self) -> None:
        with self._lock:
            self._in_flight -= 1


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a handler still sleeping in a delay must not hold up stop()
    owner: LocalHTTPServer

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients that hang up or reject our certificate are what several tests are about: not errors.
        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            super().handle_error(request, client_address)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
    server: _Server

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _serve(self, send_body: bool) -> None:
        owner = self.server.owner
        record = RequestRecord(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
        handler = owner._begin(record)
        try:
            response = (
                handler(record) if handler else Response(404, "not found", {"Content-Type": "text/plain"})
            )
            if response.delay and owner._stopping.wait(response.delay):
                self.close_connection = True
                return
            self._write(response, send_body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (timeout, size limit): expected in tests
        finally:
            owner._end()

    def _write(self, response: Response, send_body: bool) -> None:
        payload = response.payload()
        self.send_response(response.status)
        names = {k.lower() for k in response.headers}
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif response.close_delimited:
            self.send_header("Connection", "close")
            self.close_connection = True
        elif "content-length" not in names:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if not send_body or response.status in (204, 304):
            return
        if not response.chunked:
            self.wfile.write(payload)
            return
        for start in range(0, len(payload), response.chunk_size):
            if start and response.chunk_delay and self.server.owner._stopping.wait(response.chunk_delay):
                return
            chunk = payload[start : start + response.chunk_size]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - signature from the base
        pass  # keep test output clean; the request log is on the server



@contextlib.contextmanager
def connection_counting_server(
    respond: Callable[[BaseHTTPRequestHandler], None],
) -> Iterator[tuple[str, list[int]]]:
    """A keep-alive (HTTP/1.1) server on 127.0.0.1 whose GETs `respond` answers; yields its base URL
    and a one-item list counting the TCP connections it accepted (what connection reuse is judged by)."""
    connections = [0]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            connections[0] += 1
            super().setup()

        def do_GET(self) -> None:  # noqa: N802
            respond(self)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", connections
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve one file on 127.0.0.1 until interrupted.")
    parser.add_argument("file", type=Path)
    parser.add_argument("--path", default="/")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--content-type", default="text/html; charset=utf-8")
    args = parser.parse_args()
    with LocalHTTPServer(port=args.port) as server:
        server.route(
            args.path, lambda _r: Response(200, args.file.read_bytes(), {"Content-Type": args.content_type})
        )
        print(server.url(args.path), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
