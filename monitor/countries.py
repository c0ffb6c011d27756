"""Country and region names found whole in a text: "United States", "United Arab Emirates", "Hong Kong".

Word by word, a multi-word name falls apart: with "United Kingdom" in the old version, the "United"
of a new "United States" is a known word and "States" is left over as the country added, and
"Saudi Arabia" or "Hong Kong" are read as a company's name. These helpers match the names of
monitor.facts_vocab as whole names, with their canonical spelling, for every layer that names a
country (the facts, the classifier's "country added", the recipient's country).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pycountry

from monitor import facts_vocab as V
from monitor.wordscan import Table, unaccent

# Official names, matched before the short ones so that "the People's Republic of China" is China
# whole, not "China" with a "People's Republic" left over to be taken for a company. The English
# names of ISO 3166 (short, official and common: "Russian Federation", "Republic of Finland",
# "Korea, Republic of") come from pycountry (`_iso_names`); these are the other languages' and the
# English names ISO does not give. "russian federation" and "turkiye" stay: they are what ties
# pycountry's Russia and Türkiye (which have no other name) to this vocabulary's Russia and Turkey.
_A = "[’']?"  # an apostrophe, straight or typographic, or none
OFFICIAL_NAMES: dict[str, str] = {
    "China": r"volksrepublik china|republique populaire de chine|republica popular (?:de )?china|volksrepubliek china",
    "South Korea": r"republic of korea|republik korea|republique de coree|republica de corea",
    "Russia": r"russian federation|russische foderation|federation de russie|federacion de rusia"
    r"|russische federatie|российская федерация|российской федерации",
    "Germany": r"bundesrepublik deutschland|republique federale d.allemagne",
    "Switzerland": r"schweizerische eidgenossenschaft|confederation suisse|confederacion suiza|zwitserse bondsstaat",
    "Australia": r"commonwealth of australia",
    "Turkey": r"republic of turkey|\bturkiye\b",
    "Ireland": r"republic of ireland",
    "Vietnam": r"socialist republic of viet ?nam",
    "Hong Kong": r"hong kong special administrative region|hong kong sar\b",
    "France": r"republique francaise",
    "Italy": r"repubblica italiana",
    "Spain": r"reino de espana",
    "Netherlands": r"koninkrijk der nederlanden",
}


def fold(text: str) -> str:
    """Lower case without diacritics, with the same length, so positions found in it hold in the original."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return unaccent(low)


def _reads_whole(table: Table, name: str) -> str | None:
    """The canonical name `table` reads `name` as, when one entry covers all of it."""
    low = fold(name)
    spans = table.spans(low)
    return spans[0][2] if len(spans) == 1 and spans[0][:2] == (0, len(low)) else None


def _iso_names(known: Table) -> list[tuple[str, str]]:
    """(canonical name, pattern) for each English ISO 3166 name (pycountry's short, official and
    common names) of a country this vocabulary knows that `known` does not read whole.

    pycountry rather than a hand-written list: ISO's names are its data, kept current (Türkiye,
    Czechia); its alpha codes are not read ("IN", "IT", "CAN", "ARE" are words), nor are countries
    the vocabulary does not name (a new "Jersey" or "Georgia" in a policy is more often not one)."""
    out: dict[tuple[str, str], None] = {}  # ordered and without repeats (Taiwan's name is its official name)
    for country in pycountry.countries:
        names = [getattr(country, a) for a in ("common_name", "name", "official_name") if hasattr(country, a)]
        canonical = next((c for c in map(functools.partial(_reads_whole, known), names) if c), None)
        if canonical is None:
            continue
        for name in names:
            if _reads_whole(known, name) != canonical:
                words = [re.escape(w).replace("'", _A) for w in fold(name).replace("’", "'").split()]
                out[(canonical, r"\b" + " ".join(words) + r"\b")] = None
    return sorted(out, key=lambda item: -len(item[1]))  # the longer names first, as in OFFICIAL_NAMES


_KNOWN = Table(list(OFFICIAL_NAMES.items()) + list(V.COUNTRY_NAMES.items()))
COUNTRY_TABLE = Table(_iso_names(_KNOWN) + list(OFFICIAL_NAMES.items()) + list(V.COUNTRY_NAMES.items()))
# Upper-case abbreviations, matched case-sensitively: "contact us" is no country.
# Dotted forms before the bare ones ("U.S.A." before "U.S."); each is a key of V.COUNTRY_ABBREVIATIONS.
ABBREVIATION = re.compile(
    r"(?<![\w.])(U\.S\.A\.|U\.S\.|U\.K\.|E\.E\.A\.|E\.U\.|U\.A\.E\.|USA|US|UK|EU|EEA|UAE|PRC)(?![\w])"
)


@dataclass(frozen=True)
class Place:
    start: int
    end: int
    name: str  # canonical: "United States" for "USA", "États-Unis" or "America"
    capitalised: bool  # written as a name ("Turkey", "中国"), not as a common word ("turkey")


def places_in(text: str) -> list[Place]:
    """Every country or region named in `text`, each a whole name, in reading order."""
    out = [
        Place(start, end, name, not text[start].islower())
        for start, end, name in COUNTRY_TABLE.spans(fold(text))
    ]
    taken = [(p.start, p.end) for p in out]
    for m in ABBREVIATION.finditer(text):
        if not any(s <= m.start() < e for s, e in taken):
            out.append(Place(m.start(), m.end(), V.COUNTRY_ABBREVIATIONS[m.group(1)], True))
    return sorted(out, key=lambda p: p.start)


_EDGES = " \t\"'()[].,;:"


def country_name(name: str) -> str | None:
    """The canonical name if `name` is a country or region and nothing else ("the United Kingdom.",
    "(UAE)"), else None: "United Kingdom Holdings" or "Hong Kong Data Ltd" are companies."""
    core = name.strip(_EDGES.replace(".", ""))
    if core.lower().startswith("the "):
        core = core[4:]
    for text in (core, core.rstrip(".")):  # "U.S." keeps its dot, "Hong Kong." ends a sentence
        places = places_in(text)
        if len(places) == 1 and places[0].start == 0 and places[0].end == len(text):
            return places[0].name
    return None


__all__ = ["ABBREVIATION", "COUNTRY_TABLE", "OFFICIAL_NAMES", "Place", "country_name", "fold", "places_in"]
