"""Real local receivers for alert tests: an SMTP server (aiosmtpd) and a webhook server (http.server).

Both listen on 127.0.0.1 only, on ephemeral ports, and record what they receive so tests can assert
on the message a real client delivered. Import the fixtures into a test module (or a conftest.py):

    from receivers import smtp_server, webhook  # noqa: F401
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


def free_port() -> int:
    # aiosmtpd's Controller connects to its own port to know it is up, so it cannot bind port 0.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Any, timeout: float = 5.0) -> bool:
    """Poll `predicate` until it is true or `timeout` seconds pass (servers record on their own thread)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


# -- SMTP ------------------------------------------------------------------------------------------


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        msg = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        return msg

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def body(self, subtype: str = "html") -> str:
        part = self.message.get_body(preferencelist=(subtype,))
        return part.get_content() if part is not None else ""

    def attachments(self) -> dict[str, bytes]:
        return {
            str(part.get_filename()): part.get_payload(decode=True)
            for part in self.message.iter_attachments()
        }


@dataclass
class SMTPReceiver:
    host: str
    port: int
    messages: list[ReceivedMail] = field(default_factory=list)

    def url(self, to: str = "legal@example.com", frm: str = "monitor@example.com") -> str:
        # No STARTTLS, no login: a plain local SMTP server.
        return f"mailto://{self.host}:{self.port}?mode=insecure&from={frm}&to={to}"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd)
        self.messages.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[SMTPReceiver]:
    from aiosmtpd.controller import Controller

    receiver = SMTPReceiver("127.0.0.1", free_port())
    controller = Controller(receiver, hostname=receiver.host, port=receiver.port)
    controller.start()
    try:
        yield receiver
    finally:
        controller.stop()


# -- webhook ---------------------------------------------------------------------------------------


@dataclass
class ReceivedPost:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    """Records every POST. `fail_next` answers that many requests with `fail_status` first (a receiver
    that is down or broken); `stop()`/`start()` close and reopen the same port (connection refused).
    `delay` seconds pass between receiving a request and answering it (a slow receiver that does
    accept); `received` logs every request, accepted or not."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        self.posts: list[ReceivedPost] = []  # accepted (2xx) requests only
        self.received: list[ReceivedPost] = []  # every request, in arrival order
        self.delay = 0.0
        self.attempts = 0  # every request, accepted or not
        self.fail_next = 0
        self.fail_status = 500
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def url(self, path: str = "/hook", scheme: str = "json") -> str:
        return f"{scheme}://{self.host}:{self.port}{path}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.received.append(ReceivedPost(self.path, dict(self.headers.items()), body))
                    receiver.attempts += 1
                    failing = receiver.fail_next > 0
                    if failing:
                        receiver.fail_next -= 1
                    else:
                        receiver.posts.append(ReceivedPost(self.path, dict(self.headers.items()), body))
                status = receiver.fail_status if failing else 200
                if receiver.delay:
                    time.sleep(receiver.delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender stopped waiting (its read timeout): what slow-receiver tests are about

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        return Handler

    def start(self) -> None:
        self._server = ThreadingHTTPServer((self.host, self.port), self._handler())
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()
