"""Structured logging: JSON lines when not on a terminal (for journald, Docker and log shippers),
readable lines on a terminal. Fields passed as `extra={...}` appear in both.

Every line has the password of any URL in it masked (`monitor.secrets.hide_passwords`): a watched
URL or a fetch error naming it may be logged from anywhere, by us or a library."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from monitor.secrets import hide_passwords

# Attributes every LogRecord has; anything else came from `extra=` and is worth printing.
# uvicorn passes `color_message`, its message again with terminal colour codes: not a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


def _extras(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update(_extras(record))
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return hide_passwords(json.dumps(out, ensure_ascii=False, default=str))


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        fields = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        line = f"{ts} {record.levelname:<7} {record.getMessage()}" + (f"  {fields}" if fields else "")
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return hide_passwords(line)


def setup_logging(level: str = "info", fmt: str = "auto", stream=None) -> None:
    stream = stream or sys.stderr
    use_json = fmt == "json" or (fmt == "auto" and not stream.isatty())
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if use_json else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Third-party chatter (HTTP client lines, APScheduler job lines) only when debugging.
    quiet = logging.DEBUG if level == "debug" else logging.WARNING
    for name in ("aiohttp", "httpx", "httpcore", "apscheduler", "apprise", "alembic", "urllib3"):
        logging.getLogger(name).setLevel(quiet)
    # A busy machine delays the heartbeat and outbox jobs by a second or two; APScheduler warns of
    # each ("missed by", "maximum number of running instances"). Our jobs catch and log their own
    # errors, so its warnings are noise outside debugging.
    if level != "debug":
        logging.getLogger("apscheduler").setLevel(logging.ERROR)
