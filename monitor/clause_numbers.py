"""Numbers in a changed clause, for the classifier (monitor.classify): what a changed period is a
period of (keeping data, or answering requests), whether a number is a measure (a period, an age,
an amount, a share) or a way to reach the controller (a phone number, an address), and whether only
the way a quantity is written changed.

Split out of monitor.classify (which had grown past ~600 lines) with no change of behaviour.
"""

from __future__ import annotations

import re

from monitor.edit import Edit
from monitor.normalize import Word, is_number, is_phone_number
from monitor.quantities import NUMBER_TOKENS, preposition_before, quantity_key
from monitor.vocabulary import mentions
from monitor.wording import around, duration_days, durations_in
from monitor.wordscan import unaccent

_RETENTION_CONTEXT = re.compile(
    r"\b(?:keep|keeps|kept|retain\w*|retention|stor(?:e|es|ed|ing|age)|delet\w*|eras(?:e|ed|ure)|anonymi[sz]\w*"
    r"|destroy\w*|purg\w*|archiv\w*|how long|from the (?:date|time|end) of|after (?:you|the|your|account|closure|termination)"
    r"|conserv\w*|aufbewahr\w*|speicher\w*|lösch\w*|gelöscht|bewaar\w*|bewaren|lagr\w*|spara\w*|sparas|raderas|gallras)",
    re.IGNORECASE,
)
_RESPONSE_CONTEXT = re.compile(
    r"\b(?:respond\w*|response|reply|replies|answer\w*|acknowledge\w*|répond\w*|antwort\w*|beantwoord\w*|svar\w*)\b",
    re.IGNORECASE,
)
_REQUEST = re.compile(r"\b(?:requests?|demandes?|anfragen?|antrag|verzoek\w*|begäran)\b", re.IGNORECASE)


def duration_categories(edit: Edit, topic: list[str]) -> list[str]:
    """A changed period takes its meaning from the clause it sits in: keeping data, or answering requests."""
    if not (edit.before and edit.after) or duration_days(edit.before) == duration_days(edit.after):
        return []
    if not any(is_number(w.key) or w.key in NUMBER_TOKENS for w in edit.removed + edit.added):
        return []
    near = around(edit.after, edit.added, 8) + " " + around(edit.before, edit.removed, 8)
    before = _words_before(edit.after, edit.added)
    if before == "for" and (_RETENTION_CONTEXT.search(edit.after) or "retention" in topic):
        return ["retention"]  # kept "for" a time, whatever else the clause names ("proof of your requests")
    if _RESPONSE_CONTEXT.search(near):
        return ["rights"]
    if _RETENTION_CONTEXT.search(near):
        return ["retention"]
    if (_REQUEST.search(near) and before != "for") or mentions("rights", near):
        return ["rights"]
    return [c for c in topic if c in ("retention", "rights")][:1]


def _words_before(text: str, changed: tuple[Word, ...]) -> str:
    """What the words before the first changed word make of a period: "for" (kept for a time),
    "within" (a deadline) or "" (monitor.quantities.preposition_before)."""
    if not changed:
        return ""
    tokens = text.split()
    spot = next((i for i, t in enumerate(tokens) if t == changed[0].text), None)
    return "" if spot is None else preposition_before(unaccent(" ".join(tokens[:spot]).lower()) + " ")


def is_phone(w: Word) -> bool:
    return is_phone_number(w.key)


def is_contact_number(w: Word, edit: Edit) -> bool:
    """A phone number, or a house number or postcode in an address: how to reach the controller."""
    if is_phone(w):
        return True
    return mentions("contact", around(edit.before, (w,), 4) + " " + around(edit.after, (w,), 4))


def same_quantities(edit: Edit) -> bool:
    """Only the way a quantity is written changed ("6 months" -> "six months", "a year" -> "12
    months", "thirty (30) days" -> "30 days"): compared by value, the clause says the same."""
    if not (edit.before and edit.after):
        return False
    changed = edit.removed + edit.added
    if not any(
        any(c.isdigit() for c in w.key) or w.key in NUMBER_TOKENS or w.key in ("a", "an") or durations_in(w.text)
        for w in changed
    ):
        return False
    return quantity_key(edit.before) == quantity_key(edit.after)


_MEASURE_UNIT = re.compile(r"^(?:%|percent|per|years?|old|age[sd]?|€|\$|£|eur|usd|gbp|chf)$", re.IGNORECASE)


def is_measure(w: Word, edit: Edit) -> bool:
    """A number that is a period, an age, an amount or a share, judged by the words around it."""
    if re.search(r"[%€$£]", w.text) or durations_in(w.text):
        return True
    for text in (edit.before, edit.after):
        tokens = text.split()
        for i, tok in enumerate(tokens):
            if tok == w.text:
                around = tokens[max(0, i - 2) : i + 3]
                if durations_in(" ".join(around)) or any(_MEASURE_UNIT.match(t.strip(".,;:()")) for t in around):
                    return True
    return False



__all__ = ["duration_categories", "is_contact_number", "is_measure", "is_phone", "same_quantities"]
