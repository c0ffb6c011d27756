"""Text as PDF extractors give it back: compatibility characters and words split at line ends.

- `fold_pdf_text`: Unicode NFKC. Typesetters write ligature glyphs (U+FB01 "ﬁ", U+FB03 "ﬃ", ...),
  full-width and other compatibility forms; the words they stand for are the plain ones, and a
  re-export with or without ligatures must read the same.
- `Dehyphenator`: a word a typesetter broke at a line end ("Ferncas-" / "tle") is one word again,
  while a real compound that happens to break at its own hyphen ("opt-" / "out") keeps it. The
  document itself is the dictionary: a joined form used elsewhere in it is a word; a hyphenated form
  used elsewhere is a compound; otherwise the hyphen is kept when both halves are words the document
  uses on their own (a compound of two words), and dropped when they are not (syllables).
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_BROKEN_TAIL = re.compile(r"([^\W\d_]+(?:-[^\W\d_]+)*)-$")  # "...Ferncas-" at a line end
_HEAD = re.compile(r"^([^\W\d_]+)")


def fold_pdf_text(text: str) -> str:
    """NFKC-fold extracted PDF text: "ﬁles" -> "files", "２４" -> "24", "ﬀ" -> "ff"."""
    return unicodedata.normalize("NFKC", text)


class Dehyphenator:
    """Decides how a line ending in "word-" joins the next line. Built from all the lines of one
    document (the broken fragments themselves do not count as its words)."""

    def __init__(self, lines: list[str]):
        self.words: set[str] = set()  # single words, lower-cased
        self.compounds: set[str] = set()  # hyphenated words, lower-cased
        for k, line in enumerate(lines):
            tokens = _WORD.findall(line)
            if tokens and line.rstrip().endswith("-"):
                tokens = tokens[:-1]  # "Ferncas-" is no word
            if tokens and k > 0 and lines[k - 1].rstrip().endswith("-"):
                tokens = tokens[1:]  # nor is "tle"
            for token in tokens:
                lower = token.lower()
                if "-" in lower:
                    self.compounds.add(lower)
                    self.words.update(lower.split("-"))
                else:
                    self.words.add(lower)

    def join(self, prev: str, line: str) -> str | None:
        """`prev` and `line` as one text when `prev` ends in a word broken at a hyphen and `line`
        goes on with letters; None when this is no such break (the caller joins with a space)."""
        tail = _BROKEN_TAIL.search(prev)
        head = _HEAD.match(line)
        if not tail or not head:
            return None
        before = tail.group(1).split("-")[-1].lower()
        after = head.group(1).lower()
        if (before + after) in self.words:
            return prev[:-1] + line
        if f"{before}-{after}" in self.compounds:
            return prev + line
        if before in self.words and after in self.words:
            return prev + line  # two words of their own: a compound ("opt-out", "third-party")
        if line[:1].isupper():
            return prev + line  # "Anglo-" / "Irish": a capital goes on a new word
        return prev[:-1] + line
