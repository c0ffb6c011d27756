"""Plain text (and the text of a PDF) -> `Document`.

Plain text has no markup: hard-wrapped paragraphs are re-joined (`_logical_lines`), menus around the
policy are cut off (`_find_body`), and headings are inferred from numbering, ALL CAPS, Article
lines and short lines before body text (`TextStructurer`). `extract_plain(text, pdf=True)` is the
PDF reader's second half (`monitor.extract.pdf`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.document import Document, clean_text
from monitor.extract.common import SENTENCE_END, Event, build
from monitor.extract_pdf_text import Dehyphenator

_BULLET = re.compile(
    r"^(?P<marker>[-*•●◦▪▫■□–·]|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)]|\(?(?:i{1,3}|iv|v|vi{1,3}|ix|x)[.)])\s+(?P<text>\S.*)$"
)
_NUMBERED_HEADING = re.compile(r"^(?P<num>\d{1,2}\.(?:\d{1,2}\.?)*)\s+(?P<text>\S.*)$")
_ARTICLE = re.compile(r"^(?P<word>article|section|chapter|part|art\.)\s+[\dIVXLC]+\b", re.IGNORECASE)
_TERMINAL = re.compile(r"[.!?;:,]$")
_TITLE_WORDS = re.compile(
    r"privacy|policy|statement|notice|terms|cookie|data protection|datenschutz|confidentialit|privacidad",
    re.IGNORECASE,
)


@dataclass
class Unit:
    """One logical line: a hard-wrapped paragraph re-joined, or a single line."""

    text: str
    indent: int


def _words(text: str) -> int:
    return len(text.split())


def _is_bullet(text: str) -> bool:
    return bool(_BULLET.match(text)) and not _numbered_heading_text(text)


def _numbered_heading_text(text: str) -> bool:
    m = _NUMBERED_HEADING.match(text)
    if not m:
        return False
    rest = m.group("text")
    return _words(rest) <= 15 and len(rest) <= 100 and not SENTENCE_END.search(rest) and rest[0].isupper()


def _is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters) and _words(text) <= 15 and len(text) <= 100


def _heading_like(text: str) -> bool:
    """Lines that must never be glued onto the line before them."""
    return _is_bullet(text) or _numbered_heading_text(text) or _is_caps(text) or _article_heading(text)


def _article_heading(text: str) -> bool:
    """ "Article 3 - Retention", not a sentence that starts with "Article 20(1) of the GDPR ..."."""
    return bool(_ARTICLE.match(text)) and _words(text) <= 12 and not _TERMINAL.search(text)


def _logical_lines(text: str, *, pdf: bool = False) -> list[Unit]:
    lines = [x.expandtabs(4).rstrip() for x in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    width = None if pdf else _wrap_width([clean_text(x) for x in lines])
    dehyphenator = Dehyphenator([clean_text(x) for x in lines]) if pdf else None
    units: list[Unit] = []
    group: list[str] = []
    for line in [*lines, ""]:
        if clean_text(line):
            group.append(line)
            continue
        units.extend(_join_group(group, pdf, width, dehyphenator))
        group = []
    return units


def _wrap_width(lines: list[str]) -> int | None:
    """The column the text was hard-wrapped at, or None. A line wrapped at width W is at most W long
    and its next word would not have fitted: W is where most line pairs agree."""
    votes: dict[int, int] = {}
    for a, b in zip(lines, lines[1:], strict=False):
        if not a or not b or len(a) > 150 or len(b) > 150:
            continue
        for w in range(max(len(a), 30), min(len(a) + 1 + len(b.split()[0]), 151)):
            votes[w] = votes.get(w, 0) + 1
    if not votes:
        return None
    width, count = max(votes.items(), key=lambda kv: (kv[1], kv[0]))
    return width if count >= 2 else None  # one pair agreeing is a coincidence


def _join_group(
    group: list[str], pdf: bool, wrap_width: int | None, dehyphenator: Dehyphenator | None = None
) -> list[Unit]:
    """Re-join the hard-wrapped lines of one blank-line-separated group. With a `dehyphenator`
    (PDF), a word the typesetter broke at a line end loses its hyphen; a compound keeps it."""
    if not group:
        return []
    width = max(len(clean_text(line)) for line in group) if pdf else wrap_width
    wrapped = width is not None and 30 <= width <= 150
    units: list[Unit] = []
    prev = ""
    for k, line in enumerate(group):
        stripped = clean_text(line)
        indent = len(line) - len(line.lstrip())
        nxt = clean_text(group[k + 1]) if k + 1 < len(group) else ""
        if units and wrapped and not _starts_records(prev, stripped, nxt) and _continues(
            prev, stripped, width or 0, pdf
        ):
            joined = units[-1].text
            rejoined = dehyphenator.join(joined, stripped) if dehyphenator else None
            if rejoined is not None:
                units[-1].text = rejoined
            elif re.search(r"[^\W\d_]-$", joined) and stripped[:1].isalpha():
                units[-1].text = joined + stripped  # a word broken at its hyphen
            else:
                units[-1].text = joined + " " + stripped
        else:
            units.append(Unit(stripped, indent))
        prev = stripped
    return units


_LABEL = re.compile(r"^[^\W\d_][^:.!?]{0,40}:\s")  # "Usage events: 24 months", a record's label


def _is_record(text: str) -> bool:
    m = _LABEL.match(text)
    return bool(m) and text[:1].isupper() and _words(m.group(0)) <= 4


def _starts_records(prev: str, line: str, nxt: str) -> bool:
    """Consecutive "Label: value" lines are records (a table flattened to text), never one wrapped
    paragraph: `line` is one when it and a neighbour are, and `prev` is a record or ends a sentence."""
    if not _is_record(line):
        return False
    return _is_record(prev) or (_is_record(nxt) and bool(re.search(r"[.!?:]$", prev)))


def _continues(prev: str, line: str, width: int, pdf: bool) -> bool:
    if _heading_like(line):
        return False
    if _is_caps(prev) or _numbered_heading_text(prev):
        return False
    if not pdf and (len(prev) > width or len(line) > width):
        return False  # a line longer than the wrap width was never wrapped at it
    if line[:1].islower() and not re.search(r"[.!?:]$", prev):
        return True
    if len(prev) < 0.6 * width:
        return False
    first_word = line.split()[0]
    # With proportional fonts (PDF) a wrapped line is "long", not exactly as long as the widest.
    fits = len(prev) >= 0.75 * width if pdf else len(prev) + 1 + len(first_word) > width
    if not fits:
        return False
    # A full last line of a paragraph followed by a short heading-looking line: keep them apart.
    short_title = len(line) < 0.6 * width and line[:1].isupper() and not re.search(r"[.,;]$", line)
    return not (re.search(r"[.!?:]$", prev) and short_title)


def _is_prose(text: str) -> bool:
    return _words(text) >= 20 and bool(re.search(r"[.!?:;]", text))


def _is_menu_like(text: str) -> bool:
    return (
        _words(text) <= 8
        and len(text) <= 60
        and not _TERMINAL.search(text)
        and not _is_bullet(text)
        and not _numbered_heading_text(text)
    )


MENU_RUN = 8  # this many short lines in a row is navigation, not policy text


def _find_body(units: list[Unit]) -> list[Unit]:
    """Keep the stretch between menu runs that holds the most prose; give back a trailing title."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        if _is_menu_like(units[i].text):
            j = i
            while j < len(units) and _is_menu_like(units[j].text):
                j += 1
            if j - i >= MENU_RUN:
                runs.append((i, j))
            i = j
        else:
            i += 1
    if not runs:
        return units
    bounds = [0] + [x for run in runs for x in run] + [len(units)]
    segments = [(bounds[k], bounds[k + 1]) for k in range(0, len(bounds), 2)]

    def score(seg: tuple[int, int]) -> int:
        return sum(_words(u.text) for u in units[seg[0] : seg[1]] if _is_prose(u.text))

    best = max(range(len(segments)), key=lambda k: (score(segments[k]), -k))
    start, end = segments[best]
    # A neighbouring stretch with real prose is policy too (a table of contents split it off).
    while best > 0 and score(segments[best - 1]) >= 40:
        best -= 1
        start = segments[best][0]
    last = best
    while (
        last + 1 < len(segments)
        and score(segments[last + 1]) >= 40
        and _prose_count(units, segments[last + 1]) >= 2
    ):
        last += 1
        end = segments[last][1]
    # The policy's own title often sits at the very end of the menu run above it.
    for k in range(start - 1, max(start - 4, -1), -1):
        if k >= 0 and _TITLE_WORDS.search(units[k].text) and any(r[1] == start for r in runs):
            start = k
            break
    return units[start:end]


def _prose_count(units: list[Unit], seg: tuple[int, int]) -> int:
    return sum(1 for u in units[seg[0] : seg[1]] if _is_prose(u.text))


def _is_body_text(text: str) -> bool:
    return not _is_bullet(text) and (_words(text) >= 8 or bool(re.search(r"[.!?]$", text)))


class TextStructurer:
    """Decides which logical lines are headings, list items or paragraphs.

    Plain text has no heading levels, so they are inferred: numbered headings by their depth
    ("1.2" is level 2), Article/Chapter and ALL CAPS lines at the top (under the numbering when
    there is one), and other short heading lines one level under the last of those.
    """

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.strong = 0  # level of the last numbered / ALL CAPS / Article heading
        self.numbered = 0  # level of the last numbered heading
        self.seen_article = False
        self.generic_top = False  # a plain short line has been used as a top-level heading
        self.list_indents: list[int] = []

    def run(self, units: list[Unit]) -> None:
        for k, unit in enumerate(units):
            nxt = units[k + 1].text if k + 1 < len(units) else ""
            self.unit(unit, nxt)

    def heading(self, text: str, level: int, strong: bool) -> None:
        self.list_indents = []
        if strong:
            self.strong = level
        self.events.append(("h", text, level))

    def unit(self, unit: Unit, nxt: str) -> None:
        text = unit.text
        numbered = _NUMBERED_HEADING.match(text)
        # "1. Scope" followed by "2. Purpose" is a list; followed by text it is a heading.
        if numbered and _numbered_heading_text(text) and not _NUMBERED_HEADING.match(nxt):
            self.numbered = len([p for p in numbered.group("num").split(".") if p])
            self.heading(text, self.numbered, strong=True)
            return
        article = _ARTICLE.match(text)
        if article and _article_heading(text):
            word = article.group("word").lower()
            self.seen_article = self.seen_article or word.startswith("art")
            self.heading(text, 2 if word == "section" and self.seen_article else 1, strong=True)
            return
        if _is_caps(text) and not _BULLET.match(text) and not re.search(r"[.;,]$", text):
            # Once plain short lines serve as the top headings, a lone capitalised one is their peer.
            self.heading(text, 1, strong=not (self.generic_top and not self.numbered))
            return
        bullet = _BULLET.match(text)
        if bullet:
            self.item(bullet.group("text"), unit.indent)
            return
        if self._generic_heading(text, nxt):
            self.generic_top = self.generic_top or self.strong == 0
            self.heading(text, self.strong + 1, strong=False)
            return
        if self.list_indents and unit.indent > self.list_indents[-1]:
            # An indented line under a list item, without a marker: more of that item.
            self.events.append(("li", text, len(self.list_indents) - 1))
            return
        self.list_indents = []
        self.events.append(("p", text, 0))

    def _generic_heading(self, text: str, nxt: str) -> bool:
        if not text[:1].isupper() and not text[:1].isdigit():
            return False
        if "@" in text or "http" in text or _words(text) > 12 or len(text) > 100:
            return False
        if text.endswith(":"):
            return _words(text) <= 5 and bool(nxt) and _is_bullet(nxt)
        if re.search(r"[.,;!]$", text) or ":" in text:
            return False
        return bool(nxt) and _is_body_text(nxt)

    def item(self, text: str, indent: int) -> None:
        while self.list_indents and self.list_indents[-1] > indent:
            self.list_indents.pop()
        if not self.list_indents or self.list_indents[-1] < indent:
            self.list_indents.append(indent)
        self.events.append(("li", text, len(self.list_indents) - 1))


def _text_title(units: list[Unit]) -> tuple[str, list[Unit]]:
    """The first line is the title when it reads like one; a stray menu word or two before a
    line naming the policy ("More" / "Privacy Statement") goes."""
    for k, unit in enumerate(units[:3]):
        if _TITLE_WORDS.search(unit.text) and _title_like(unit.text):
            if all(_is_menu_like(u.text) for u in units[:k]):
                return unit.text, units[k + 1 :]
            break
    if units and _title_like(units[0].text):
        return units[0].text, units[1:]
    return "", units


def _title_like(text: str) -> bool:
    return (
        _words(text) <= 12
        and not _TERMINAL.search(text)
        and not _is_bullet(text)
        and not _NUMBERED_HEADING.match(text)
    )


def extract_plain(text: str, *, pdf: bool = False) -> Document:
    units = _find_body(_logical_lines(text, pdf=pdf))
    title, units = _text_title(units)
    structurer = TextStructurer()
    structurer.run(units)
    return build(structurer.events, title)


def extract_text(text: str) -> Document:
    return extract_plain(text)

