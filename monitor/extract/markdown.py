"""Markdown (and the inline HTML it may carry) -> `Document`.

A line parser for the CommonMark block structure a policy uses (ATX and setext headings, lists with
nesting, tables, block quotes, fences, bold-only paragraphs as headings); inline markup becomes
plain text with `[text](url)` links, cleaned as HTML links are. Markdown made from pages without
heading tags gets its headings from the plain-text rules (`monitor.extract.text`).
"""

from __future__ import annotations

import html as html_lib
import re

from monitor.document import Document, clean_text
from monitor.extract.common import (
    BOLD_LEVEL,
    Event,
    bold_may_be_heading,
    build,
    decode_cf_email,
    format_link,
    split_title,
)
from monitor.extract.text import TextStructurer, Unit

_MD_ATX = re.compile(r"^ {0,3}(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$")
_MD_HR = re.compile(r"^ {0,3}(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$")
_MD_ITEM = re.compile(r"^(?P<indent> *)(?P<marker>[*+-]|\d{1,9}[.)])(?:\s+(?P<text>.*))?$")
_MD_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_MD_TABLE_SEP = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_MD_IMAGE = re.compile(r"!\[[^\[\]]*\]\([^()]*(?:\([^()]*\)[^()]*)*\)")
_MD_LINK = re.compile(
    r"\[(?P<text>[^\[\]]*)\]\(\s*<?(?P<url>[^()\s<>]*(?:\([^()\s]*\)[^()\s<>]*)*)>?"
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
)
_MD_REF_LINK = re.compile(r"\[(?P<text>[^\[\]]+)\]\[[^\[\]]*\]")
_MD_AUTOLINK = re.compile(r"<((?:https?|mailto):[^<>\s]+)>", re.IGNORECASE)
_HTML_A = re.compile(r"<a\b(?P<attrs>[^<>]*)>(?P<text>.*?)</a\s*>", re.IGNORECASE | re.DOTALL)
_HTML_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_HTML_CFEMAIL = re.compile(
    r"<(?P<tag>[a-z]+)\b[^<>]*data-cfemail\s*=\s*[\"']?(?P<hex>[0-9a-fA-F]+)[\"']?[^<>]*>.*?</(?P=tag)\s*>",
    re.IGNORECASE | re.DOTALL,
)
_HTML_BREAK = re.compile(r"<(?:br|hr|/p|p|/div|div|/li|li)\b[^<>]*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_TOKEN = re.compile(r"\x00(\d+)\x00")


class _Tokens:
    """Placeholders that keep finished pieces (links, escaped characters) out of later rewrites."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, text: str) -> str:
        self.items.append(text)
        return f"\x00{len(self.items) - 1}\x00"

    def restore(self, text: str) -> str:
        for _ in range(10):  # tokens may hold tokens
            if "\x00" not in text:
                break
            text = _TOKEN.sub(lambda m: self.items[int(m.group(1))], text)
        return text


def _strip_emphasis(text: str) -> str:
    text = re.sub(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", r"\1", text)
    text = re.sub(r"(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)", r"\1", text)
    text = re.sub(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)", r"\1", text)
    text = re.sub(r"~~(?=\S)(.+?)(?<=\S)~~", r"\1", text)
    return text.replace("**", "")


def _md_inline(text: str) -> str:
    """Markdown/inline-HTML text -> plain text with `[text](url)` links."""
    tokens = _Tokens()
    text = _MD_ESCAPE.sub(lambda m: tokens.add(m.group(1)), text)
    text = re.sub(r"`([^`]+)`", lambda m: tokens.add(m.group(1)), text)
    text = _HTML_CFEMAIL.sub(
        lambda m: tokens.add(decode_cf_email(m.group("hex")) or "[email protected]"), text
    )

    def html_link(m: re.Match[str]) -> str:
        href = _HTML_HREF.search(m.group("attrs"))
        url = html_lib.unescape(next(g for g in href.groups() if g is not None)) if href else None
        inner = html_lib.unescape(_HTML_TAG.sub(" ", tokens.restore(m.group("text"))))
        return tokens.add(format_link(_strip_emphasis(inner), url))

    text = _HTML_A.sub(html_link, text)
    text = _MD_AUTOLINK.sub(lambda m: tokens.add(re.sub(r"(?i)^mailto:", "", m.group(1))), text)
    text = _HTML_BREAK.sub(" ", text)
    text = _HTML_TAG.sub("", text)
    text = _MD_IMAGE.sub("", text)

    def md_link(m: re.Match[str]) -> str:
        inner = html_lib.unescape(tokens.restore(_strip_emphasis(m.group("text"))))
        return tokens.add(format_link(inner, tokens.restore(m.group("url"))))

    text = _MD_LINK.sub(md_link, text)
    text = _MD_REF_LINK.sub(lambda m: m.group("text"), text)
    text = html_lib.unescape(_strip_emphasis(text))
    return clean_text(tokens.restore(text))


def _md_bold_heading(raw: str) -> str | None:
    m = re.fullmatch(r"\s*(\*\*|__)(?P<text>[^*_].*?)\1\s*(?P<colon>:?)\s*", raw)
    if not m or "**" in m.group("text"):
        return None
    text = _md_inline(m.group("text")) + m.group("colon")
    return text if bold_may_be_heading(text) else None


def _split_row(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [c.replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)]


class _MarkdownParser:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.para: list[str] = []
        self.para_kind = "p"
        self.para_level = 0
        self.list_indents: list[int] = []  # marker indents of the open list items
        self.content_indent = 0  # where the text of the current list item starts
        self.after_blank = False

    def flush(self) -> None:
        if not self.para:
            return
        raw = " ".join(s.strip() for s in self.para)
        self.para = []
        if self.para_kind == "p":
            heading = _md_bold_heading(raw)
            if heading:
                self.events.append(("h", heading, BOLD_LEVEL))
                return
        text = _md_inline(raw)
        if text:
            self.events.append((self.para_kind, text, self.para_level))

    def end_list(self) -> None:
        self.list_indents = []

    def parse(self, markdown: str) -> list[Event]:
        fence: str | None = None
        for raw in markdown.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            line = raw.expandtabs(4).rstrip()
            if fence is not None:
                if line.strip().startswith(fence):
                    fence = None
                    self.flush()
                else:
                    self.para.append(line)
                continue
            if not line.strip():
                self.flush()
                self.after_blank = True
                continue
            self.line(line)
            if _MD_FENCE.match(line):
                fence = _MD_FENCE.match(line).group(1)  # type: ignore[union-attr]
            self.after_blank = False
        self.flush()
        return self.events

    def line(self, line: str) -> None:
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if _MD_FENCE.match(line):
            self.flush()
            self.para_kind, self.para_level = "p", 0
            return
        if self.para and self.para_kind == "p" and not self.after_blank:
            if re.fullmatch(r"=+", stripped):
                self.heading(" ".join(s.strip() for s in self.para), 1)
                return
            if re.fullmatch(r"-+", stripped):
                self.heading(" ".join(s.strip() for s in self.para), 2)
                return
        if _MD_HR.match(line):
            self.flush()
            return
        atx = _MD_ATX.match(line)
        if atx:
            self.heading(atx.group(2) or "", len(atx.group(1)))
            return
        if stripped.startswith(">"):
            stripped = re.sub(r"^(>\s?)+", "", stripped)
            if not stripped.strip():
                self.flush()
                return
            line, indent = stripped, 0
        if stripped.startswith("|"):
            self.flush()
            if not _MD_TABLE_SEP.match(stripped):
                cells = [_md_inline(c) for c in _split_row(stripped)]
                if any(cells):
                    self.events.append(("row", " | ".join(cells), 0))
            return
        item = _MD_ITEM.match(line)
        if (
            item
            and (item.group("text") or "").strip()
            and not (self.para and not self.after_blank and indent > 3 and self.para_kind == "p")
        ):
            self.flush()
            while self.list_indents and self.list_indents[-1] > indent:
                self.list_indents.pop()
            if not self.list_indents or self.list_indents[-1] < indent:
                self.list_indents.append(indent)
            self.para = [item.group("text")]
            self.para_kind, self.para_level = "li", len(self.list_indents) - 1
            self.content_indent = indent + len(item.group("marker")) + 1
            return
        if self.para:  # lazy continuation of the open paragraph or item
            self.para.append(stripped)
            return
        if self.list_indents and indent >= 2 and indent >= self.list_indents[-1] + 1:
            # A further paragraph of the open list item.
            self.para = [stripped]
            self.para_kind, self.para_level = "li", len(self.list_indents) - 1
            return
        self.end_list()
        self.para = [stripped]
        self.para_kind, self.para_level = "p", 0

    def heading(self, text: str, level: int) -> None:
        self.para = []
        self.end_list()
        text = _md_inline(text)
        if text:
            self.events.append(("h", text, level))


def _promote_plain_headings(events: list[Event]) -> list[Event]:
    """Markdown made from pages without heading tags (some Open Terms Archive captures) carries its
    headings as plain one-line paragraphs: find them with the plain-text rules."""
    structurer = TextStructurer()
    for k, (kind, text, level) in enumerate(events):
        if kind != "p":
            structurer.list_indents = []
            structurer.events.append((kind, text, level))
            continue
        nxt_kind, nxt_text = events[k + 1][:2] if k + 1 < len(events) else ("", "")
        nxt = "- " + nxt_text if nxt_kind == "li" else nxt_text if nxt_kind == "p" else ""
        structurer.unit(Unit(text, 0), nxt)
    return structurer.events


MIN_MARKDOWNHEADINGS = 3  # with fewer, the markup is not where the headings are


def extract_markdown(markdown: str) -> Document:
    events = _MarkdownParser().parse(markdown)
    if sum(1 for e in events if e[0] == "h") < MIN_MARKDOWNHEADINGS:
        events = _promote_plain_headings(events)
    title, events = split_title(events)
    return build(events, title)

