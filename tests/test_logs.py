"""Log lines: fields passed with `extra=` are printed, what a library adds for its own terminal is not."""

from __future__ import annotations

import json
import logging

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
