"""Helpers for tests with several worker processes on one database: a loopback site of many small
policies, a config for it, and starting processes at the same instant."""

from __future__ import annotations

from pathlib import Path

from httpserver import LocalHTTPServer, Response
from policies import policy_html

HTML = {"Content-Type": "text/html; charset=utf-8"}


def serve_policies(server: LocalHTTPServer, count: int, delay: float = 0.0) -> dict[str, str]:
    """Serve `count` distinct small policies; {watch name: URL}."""
    base = policy_html()
    watches = {}
    for i in range(count):
        body = base.replace("</h1>", f" (edition {i})</h1>", 1)
        server.route(f"/p{i}", Response(200, body, HTML, delay=delay))
        watches[f"policy {i:04d}"] = server.url(f"/p{i}")
    return watches


def write_config(path: Path, db: str, watches: dict[str, str], *, lease: str = "15m", extra: str = "") -> Path:
    body = "".join(f'[[watches]]\nname = "{n}"\nurl = "{u}"\n' for n, u in watches.items())
    path.write_text(
        f'[database]\nurl = "{db}"\nlease = "{lease}"\n'
        "[fetch]\nallow_private_addresses = true\nconcurrency = 8\nper_host = 8\n"
        '[defaults]\ninterval = "1h"\njitter = 0\nretries = 0\ntimeout = 30\n'
        f'{body}{extra}[log]\nformat = "json"\n',
        "utf-8",
    )
    return path
