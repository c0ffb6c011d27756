"""PDF -> `Document`: pypdf reads the text of each page; running headers, footers and page numbers
are dropped, ligatures and other compatibility forms folded, and the text read as plain text
(`monitor.extract.text`) with words broken at line ends joined again.
"""

from __future__ import annotations

import io
import logging
import re

from monitor.document import Document, clean_text
from monitor.extract.common import ExtractError
from monitor.extract.text import extract_plain
from monitor.extract_bounds import TIME_BUDGET, Deadline
from monitor.extract_pdf_text import fold_pdf_text

log = logging.getLogger(__name__)


class _PypdfNotes(logging.Handler):
    """pypdf's warnings ("incorrect startxref pointer(3)", "parsing for Object Streams") are notes
    on a repair it made to read a damaged file, not problems of ours: re-logged here at debug level.
    A handler on the "pypdf" logger, not a level set once in `monitor.logs.setup_logging`: the
    pool's workers set up no logging, and there Python's last-resort handler printed each note as
    a bare line on stderr. Its errors stay errors."""

    def emit(self, record: logging.LogRecord) -> None:
        level = record.levelno if record.levelno >= logging.ERROR else logging.DEBUG
        log.log(level, "pypdf: %s", record.getMessage())


_pypdf_log = logging.getLogger("pypdf")
if not any(isinstance(h, _PypdfNotes) for h in _pypdf_log.handlers):
    _pypdf_log.addHandler(_PypdfNotes())
    _pypdf_log.propagate = False

_PAGE_NUMBER = re.compile(r"^(?:page\s*)?#(?:\s*(?:of|/)\s*#)?$|^[-–—]\s*#\s*[-–—]$", re.IGNORECASE)


def _line_key(line: str) -> str:
    return re.sub(r"\d+", "#", clean_text(line).lower())


def _strip_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Drop running headers/footers (same line at a page edge on most pages) and page numbers."""
    edge_counts: dict[str, int] = {}
    middle: set[str] = set()  # a line also found mid-page is text, however often it repeats
    for lines in pages:
        for key in {_line_key(x) for x in lines[:2] + lines[-2:]}:
            edge_counts[key] = edge_counts.get(key, 0) + 1
        middle.update(_line_key(x) for x in lines[2:-2])
    needed = max(2, (len(pages) + 1) // 2)
    repeated = (
        {k for k, n in edge_counts.items() if n >= needed and k not in middle} if len(pages) > 1 else set()
    )

    def furniture(line: str) -> bool:
        key = _line_key(line)
        return key in repeated or bool(_PAGE_NUMBER.match(key))

    cleaned = []
    for lines in pages:
        lines = list(lines)
        for _ in range(3):  # peel a few lines at each edge, never the page's middle
            if lines and furniture(lines[0]):
                lines.pop(0)
            if lines and furniture(lines[-1]):
                lines.pop()
        cleaned.append(lines)
    return cleaned


def extract_pdf(data: bytes, *, time_budget: float | None = TIME_BUDGET) -> Document:
    """PDF bytes -> Document. Raises ExtractError for an unreadable or text-less PDF, or when reading
    its pages takes longer than `time_budget` seconds (checked between pages)."""
    from pypdf import PdfReader

    deadline = Deadline(time_budget, ExtractError, every=1)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")
        texts = []
        for page in reader.pages:
            deadline.check()
            texts.append(page.extract_text() or "")
    except ExtractError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged input; all mean the same here
        raise ExtractError(f"unreadable PDF: {exc}") from exc
    texts = [fold_pdf_text(t) for t in texts]  # ligatures and other compatibility forms
    pages = [[x for x in t.replace("\r", "\n").split("\n") if clean_text(x)] for t in texts]
    if not any(pages):
        raise ExtractError("the PDF has no extractable text (a scanned image?)")
    pages = _strip_page_furniture(pages)
    return extract_plain("\n".join("\n".join(lines) for lines in pages), pdf=True)

