"""Checks of single config values that are not watch names or schedules: request headers, tags.

A header is checked when the config is loaded, so a value the HTTP client would refuse (a line
break: header injection) is a config error naming the key, not an internal error in every check.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator

# RFC 9110 5.1: a field name is a token; a value is visible characters, spaces and tabs.
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_HEADER_BAD = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def check_header_value(value: str) -> str:
    """A request header value as sent. Raises ValueError naming the first control character: a
    line break would end the header and start another (header injection), and the HTTP client
    refuses it only mid-check, as an internal error. The value itself is not quoted (it may be a
    credential)."""
    bad = _HEADER_BAD.search(value)
    if bad:
        raise ValueError(f"{char_label(bad.group())} is not allowed in a header value")
    return value


def check_header(name: str, value: str) -> None:
    """A configured request header: a valid field name and a value `check_header_value` accepts."""
    if not _HEADER_NAME.match(name):
        bad = next((ch for ch in name if not _HEADER_NAME.match(ch)), None)
        why = f"{char_label(bad)} is not allowed in a header name" if bad else "a header name cannot be empty"
        raise ValueError(f"header {name!r}: {why} (letters, digits and !#$%&'*+-.^_`|~ are)")
    try:
        check_header_value(value)
    except ValueError as exc:
        raise ValueError(f"header {name!r}: {exc}") from None


def char_label(ch: str) -> str:
    """'a tab (U+0009)', 'a line break (U+000A)', 'ZERO WIDTH SPACE (U+200B)'."""
    label = {"\t": "a tab", "\n": "a line break", "\r": "a line break"}.get(ch) or unicodedata.name(ch, "")
    return f"{label} (U+{ord(ch):04X})" if label else f"U+{ord(ch):04X}"


def check_tag(tag: str) -> str:
    """A watch tag as written. Raises ValueError for an empty or blank one: it names nothing, and
    no `?tag=` filter of the web view can pick it."""
    if not tag.strip():
        raise ValueError(f"a tag cannot be empty (got {tag!r})")
    return tag


Tag = Annotated[str, AfterValidator(check_tag)]  # a watch's `tags` entry
