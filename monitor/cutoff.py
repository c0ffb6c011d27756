"""A capture cut off at a tag boundary: the HTML stops before its closing </body> and </html>.

`monitor.guard` sees a cut in the extracted text only when it stops mid-sentence; a page cut
between two elements (inside a table, after a paragraph) reads as a policy that lost some sections
and was reported as a change. The markup shows what the text cannot: a page served whole ends
with its closing tags. Judged on the raw body, only for a capture whose document differs from the
current version (the unchanged and 304 paths never get here):

- relative: the current version's raw body had a closing </body> or </html> and the new one has
  neither. A site that changes its template to omit them (HTML allows it) is not refused for
  good: the problem is relative, so identical captures are accepted as for any other cut.
- alone (first version, or no raw body kept for the current one): only when the response was
  delimited by the server closing the connection (no Content-Length, not chunked: the one way an
  answer can stop early without the client noticing) and the page opened with <html> or <body>
  yet closes neither. Real pages that omit the optional end tags are rare, and rarer still on
  servers that do not say how long their answer is; such a page, served the same each time, is
  still accepted after identical captures.

The closing tags are looked for anywhere in the body, not only at its very end: hosting services
and CDNs inject scripts after </html>, and a page that carries them is whole.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from monitor.charset import HTML_TYPES
from monitor.fetch import FetchResult
from monitor.guard import Problem
from monitor.store import RawBody, Version

_CLOSING = re.compile(r"</(?:body|html)\s*>", re.IGNORECASE)
_CLOSING_B = re.compile(rb"</(?:body|html)\s*>", re.IGNORECASE)
_OPENING = re.compile(r"<(?:html|body)[\s>/]", re.IGNORECASE)
_OPENING_B = re.compile(rb"<(?:html|body)[\s>/]", re.IGNORECASE)

CUT_AT_TAG = "the page ends before its closing </html> (cut off?)"
CUT_AT_CLOSE = (
    "the page ends before its closing </html>, and the server ended the connection without saying "
    "how long the page is (cut off?)"
)


def closes(body: str | bytes) -> bool:
    """Whether an HTML body has its closing </body> or </html> tag."""
    pattern = _CLOSING_B if isinstance(body, bytes) else _CLOSING
    return pattern.search(body) is not None  # type: ignore[arg-type]


def opens(body: str | bytes) -> bool:
    """Whether an HTML body opens with an <html> or <body> tag (a whole document, not a fragment)."""
    pattern = _OPENING_B if isinstance(body, bytes) else _OPENING
    return pattern.search(body) is not None  # type: ignore[arg-type]


def _html(media_type: str | None) -> bool:
    return (media_type or "text/html").split(";")[0].strip().lower() in HTML_TYPES


def _body(result: FetchResult) -> str | bytes:
    # The decoded text when there is one: the bytes of a UTF-16 page hold no ASCII "</html>".
    return result.text if result.text is not None else (result.body or b"")


def cut_alone(result: FetchResult) -> Problem | None:
    """The problem of a page judged without an earlier raw body (see the module's docstring)."""
    if not result.close_delimited or not _html(result.media_type):
        return None
    body = _body(result)
    if closes(body) or not opens(body):
        return None
    return Problem(CUT_AT_CLOSE, relative=True)


def cut_off(s: Session, cur: Version | None, result: FetchResult) -> Problem | None:
    """Whether the fetched page (whose document differs from the current version `cur`) was cut
    off before its closing tags, judged against `cur`'s raw body when one is kept (one row read and
    decompressed: only on this, the changed path)."""
    if not _html(result.media_type) or closes(_body(result)):
        return None
    rb = s.get(RawBody, cur.raw_body_id) if cur is not None and cur.raw_body_id is not None else None
    if rb is None or not _html(rb.media_type):
        return cut_alone(result)
    return Problem(CUT_AT_TAG, relative=True) if closes(rb.body) else None
