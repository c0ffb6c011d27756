"""Vocabulary patterns scanned at word starts: the fast matcher behind monitor.facts.

Python's regex engine tries every branch of an alternation at every position of a text; a table of
a few hundred phrases then costs microseconds per character. `Table` and `Scan` compile a pattern
that consumes the character before a word, so positions inside words are skipped at once and, at a
word start, branches are rejected by their first literal (leading groups such as "(?:tele)?phone"
are expanded into literal-first branches). Patterns and texts are compared without diacritics
(`unaccent`), one character for one, so positions found in the folded text hold in the original.
"""

from __future__ import annotations

import re
import unicodedata


class _BaseChars(dict[int, str]):
    """str.translate table: a letter with diacritics to its base letter ("é" -> "e", "ü" -> "u")."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        parts = unicodedata.normalize("NFD", ch)
        base = parts[0] if len(parts) > 1 and all(unicodedata.combining(c) for c in parts[1:]) else ch
        self[code] = base
        return base


_BASE_CHARS = _BaseChars()


def unaccent(text: str) -> str:
    """Diacritics dropped, one character for one, so positions still hold: "donnees" and "données"
    are one word to the vocabulary (a capture that lost its accents is no change of facts)."""
    return text if text.isascii() else text.translate(_BASE_CHARS)


def alternation(items: list[tuple[str, str]]) -> tuple[re.Pattern[str], list[str]]:
    """One regex for a whole table; the name of the matching group says which canonical value matched."""
    joined = "|".join(f"(?P<g{i}>{unaccent(p)})" for i, (_, p) in enumerate(items))
    return re.compile(joined), [v for v, _ in items]


def _top_alternatives(pattern: str) -> list[str]:
    """The branches of a regex's top-level alternation (split at "|" outside groups and classes)."""
    out, depth, in_class, start, i = [], 0, False, 0, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    out.append(pattern[start:])
    return out


def _expand_leading_group(branch: str, depth: int = 0) -> list[str]:
    """ "(?:tele)?phone" -> ["telephone", "phone"]: branches that open with a literal, which the regex
    engine rejects at a glance, instead of a group it has to enter at every word."""
    if depth > 3 or not branch.startswith("(?:"):
        return [branch]
    level, i = 0, 0
    while i < len(branch):
        if branch[i] == "\\":
            i += 2
            continue
        level += {"(": 1, ")": -1}.get(branch[i], 0)
        if level == 0:
            break
        i += 1
    inner, rest = branch[3:i], branch[i + 1 :]
    options = _top_alternatives(inner)
    if rest[:1] == "?":
        rest, options = rest[1:], [*options, ""]
    elif rest[:1] in ("*", "+", "{"):
        return [branch]
    return [b for o in options for b in _expand_leading_group(o + rest, depth + 1)]


_LEADING_GUARD = re.compile(r"^(?:\\b|\(\?<!(?:[^()\[\]]|\[[^\]]*\])*\))+")
WORD_CHAR = "a-zßøæœа-я0-9"  # after unaccent: Latin and Cyrillic letters, digits


class Table:
    """A vocabulary table matched in one pass, only where a word starts.

    The scan pattern consumes the character before a word (a space, a quote, a CJK character), so
    Python's regex engine skips every position inside a word cheaply and, at a word start, rejects
    branches by their first literal; the table entry that matched is then found by matching the
    entries themselves at that spot (their own guards, "\\b" or look-behinds, apply there)."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self.names = [v for v, _ in items]
        items = [(v, unaccent(p)) for v, p in items]
        self.entries = [re.compile(p) for _, p in items]
        branches = [
            x
            for _, p in items
            for b in _top_alternatives(p)
            for x in _expand_leading_group(_LEADING_GUARD.sub("", b))
        ]
        self.scan = re.compile(rf"[^{WORD_CHAR}](?:{'|'.join(branches)})")

    def spans(self, low: str) -> list[tuple[int, int, str]]:
        """(start, end, canonical value) of each entry found in lower-case `low`."""
        out = []
        for m in self.scan.finditer(" " + low):
            pos = m.start()  # of the word in `low`: the scan starts one character early, on " " + low
            for name, entry in zip(self.names, self.entries, strict=True):
                hit = entry.match(low, pos)
                if hit:
                    out.append((pos, hit.end(), name))
                    break
        return out

    def finditer(self, low: str) -> list[tuple[int, str]]:
        """(position, canonical value) of each entry found in lower-case `low`."""
        return [(start, name) for start, _, name in self.spans(low)]

    def search(self, low: str) -> bool:
        return bool(self.finditer(low))


class Scan:
    """A word-start pattern (a context, a negation, a verb) scanned like a Table, without naming."""

    def __init__(self, pattern: str) -> None:
        pattern = unaccent(pattern)
        branches = [
            x for b in _top_alternatives(pattern) for x in _expand_leading_group(_LEADING_GUARD.sub("", b))
        ]
        self.scan = re.compile(rf"[^{WORD_CHAR}](?:{'|'.join(branches)})")

    def search(self, low: str) -> bool:
        return self.scan.search(" " + low) is not None

    def spans(self, low: str) -> list[tuple[int, int]]:
        """(start, end) in `low` of every match."""
        return [(m.start(), m.end() - 1) for m in self.scan.finditer(" " + low)]


def compile_folded(pattern: str) -> re.Pattern[str]:
    return re.compile(unaccent(pattern))
