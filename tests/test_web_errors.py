"""A page that fails inside the web view answers the same HTML error page as a 404 (no traceback,
nothing of the failure in it); the API answers JSON. Against a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path

import httpx

from monitor.config import parse_config
from monitor.store import Store
from monitor.web import BackgroundServer
from monitor.web.errors import AnsweredErrors

BODY = "internal error (see the server log)"


def _config(db_url: str):
    return parse_config(
        {"database": {"url": db_url}, "watches": [{"name": "Thistledown", "url": "http://127.0.0.1:9/privacy"}]}
    )


def _page_frame(text: str) -> str:
    """The page with its code, message and time left out: what every error page shares."""
    text = re.sub(r"<h1>\d+</h1>", "<h1>CODE</h1>", text)
    text = re.sub(r'<div class="card">.*?</div>', "MESSAGE", text, flags=re.S)
    text = re.sub(r"<title>\d+ ", "<title>CODE ", text)
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "TIME", text)


def test_a_failing_page_answers_the_html_error_page_not_plain_text(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/m.db"
    store = Store(db_url)
    try:
        with BackgroundServer(_config(db_url), store, "127.0.0.1:0") as web:
            missing = httpx.get(web.url + "no-such-page", timeout=30)
            with sqlite3.connect(tmp_path / "m.db") as conn:
                conn.execute("DROP TABLE checks")
            page = httpx.get(web.url, timeout=30)
            api = httpx.get(web.url + "api/watches", timeout=30)
    finally:
        store.close()
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html"), page.text
    assert "<h1>500</h1>" in page.text and f'<div class="card">{BODY}</div>' in page.text
    assert "<title>500 · policy-monitor</title>" in page.text
    assert "Traceback" not in page.text and "checks" not in page.text and "OperationalError" not in page.text
    assert _page_frame(page.text) == _page_frame(missing.text)
    assert api.status_code == 500 and api.json() == {"error": BODY}


def test_an_error_outside_the_app_answers_the_same_page() -> None:
    """AnsweredErrors, outside Starlette's own layers, answers with the error page it is given;
    if that page fails too, with plain text."""

    async def failing(scope: object, receive: object, send: object) -> None:
        raise RuntimeError("boom in a middleware")

    def page(scope: object, code: int, message: str) -> object:
        from starlette.responses import HTMLResponse

        return HTMLResponse(f"<h1>{code}</h1><p>{message}</p>", status_code=code)

    def broken_page(scope: object, code: int, message: str) -> object:
        raise ValueError("template missing")

    def answer(error_page: object, path: str = "/") -> tuple[int, str, bytes]:
        sent: list[dict] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": b""}

        async def send(message: dict) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "headers": []}
        asyncio.run(AnsweredErrors(failing, error_page)(scope, receive, send))  # type: ignore[arg-type]
        headers = dict(sent[0]["headers"])
        return sent[0]["status"], headers[b"content-type"].decode(), b"".join(m.get("body", b"") for m in sent[1:])

    status, kind, body = answer(page)
    assert (status, kind.split(";")[0], body) == (500, "text/html", f"<h1>500</h1><p>{BODY}</p>".encode())
    status, kind, body = answer(broken_page)
    assert (status, kind.split(";")[0], body) == (500, "text/plain", BODY.encode())
    status, kind, body = answer(page, "/api/watches")
    assert (status, kind, body) == (500, "application/json", b'{"error":"internal error (see the server log)"}')
