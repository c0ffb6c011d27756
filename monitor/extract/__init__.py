"""Turn a fetched page (HTML, plain text, markdown, PDF) into a `Document`.

Every format ends in the same `DocumentBuilder`, so they give the same shape. The promise that
matters most: two captures of the same policy text give the same Document (same `content_hash()`)
whatever the page around it did: menus, footers, cookie banners, scripts, inline styles, tracking
parameters on links and Cloudflare-obfuscated e-mail addresses are all taken out here.

One module per format: `html` (on lxml's parser, `monitor.extract_tree`), `text`, `markdown`, `pdf`; `common`
holds what they share (links, events -> Document, the error type and `EXTRACTOR_VERSION`). This
module dispatches on the media type.

Extraction is pure: no network, same input -> same output. Bump `EXTRACTOR_VERSION` whenever the
output for a given input changes, so stored versions can be re-derived without alerting. The only
use of the clock is the time budget of `extract_html` (`monitor.extract_bounds`): a page that
takes longer to read raises ExtractError; a page that finishes reads the same whatever the budget.
"""

from __future__ import annotations

import os
from pathlib import Path

from monitor.document import Document
from monitor.extract.common import (
    BOLD_LEVEL,
    EXTRACTOR_VERSION,
    Event,
    ExtractError,
    bold_may_be_heading,
    clean_url,
    decode_cf_email,
    format_link,
)
from monitor.extract.markdown import extract_markdown
from monitor.extract.pdf import extract_pdf
from monitor.extract.text import extract_text

__all__ = [
    "BOLD_LEVEL",
    "EXTRACTOR_VERSION",
    "Event",
    "ExtractError",
    "bold_may_be_heading",
    "clean_url",
    "decode_cf_email",
    "decode_text",
    "extract",
    "extract_file",
    "extract_html",
    "extract_markdown",
    "extract_pdf",
    "extract_text",
    "format_link",
    "media_type_for_path",
]


def __getattr__(name: str) -> object:
    # The HTML extractor (lxml and the tree walkers, ~5 MB) is imported on first use: a checking
    # process whose pool workers extract never needs it (they import it in their forkserver).
    if name == "extract_html":
        from monitor.extract.html import extract_html

        return extract_html
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_MARKDOWN_TYPES = frozenset({"text/markdown", "text/x-markdown"})
_SUFFIXES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".txt": "text/plain",
    ".pdf": "application/pdf",
}


def decode_text(body: bytes | str) -> str:
    """UTF-8 (with or without BOM), else whatever charset_normalizer finds most plausible."""
    if isinstance(body, str):
        return body
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(body).best()
    if best is None:
        raise ExtractError("the body is not text in any encoding charset_normalizer recognises")
    return str(best)


def extract(
    body: bytes | str, content_type: str, *, select: list[str] | None = None, remove: list[str] | None = None
) -> Document:
    """Dispatch on the media type. `select`/`remove` only mean something for HTML and are ignored
    for the other types (a watch's page may turn into a PDF without its config changing)."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/pdf":
        if isinstance(body, str):
            raise ExtractError("a PDF body must be bytes, not an already-decoded str")
        return extract_pdf(body)
    if media_type in _HTML_TYPES:
        from monitor.extract.html import extract_html

        return extract_html(decode_text(body), select=select, remove=remove)
    if media_type in _MARKDOWN_TYPES:
        return extract_markdown(decode_text(body))
    if media_type == "text/plain":
        return extract_text(decode_text(body))
    raise ExtractError(f"unsupported content type {content_type!r}")


def media_type_for_path(path: str | os.PathLike[str]) -> str:
    suffix = Path(path).suffix.lower()
    try:
        return _SUFFIXES[suffix]
    except KeyError:
        raise ExtractError(
            f"cannot tell the type of {os.fspath(path)!r} from its suffix {suffix!r} "
            f"(known: {', '.join(sorted(_SUFFIXES))})"
        ) from None


def extract_file(path: str | os.PathLike[str]) -> Document:
    """The Document of a file, its type told by its suffix. Raises ExtractError for a directory,
    an unknown suffix or a body that is not the type it claims; OSError when it cannot be read."""
    if Path(path).is_dir():
        raise ExtractError(f"{os.fspath(path)!r} is a directory, not a file")
    media_type = media_type_for_path(path)
    return extract(Path(path).read_bytes(), media_type)
