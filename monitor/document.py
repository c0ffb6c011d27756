"""The `Document`: what a policy page is once the chrome is gone.

A Document is a title plus an ordered list of sections; each section has a heading path and
blocks (paragraphs, list items, table rows). Its canonical markdown is what the store keeps and
hashes, so two captures of the same policy text hash the same whatever the page around it did.
`Document.from_markdown(doc.to_markdown()) == doc` holds for every Document the builder makes.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from monitor.language import SAMPLE_CHARS, detect, has_unspaced_script, word_units

BlockKind = Literal["p", "li", "row"]

MAX_DEPTH = 5  # headings deeper than this are folded into the deepest level (markdown stops at ######)
# A paragraph that starts like markdown structure would be read back as structure: escape it.
_NEEDS_ESCAPE = re.compile(r"^(#|- |\||\\|\s)")


def clean_text(text: str) -> str:
    """Collapse all white space (including non-breaking and zero-width) to single spaces."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        # Already clean (most texts are cleaned more than once on their way into a Document):
        # every white-space character but " " and every zero-width character is unprintable
        # (categories Zs, Zl, Zp, Cc, Cf), so only single spaces between words are left here.
        return text
    text = text.replace("\u200b", "").replace("\u200c", "").replace("\u200d", "").replace("\ufeff", "")
    return " ".join(text.split())  # str.split() splits at exactly the characters `\s` matches


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str
    level: int = 0  # nesting depth of a list item; 0 otherwise

    def to_markdown(self) -> str:
        if self.kind == "li":
            return "  " * self.level + "- " + self.text
        if self.kind == "row":
            return "| " + self.text + " |"
        return "\\" + self.text if _NEEDS_ESCAPE.match(self.text) else self.text


@dataclass(frozen=True)
class Section:
    path: tuple[str, ...]  # heading texts from the outermost to this one; () for text before any heading
    blocks: tuple[Block, ...] = ()

    @property
    def heading(self) -> str:
        return self.path[-1] if self.path else ""

    @property
    def level(self) -> int:
        return len(self.path)

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)


@dataclass(frozen=True)
class Document:
    title: str
    sections: tuple[Section, ...] = ()

    # -- canonical form ---------------------------------------------------------------------
    def to_markdown(self) -> str:
        lines = ["# " + self.title if self.title else "#"]
        for section in self.sections:
            lines.append("")
            if section.path:
                lines.append("#" * (section.level + 1) + " " + section.heading)
            for block in section.blocks:
                lines.append(block.to_markdown())
        return "\n".join(lines) + "\n"

    def content_hash(self) -> str:
        return hashlib.sha256(self.to_markdown().encode("utf-8")).hexdigest()

    @classmethod
    def from_markdown(cls, markdown: str) -> Document:
        """Read back the canonical markdown written by `to_markdown` (not arbitrary markdown:
        that is `monitor.extract`'s job)."""
        lines = markdown.split("\n")
        title = ""
        if lines and lines[0].startswith("#"):
            title = lines[0][1:].strip()
            lines = lines[1:]
        builder = DocumentBuilder()
        for line in lines:
            if not line:
                continue
            m = re.match(r"^(#{2,6}) (.*)$", line)
            if m:
                builder.heading(m.group(2), len(m.group(1)) - 1)
            elif line.startswith("\\"):
                builder.block("p", line[1:])
            elif re.match(r"^( *)- ", line):
                indent = len(line) - len(line.lstrip(" "))
                builder.block("li", line[indent + 2 :], indent // 2)
            elif line.startswith("| ") and line.endswith(" |"):
                builder.block("row", line[2:-2])
            else:
                builder.block("p", line)
        return builder.build(title)

    # -- measures ---------------------------------------------------------------------------
    @property
    def text(self) -> str:
        parts = [self.title]
        for s in self.sections:
            parts.extend(s.path[-1:])
            parts.extend(b.text for b in s.blocks)
        return "\n".join(p for p in parts if p)

    @cached_property
    def word_count(self) -> int:
        """Words in any script: scripts without spaces (Chinese, Japanese, Thai...) are counted
        by characters, see `monitor.language.word_units`."""
        text = self.text
        if has_unspaced_script(text):
            return word_units(text)
        # Without such a script a text's units are its space-separated words, and `text` is its
        # parts joined by "\n": the whole counts what the parts count. The blocks' counts are the
        # guard's too (`block_units`), so a first version splits its text into words once, not twice.
        headings = sum(len(s.path[-1].split()) for s in self.sections if s.path)
        return len(self.title.split()) + headings + sum(map(sum, self.block_units))

    @cached_property
    def block_units(self) -> tuple[tuple[int, ...], ...]:
        """`word_units` of each block's text, section by section (`monitor.guard.shape` reads them)."""
        return tuple(tuple(word_units(b.text) for b in s.blocks) for s in self.sections)

    @cached_property
    def language(self) -> str | None:
        """ISO 639-1 code of the body text's language ("en", "ja", "zh-Hant"), None when unclear.
        Computed on first use (not part of the canonical form or of equality), from the prose
        blocks: a list of country names or a menu says nothing about the language of the text."""
        from monitor.normalize import display_text  # (normalize does not import this module)

        # Link targets and image addresses are not text in any language.
        # Each text once: a sentence repeated by page chrome is one piece of evidence, not four.
        # A little of many blocks, so that one odd block (a list of countries run together) cannot
        # outweigh the rest: the first 300 characters of each of the first 40 prose blocks, of
        # which `detect` reads the first SAMPLE_CHARS. The blocks are read only as far as that
        # sample reaches (the same sample as reading them all; a long policy stops early).
        blocks: dict[str, None] = {}
        prose: list[str] = []
        sample = -1  # characters of "\n".join(t[:300] for t in prose) so far
        for t in (display_text(b.text) for s in self.sections for b in s.blocks):
            if t in blocks:
                continue
            blocks[t] = None
            if word_units(t) >= 8:
                prose.append(t)
                sample += min(len(t), 300) + 1
                if len(prose) >= 40 or sample >= SAMPLE_CHARS:
                    break
        return detect("\n".join(t[:300] for t in (prose or list(blocks))[:40]))

    def is_empty(self) -> bool:
        return not any(s.blocks for s in self.sections)


@dataclass
class DocumentBuilder:
    """Accumulates headings and blocks in reading order and keeps heading paths consistent.

    Every extractor (HTML, text, markdown, PDF) feeds one of these, so they all produce the same
    shape: heading levels become a path (a level-3 heading under a level-1 one gets a path of two),
    text is white-space-cleaned, and empty blocks are dropped.
    """

    _stack: list[tuple[int, str]] = field(default_factory=list)  # (source level, heading text)
    _sections: list[Section] = field(default_factory=list)
    _blocks: list[Block] = field(default_factory=list)
    _path: tuple[str, ...] = ()
    _open: bool = False  # whether a heading (or preamble text) has started the current section

    def heading(self, text: str, level: int) -> None:
        text = clean_text(text)
        if not text:
            return
        self._flush()
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        if len(self._stack) >= MAX_DEPTH:
            self._stack = self._stack[: MAX_DEPTH - 1]
        self._stack.append((level, text))
        self._path = tuple([t for _, t in self._stack])
        self._open = True

    def block(self, kind: BlockKind, text: str, level: int = 0) -> None:
        text = clean_text(text)
        if not text:
            return
        self._open = True
        self._blocks.append(Block(kind, text, max(0, level) if kind == "li" else 0))

    def _flush(self) -> None:
        if self._open:
            self._sections.append(Section(self._path, tuple(self._blocks)))
        self._blocks = []
        self._open = False

    def build(self, title: str = "") -> Document:
        self._flush()
        return Document(clean_text(title), tuple(self._sections))
