"""Names of public bodies, laws and transfer mechanisms: what a capitalised name in a policy is when
it is not a company that receives data."""

from __future__ import annotations

import re

from monitor.normalize import COMPANY_SUFFIXES, COUNTRIES, token_key, word_set

# Words that make a name a public body or a legal instrument, not a company data goes to: "the UK
# Information Commissioner's Office", "the Swiss Federal Data Protection and Information Commissioner",
# "the EU-U.S. Data Privacy Framework", "its Principles", "Annex I", "the DPAs". Such a name in a
# changed clause is a regulator to complain to or a transfer mechanism, which the other categories
# (rights, transfer) report; calling it a new recipient is wrong in a way a lawyer notices.
_INSTITUTION_WORDS = word_set(
    "act acts agency annex authority authorities board clauses code commission commissioner commissioners"
    " court department directive dpa dpas dpf extension federal framework frameworks government law laws"
    " ministry ombudsman principles regulation regulations regulator regulatory shield supervisory tribunal"
)
# Regions joined into one token ("EU-U.S.", "Swiss-U.S."): a transfer mechanism's scope, not a company.
_JOINED_REGIONS = re.compile(r"^[A-Za-z.]+(?:[-/][A-Za-z.]+)+$")
_REGION_ADJECTIVES = word_set("swiss european british american")
# Words of a region's own name ("European Union", "European Economic Area"), with the countries.
_REGION_WORDS = word_set("union economic area")


def is_institution(name: str) -> bool:
    """A public body, a law or a transfer mechanism ("Information Commissioner's Office",
    "EU-U.S.", "UK Extension", "Principles") rather than a company; a name ending in a company suffix
    ("Quorvex Regulatory Ltd") is a company whatever it contains."""
    tokens = name.split()
    if not tokens or (tokens[-1][:1].isupper() and token_key(tokens[-1]) in COMPANY_SUFFIXES):
        return False
    parts = _keys(tokens)
    if any(p in _INSTITUTION_WORDS for p in parts):
        return True
    if all(_is_region(p) or p in _REGION_WORDS for p in parts):
        return True  # "European Union", "EEA": a region, no company
    return all(
        _JOINED_REGIONS.match(t) and all(_is_region(q) for q in re.split(r"[-/]", t) if q)
        for t in (t.strip("(),;") for t in tokens)
    )


def _is_region(part: str) -> bool:
    low = part.lower()
    return low in COUNTRIES or low.rstrip(".") in COUNTRIES or low in _REGION_ADJECTIVES


def names_public_body(name: str) -> bool:
    """A name holding the word of a public body or legal instrument ("UK Information Commissioner's
    Office", "UK Extension"): a country inside it is part of the name, not a place data goes."""
    return any(p in _INSTITUTION_WORDS for p in _keys(name.split()))


def _keys(tokens: list[str]) -> list[str]:
    """Word keys without brackets or a possessive ("Commissioner's" -> "commissioner")."""
    return [token_key(t.strip("()")).removesuffix("'s").removesuffix("’s") for t in tokens]

