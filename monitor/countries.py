"""Country and region names found whole in a text: "United States", "United Arab Emirates", "Hong Kong".

Word by word, a multi-word name falls apart: with "United Kingdom" in the old version, the "United"
of a new "United States" is a known word and "States" is left over as the country added, and
"Saudi Arabia" or "Hong Kong" are read as a company's name. These helpers match the names of
monitor.facts_vocab as whole names, with their canonical spelling, for every layer that names a
country (the facts, the classifier's "country added", the recipient's country).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor import facts_vocab as V
from monitor.wordscan import Table, unaccent

# Official names, matched before the short ones so that "the People's Republic of China" is China
# whole, not "China" with a "People's Republic" left over to be taken for a company.
_A = "[’']?"  # an apostrophe, straight or typographic, or none
OFFICIAL_NAMES: dict[str, str] = {
    "North Korea": rf"democratic people{_A}s republic of korea",
    "China": rf"people{_A}s republic of china|volksrepublik china|republique populaire de chine"
    r"|republica popular (?:de )?china|volksrepubliek china",
    "South Korea": r"republic of korea|republik korea|republique de coree|republica de corea",
    "Russia": r"russian federation|russische foderation|federation de russie|federacion de rusia"
    r"|russische federatie|российская федерация|российской федерации",
    "India": r"republic of india",
    "Saudi Arabia": r"kingdom of saudi arabia",
    "Germany": r"federal republic of germany|bundesrepublik deutschland|republique federale d.allemagne",
    "Switzerland": r"swiss confederation|schweizerische eidgenossenschaft|confederation suisse"
    r"|confederacion suiza|zwitserse bondsstaat",
    "United Kingdom": r"united kingdom of great britain and northern ireland",
    "Mexico": r"united mexican states",
    "Brazil": r"federative republic of brazil",
    "Australia": r"commonwealth of australia",
    "Singapore": r"republic of singapore",
    "Israel": r"state of israel",
    "Turkey": r"republic of turkiye|republic of turkey|\bturkiye\b",
    "Ireland": r"republic of ireland",
    "South Africa": r"republic of south africa",
    "Philippines": r"republic of the philippines",
    "Indonesia": r"republic of indonesia",
    "Vietnam": r"socialist republic of viet ?nam",
    "Egypt": r"arab republic of egypt",
    "Hong Kong": r"hong kong special administrative region|hong kong sar\b",
    "France": r"french republic|republique francaise",
    "Italy": r"italian republic|repubblica italiana",
    "Spain": r"kingdom of spain|reino de espana",
    "Netherlands": r"kingdom of the netherlands|koninkrijk der nederlanden",
    "Sweden": r"kingdom of sweden",
    "Norway": r"kingdom of norway",
    "Denmark": r"kingdom of denmark",
    "Belgium": r"kingdom of belgium",
    "Luxembourg": r"grand duchy of luxembourg",
    "Austria": r"republic of austria",
    "Poland": r"republic of poland",
    "Portugal": r"portuguese republic",
    "Greece": r"hellenic republic",
    "Argentina": r"argentine republic",
    "Chile": r"republic of chile",
    "Colombia": r"republic of colombia",
    "Thailand": r"kingdom of thailand",
    "Nigeria": r"federal republic of nigeria",
    "Kenya": r"republic of kenya",
}
COUNTRY_TABLE = Table(list(OFFICIAL_NAMES.items()) + list(V.COUNTRY_NAMES.items()))
# Upper-case abbreviations, matched case-sensitively: "contact us" is no country.
ABBREVIATION = re.compile(r"(?<![\w.])(U\.S\.A\.|U\.S\.|U\.K\.|USA|US|UK|EU|EEA|UAE|PRC)(?![\w])")


def fold(text: str) -> str:
    """Lower case without diacritics, with the same length, so positions found in it hold in the original."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return unaccent(low)


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
