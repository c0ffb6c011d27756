"""Severity and the reason line of a substantive edit: what a reader is told and how urgently."""

from __future__ import annotations

import re

from monitor.edit import Edit
from monitor.normalize import NEGATIONS
from monitor.tokens import split_sentences
from monitor.vocabulary import PATTERNS
from monitor.wording import duration_days, durations_in, recipient_names

# Changing these narrows what people can do about their data, so losing them is "high".
PROTECTIVE = {"rights", "security", "children"}


# Gaining these widens what is done with data, so adding them is "high".
EXPANSIVE = {"sharing", "use", "collection", "transfer", "tracking"}


RIGHT_NAMES = re.compile(
    r"right (?:to|of) (?:data )?(?:access|rectification|erasure|deletion|portability|object|restrict\w*|withdraw\w*"
    r"|opt[- ]out|complain\w*|lodge a complaint|be forgotten|correct\w*|know|non-discrimination|data portability)",
    re.IGNORECASE,
)


_QUOTE_WORDS = 30


def clause_quote(text: str, cats: list[str]) -> str:
    """The sentence of a passage that says most about its first category, quoted whole up to
    `_QUOTE_WORDS` words: a reader sees the clause that changed, not a passage's first and last words."""
    sentences = [s for line in text.split("\n") for s in split_sentences(line)] or [text]
    if cats and cats[0] in PATTERNS:
        pattern = PATTERNS[cats[0]]
        best = max(sentences, key=lambda s: len(pattern.findall(s.lower())))
    else:
        best = sentences[0]
    words = best.split()
    return " ".join(words[:_QUOTE_WORDS]) + (" ..." if len(words) > _QUOTE_WORDS else "")


def shorten(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    words = text.split()
    head, tail = " ".join(words[:6]), " ".join(words[-5:])
    return f"{head} ... {tail}"


def rate_severity(edit: Edit, cats: list[str]) -> str:
    removed = {w.key for w in edit.removed}
    added = {w.key for w in edit.added}
    neg_removed = bool(removed & NEGATIONS) and not (added & NEGATIONS)
    neg_added = bool(added & NEGATIONS) and not (removed & NEGATIONS)
    cat_set = set(cats)
    if neg_removed and cat_set & EXPANSIVE:
        return "high"
    if neg_added and cat_set & PROTECTIVE:
        return "high"
    if not edit.after and cat_set & PROTECTIVE:
        return "high"
    if not edit.before and cat_set & EXPANSIVE:
        return "high"
    if (
        cat_set & {"sharing", "transfer"}
        and not edit.removed
        and recipient_names(edit.added, edit.vocabulary, edit.old_words, edit.after)
    ):
        return "high"  # a company added to who receives the data widens sharing
    old_d, new_d = duration_days(edit.before), duration_days(edit.after)
    if old_d and new_d and old_d != new_d and cat_set & {"retention", "rights"}:
        return "high" if new_d[0] > old_d[0] else "medium"
    if cat_set & (EXPANSIVE | PROTECTIVE | {"retention"}):
        return "medium"
    return "low"


_NAMED_ONE_BY_ONE = 3  # more rights than this are counted, then listed by their short names


def _said_rights(names: list[str], verb: str) -> str:
    """ "right to access and right to deletion removed"; "5 rights removed: access, correction, ..."."""
    if len(names) > _NAMED_ONE_BY_ONE:
        short = [re.sub(r"^right (?:to|of) ", "", n) for n in names]
        return f"{len(names)} rights {verb}: {', '.join(short)}"
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"{listed} {verb}"


def rights_changed(edit: Edit) -> str:
    """The reason line of the rights an edit removes (or, removing none, adds), every one named
    ("right to correction, right to deletion and right to data portability removed"), or "" when it
    names none."""
    for text, verb in ((edit.before, "removed"), (edit.after, "added")):
        other = edit.after if verb == "removed" else edit.before
        if edit.novel is not None and not other:
            text = edit.novel  # a right named in reworded text was neither added nor removed
        names = [m.group(0).lower() for m in RIGHT_NAMES.finditer(text) if m.group(0).lower() not in other.lower()]
        if names:  # the rights lost are said first, and alone: the reason line says the narrowing
            return _said_rights(list(dict.fromkeys(names)), verb)
    return ""


def explain(edit: Edit, cats: list[str]) -> str:
    old_d, new_d = durations_in(edit.before), durations_in(edit.after)
    # Compared by value: "6 months" -> "six months" is the same period, written out.
    if edit.before and edit.after and old_d and new_d and duration_days(edit.before) != duration_days(edit.after):
        label = {"retention": "retention period", "rights": "response time for requests"}.get(
            next((c for c in cats if c in ("retention", "rights")), ""), "period"
        )
        return f"{label}: {old_d[0]} -> {new_d[0]}"
    rights = rights_changed(edit)
    if rights:
        return rights
    if not edit.after:
        return f"'{clause_quote(edit.novel or edit.before, cats)}' removed"
    if not edit.before:
        names = recipient_names(edit.added, edit.vocabulary, edit.old_words, edit.after)
        if names and set(cats) & {"sharing", "transfer"}:
            return f"new recipient: {names}"
        return f"'{clause_quote(edit.novel or edit.after, cats)}' added"
    removed_neg = {w.key for w in edit.removed} & NEGATIONS
    if removed_neg and not {w.key for w in edit.added} & NEGATIONS:
        return f"negation dropped: '{shorten(edit.before)}' -> '{shorten(edit.after)}'"
    names = recipient_names(edit.added, edit.vocabulary, edit.old_words, edit.after)
    if names and set(cats) & {"sharing", "transfer"} and not edit.removed:
        return f"new recipient: {names}"
    old_words = " ".join(w.text for w in edit.removed) or "..."
    new_words = " ".join(w.text for w in edit.added) or "..."
    label = ", ".join(cats) or "changed"
    return f"{label}: '{shorten(old_words, 60)}' -> '{shorten(new_words, 60)}'"
