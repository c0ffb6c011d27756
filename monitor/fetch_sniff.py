"""What a response's bytes and headers say before the fetcher reads them as a policy: the type of an
untyped body, and how long a Retry-After asks to wait. Pure functions, kept apart from the fetcher's
connection handling (monitor.fetch re-exports them)."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime

from monitor.charset import bom_encoding

_BINARY_MAGIC = (
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"RIFF",
    b"\x00\x00\x01\x00",
)
def sniff_media_type(body: bytes) -> str:
    """Guess the type of an untyped body: PDF, HTML, or plain text; octet-stream when binary."""
    head = body[:1024]
    bom = bom_encoding(head)
    if bom is not None:
        head = head.decode(bom, errors="replace").encode("ascii", errors="replace")
    stripped = head.lstrip()
    if stripped.startswith(b"%PDF-"):
        return "application/pdf"
    lowered = stripped.lower()
    if lowered.startswith(b"<!doctype html") or b"<html" in lowered:
        return "text/html"
    if head.startswith(_BINARY_MAGIC) or b"\x00" in head:
        return "application/octet-stream"
    return "text/plain"


# The longest wait a server's Retry-After can impose (seconds): a site asking for years ("Retry-After:
# 999999999999", a date in 9999) must not stop its own checks for good, nor overflow a date.
RETRY_AFTER_MAX = 7 * 86400.0


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent/invalid."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), RETRY_AFTER_MAX)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(RETRY_AFTER_MAX, max(0.0, (when - (now or datetime.now(UTC))).total_seconds()))
