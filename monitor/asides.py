"""Text on a policy page that is not policy: an injected advertisement, a dated note of the policy's
revision history, a link to a dated copy, a line that only points to another document.

Each is a whole line or passage judged on its own words (pure functions); monitor.classify asks
before it reads a change for meaning.
"""

from __future__ import annotations

import re

from monitor.normalize import is_date_part, is_number, token_key
from monitor.vocabulary import categories_in, category_hits, mentions
from monitor.wording import SMALL_WORDS

# A policy passage of any length speaks of data, information or privacy; an injected advertisement
# or a story does not. Core words of the languages the vocabulary knows (monitor.vocabulary).
_CORE = re.compile(
    r"\b(?:data|information|personal|privacy|cookies?|polic(?:y|ies)|données|informations?|personnel\w*"
    r"|confidentialit\w*|daten\w*|datenschutz\w*|personenbezogen\w*|gegevens|persoons\w*|uppgifter"
    r"|personuppgift\w*|integritet\w*)\b",
    re.IGNORECASE,
)
_OFF_TOPIC_WORDS = 40  # shorter passages (a heading, a line, a list) may leave their subject implied


def off_topic(before: str, after: str, novel: str | None = None) -> bool:
    """A whole added or removed passage (`before` or `after` empty; `novel`: its part new in
    substance) of 40 words or more that never names data, privacy or a contact point, and touches
    the taxonomy's topics at most once (a "sell" in an advertisement)."""
    if before and after:
        return False
    text = novel or before or after  # what is new in it: a moved address is not
    if len(text.split()) < _OFF_TOPIC_WORDS or _CORE.search(text) or mentions("contact", text):
        return False
    return sum(category_hits(text).values()) <= 1


_DOC_WORDS = re.compile(r"\b(?:policy|notice|statement|version|pdf)\b", re.IGNORECASE)


def is_version_line(line: str) -> bool:
    """A link to a dated copy of the policy ("Previous Privacy Policy PDF Version March 2025"): history, not text."""
    words = line.split()
    if not words or len(words) > 14 or line.rstrip().endswith((".", ";")) or not _DOC_WORDS.search(line):
        return False
    keys = [token_key(t) for t in words]
    return any(is_number(k) for k in keys) and all(
        t[:1].isupper() or is_date_part(k) or k in SMALL_WORDS or not k
        for t, k in zip(words, keys, strict=True)
    )


# "See our Cookie Policy [link].": a line that only sends the reader elsewhere; what the other
# document says is watched as that document.
_POINTER = re.compile(
    r"^\W*(?:please )?(?:see|read|visit|view|refer to|review|consult)\b[^.]{0,80}?"
    r"\b(?:polic(?:y|ies)|notice|statement|page|here|link)\W*(?:\[link\]|\(link\))?\W*$",
    re.IGNORECASE,
)
_POINTER_WORDS = 10


def is_pointer(line: str) -> bool:
    """A line of at most 10 words that only sends the reader to another document or page."""
    return bool(_POINTER.match(line)) and len(line.split()) <= _POINTER_WORDS


_DATED_ENTRY = re.compile(
    r"^\W*(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}"
    r"|\d{1,2}(?:st|nd|rd|th)? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{4}"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{4})\W*?\s*[:\u2013\u2014-]\s",
    re.IGNORECASE,
)


def is_revision_entry(line: str) -> bool:
    """"June 27, 2023: We replaced our former privacy policy with a new one.": a dated line about the
    document itself, naming no topic of its own (a line that says what changed still counts)."""
    m = _DATED_ENTRY.match(line)
    if m is None:
        return False
    rest = line[m.end() :]
    return bool(_DOC_WORDS.search(rest)) and set(categories_in(rest)) <= {"changes"}
