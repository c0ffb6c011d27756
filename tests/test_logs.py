"""Log lines: fields passed with `extra=` are printed, what a library adds for its own terminal is not."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from httpserver import LocalHTTPServer, Response
from policies import SECTIONS

from monitor.logs import JsonFormatter, TextFormatter


def _record(**extra: object) -> logging.LogRecord:
    record = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, "Started server process [%d]", (42,), None)
    for k, v in extra.items():
        setattr(record, k, v)
    return record


def test_fields_from_extra_are_printed_and_uvicorns_colour_copy_is_not() -> None:
    record = _record(color_message="Started server process [\x1b[36m%d\x1b[0m]", watch="Acme")
    text = TextFormatter().format(record)
    assert text.endswith("Started server process [42]  watch=Acme"), text
    assert "color_message" not in text and "\x1b" not in text
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "Started server process [42]" and line["watch"] == "Acme"
    assert "color_message" not in line


def test_a_password_in_a_url_is_masked_in_every_log_line() -> None:
    # From anywhere: our message, an `extra` field, a library's exception text.
    record = logging.LogRecord(
        "monitor.fetch", logging.WARNING, __file__, 1, "fetch of %s failed", ("http://u:hunter2@h/p",), None
    )
    record.url = "https://bob:literalpw4@example.org/privacy"
    try:
        raise ValueError("cannot connect to http://carol:deadpw99@127.0.0.1:9/x")
    except ValueError:
        record.exc_info = sys.exc_info()
    for text in (TextFormatter().format(record), JsonFormatter().format(record)):
        for secret in ("hunter2", "literalpw4", "deadpw99"):
            assert secret not in text, text
        assert "http://u:****@h/p" in text and "https://bob:****@example.org/privacy" in text
    line = json.loads(JsonFormatter().format(record))
    assert line["url"] == "https://bob:****@example.org/privacy" and "carol:****@127.0.0.1:9/x" in line["exc"]


def _pdf_with_a_wrong_startxref() -> bytes:
    """A readable PDF whose `startxref` points a few bytes off: pypdf reads it, and warns."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    y = 800
    for heading, text in SECTIONS.items():
        c.drawString(50, y, heading)
        words = text.split()
        for start in range(0, len(words), 12):
            y -= 14
            c.drawString(50, y, " ".join(words[start : start + 12]))
        y -= 24
    c.save()
    data = buf.getvalue()
    m = re.search(rb"startxref\s+(\d+)", data)
    assert m is not None
    return data[: m.start(1)] + str(int(m.group(1)) + 7).encode() + data[m.end(1) :]


@pytest.mark.parametrize("workers", [0, 2], ids=["in-process", "pool"])
def test_pypdf_warnings_are_quiet_at_the_default_level(http_server: LocalHTTPServer, tmp_path: Path, workers: int) -> None:
    # A fresh user's find: each check of a slightly damaged PDF printed pypdf's repair notes
    # ("incorrect startxref pointer(3)"), in the pool's workers as bare lines on stderr.
    http_server.route("/notice.pdf", Response(200, _pdf_with_a_wrong_startxref(), {"Content-Type": "application/pdf"}))
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f"[fetch]\nallow_private_addresses = true\nworkers = {workers}\n[defaults]\nretries = 0\njitter = 0\n"
        f'[log]\nformat = "json"\n[[watches]]\nname = "Quillon"\nurl = "{http_server.url("/notice.pdf")}"\n',
        "utf-8",
    )

    def check(db: str, *level: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "monitor", "--config", str(cfg), "--database", f"sqlite:///{tmp_path}/{db}",
             *level, "check"],
            capture_output=True, text=True, timeout=180, cwd=tmp_path, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        assert proc.returncode == 0 and proc.stdout == "Quillon: first\n", (proc.stdout, proc.stderr)
        return proc

    quiet = check("a.db")
    assert "startxref" not in quiet.stderr and "Object Streams" not in quiet.stderr, quiet.stderr
    if workers == 0:  # the pool's workers log nothing at any level; in-process, debug shows them
        loud = check("b.db", "--log-level", "debug")
        notes = [json.loads(line) for line in loud.stderr.splitlines() if "startxref" in line]
        assert notes and all(n["level"] == "debug" for n in notes), loud.stderr
