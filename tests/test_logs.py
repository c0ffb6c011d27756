"""Log lines: fields passed with `extra=` are printed, what a library adds for its own terminal is not."""

from __future__ import annotations

import json
import logging
import sys

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
