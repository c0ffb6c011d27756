"""Failed-capture detection: a new version that is not a policy change but a broken capture.

A capture that is empty, a login or captcha wall, cut off mid-sentence, or that lost most of its
text would otherwise be reported as a huge policy change. The service calls `capture_problem`
before storing a version, so it must stay quiet on ordinary pages: policies often end with an
address, a date or a list item without a full stop, and those are not truncations.
"""

from __future__ import annotations

import re

from monitor.document import Block, Document
from monitor.normalize import word_set

NEAR_EMPTY_WORDS = 40  # below this, no page is a usable privacy policy
LOST_TEXT_RATIO = 0.5  # losing more than this share of the words in one step is a capture failure
WALL_MAX_WORDS = 400  # a login/captcha wall is short; a long policy may mention "captcha"

_WALL = re.compile(
    r"captcha|are you a robot|verify (?:that )?you are (?:a )?human|checking your browser|attention required"
    r"|access denied|enable (?:javascript and )?cookies to continue|please (?:log|sign) ?in to continue"
    r"|sign in to (?:continue|view)|log in to (?:continue|view)|just a moment\.\.\.|request blocked|unusual traffic",
    re.IGNORECASE,
)
# A policy page names its subject somewhere; a homepage or error page captured instead does not.
_POLICY_WORDS = re.compile(
    r"privacy|personal|\bdata\b|policy|terms|cookie|données|confidentialité|datenschutz|daten\b|persoonsgegevens"
    r"|gegevens|privacybeleid|personuppgift|integritet",
    re.IGNORECASE,
)
NOT_POLICY_MAX_WORDS = 1500  # a long page without those words is unusual enough to leave alone

# Words that cannot end a sentence: a block ending on one of them was cut.
_DANGLING = word_set(
    "the a an and or of to for with in on at by from that which as our your their its is are was be we you "
    "this these those such any all if when than into about le la les des du de et ou pour avec dans "
    "der die das und oder für mit von zu den het een en voor met van och eller för med av till"
)


def _last_block(doc: Document) -> Block | None:
    for section in reversed(doc.sections):
        if section.blocks:
            return section.blocks[-1]
    return None


def _blocks(doc: Document) -> list[Block]:
    return [b for s in doc.sections for b in s.blocks]


def _cut_against_old(new: Document, old: Document) -> bool:
    """The new text stops partway through a block the old version had in full."""
    last = _last_block(new)
    if last is None:
        return False
    text = last.text.rstrip()
    if len(text.split()) < 3:
        return False
    if text[-1] in ".!?;:)\"'":
        return False
    for block in _blocks(old):
        if len(block.text) > len(text) and block.text.startswith(text):
            rest = block.text[len(text) :]
            # Mid-word ("for au|thority"), or several more words of the same sentence followed.
            if rest[0].isalnum() or len(rest.split()) >= 3:
                return True
    return False


def _cut_alone(new: Document) -> bool:
    """Without the old version, only the unmistakable case: a long paragraph ending on a word that
    cannot end a sentence ("... kept for the")."""
    last = _last_block(new)
    if last is None or last.kind == "row":
        return False
    words = last.text.split()
    if len(words) < 12:
        return False
    tail = words[-1]
    return tail.isalpha() and tail.islower() and tail in _DANGLING


def capture_problem(new: Document, old: Document | None = None) -> str | None:
    """None when `new` looks like a real policy page, else a short reason."""
    words = new.word_count
    body_words = sum(len(b.text.split()) for b in _blocks(new))
    if new.is_empty() or body_words == 0:
        return "empty document"
    if words < NEAR_EMPTY_WORDS:
        return f"near-empty document ({words} words)"
    if words <= WALL_MAX_WORDS and _WALL.search(new.text):
        return "looks like a login or captcha wall"
    if words <= NOT_POLICY_MAX_WORDS and not _POLICY_WORDS.search(new.text):
        return f"does not look like a policy page ({words} words, no privacy wording)"
    if old is not None and not old.is_empty():
        if _cut_against_old(new, old) or _cut_alone(new):
            return "cut off mid-sentence"
        old_words = old.word_count
        if old_words and words < old_words * (1 - LOST_TEXT_RATIO):
            lost = round(100 * (old_words - words) / old_words)
            return f"lost {lost}% of its text"
    elif _cut_alone(new):
        return "cut off mid-sentence"
    return None
