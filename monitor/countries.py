"""Country and region names found whole in a text: "United States", "United Arab Emirates", "Hong Kong".

Word by word, a multi-word name falls apart: with "United Kingdom" in the old version, the "United"
of a new "United States" is a known word and "States" is left over as the country added, and
"Saudi Arabia" or "Hong Kong" are read as a company's name. These helpers match the names of
monitor.facts_vocab, and every ISO 3166 country by its names in English, French, German, Spanish,
Dutch and Swedish (monitor.country_names), as whole names, with their canonical spelling, for every
layer that names a country (the facts, the classifier's "country added", the recipient's country).
A name that is also a word, a given name or a US state ("turkey", "Jordan", "Georgia") is read as a
country only where it is written and placed as one (`places_in`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from monitor import facts_vocab as V
from monitor.country_names import (
    HOMONYMS,
    US_STATE_HOMONYMS,
    US_STATES,
    WORD_HOMONYMS,
    iso_names,
    key,
    name_scanner,
)
from monitor.wordscan import Table, unaccent

# Official names, matched before the short ones so that "the People's Republic of China" is China
# whole, not "China" with a "People's Republic" left over to be taken for a company. The English
# names of ISO 3166 (short, official and common: "Russian Federation", "Republic of Finland",
# "Korea, Republic of") and their translations come from pycountry (monitor.country_names); these
# are the names ISO does not give. "russian federation" and "turkiye" stay: they are what ties
# pycountry's Russia and Türkiye (which have no other name) to this vocabulary's Russia and Turkey.
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


_KNOWN = Table(list(OFFICIAL_NAMES.items()) + list(V.COUNTRY_NAMES.items()))
COUNTRY_TABLE = _KNOWN  # the hand-written names (regex fragments, several languages and scripts)
# Every ISO 3166 country by its English and translated names (monitor.country_names): a plain
# name to its canonical one, scanned as one trie.
ISO_NAMES: dict[str, str] = iso_names(functools.partial(_reads_whole, _KNOWN))
_ISO_SCAN = name_scanner(ISO_NAMES)
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


# What may stand between two places of one list: "Croatia, Slovenia and the Czech Republic",
# "Armenien und Georgien", "la France et la Suède", "Chile y Perú", "Polen och Tjeckien".
_LIST_GAP = re.compile(
    r"(?:\s|,|;|/|&|\(|\)|\b(?:and|or|as well as|et|ou|und|oder|y|o|e|en|och|eller)\b)*"
    r"(?:\b(?:the|la|le|les|l'|l’|el|los|las|die|der|den|het|de)\s*)?",
    re.IGNORECASE,
)
# Words right before a name that say it is a place: "to", "in", "from"... (en, fr, de, es, nl, sv),
# an article allowed between ("transferred to the Republic of Chad").
_PLACE_BEFORE = re.compile(
    r"(?:\b(?:to|in|into|from|within|outside(?: of)?|across|throughout|via|through|towards|located|based"
    r"|à|au|aux|en|vers|dans|depuis|hors d[eu]|nach|aus|innerhalb|außerhalb|ins|hacia|desde|fuera de"
    r"|dentro de|naar|uit|buiten|till|i|från|utanför))\s+(?:(?:the|la|le|el|die|der|den|het|de)\s+|l['’])?$",
    re.IGNORECASE,
)
# A capitalised word right after the name makes it part of another name: "Jordan Reyes", "Georgia
# Tech", "Jersey Telecom" (a person's surname, a university, a company).
_NAME_GOES_ON = re.compile(r"[ \t]+[A-Z]")
# Around a US state's name, what says it is the state: "Atlanta, Georgia", "Georgia, USA", "the state
# of Georgia", "Georgia state law", "Georgia and Texas".
_AMERICAN_AFTER = re.compile(r"\s*(?:,\s*|\()?(?:USA|U\.S\.A?\.?|US|United States|[Ss]tate\b|[Cc]ounty\b)")
_AMERICAN_BEFORE = re.compile(r"\b[Ss]tate of\s*$")
_CITY_BEFORE = re.compile(r"\b[A-Z][a-z]+,\s*$")  # "Atlanta, Georgia", unless the word is a country


def _scan(low: str) -> list[tuple[int, int, str]]:
    """(start, end, canonical) of every name in folded `low`: the hand-written table's and ISO's,
    the longer of two that overlap and, of two at one place, the earlier."""
    found = COUNTRY_TABLE.spans(low)
    text = " " + low.replace("’", "'")
    found += [(m.start(1) - 1, m.end(1) - 1, ISO_NAMES[key(m.group(1))]) for m in _ISO_SCAN.finditer(text)]
    found.sort(key=lambda s: (s[0], s[0] - s[1]))
    out: list[tuple[int, int, str]] = []
    for span in found:
        if out and span[0] < out[-1][1]:
            continue  # inside a name already read: "Georgia" of "South Georgia and the ..."
        out.append(span)
    return out


def list_heads(text: str, places: list[Place]) -> list[int]:
    """For each of `places` (in reading order), the start of the first place of the list it stands in:
    "to the United Kingdom of Great Britain and Northern Ireland and Norway" is one list, and what is
    said before its first place (a verb of transfer, "residents of") is said of Norway too."""
    heads: list[int] = []
    for i, p in enumerate(places):
        prev = places[i - 1] if i else None
        joined = prev is not None and _LIST_GAP.fullmatch(text, prev.end, p.start) is not None
        heads.append(heads[-1] if joined else p.start)
    return heads


def _said_as_place(text: str, p: Place, head: int, certain_neighbour: bool, american_near: bool) -> bool:
    """Whether a name of HOMONYMS (`text[p.start:p.end]`) is written as a country: with a capital,
    its list (starting at `head`) after a word of place ("to Georgia, Chad or Niger") or with a name
    that is surely a place, not going on as another name, not after "New"; a US state's name away
    from American cues (`american_near`: the United States named close by, in any language:
    "Atlanta, GA 30326, Georgia, Estados Unidos")."""
    word = key(text[p.start : p.end])
    if not text[p.start].isupper() or _NAME_GOES_ON.match(text, p.end):
        return False
    if re.search(r"\bNew\s+$", text[max(0, p.start - 5) : p.start]):
        return False
    before = text[max(0, p.start - 30) : p.start]
    if not (certain_neighbour or _PLACE_BEFORE.search(text[max(0, head - 30) : head])):
        return False
    if word in US_STATE_HOMONYMS:
        near = text[max(0, p.start - 80) : p.end + 80]
        if (
            american_near
            or _AMERICAN_AFTER.match(text, p.end)
            or _AMERICAN_BEFORE.search(before)
            or (_CITY_BEFORE.search(before) and not certain_neighbour)
            or any(s in near for s in US_STATES if s.lower() != word)
        ):
            return False
    return True


# Words right before a place (or its list) that name it as where data does not go: "countries
# outside the European Economic Area", "anywhere except the UK" (en, fr, de, es, nl, sv).
_EXCLUDED_BEFORE = re.compile(
    r"\b(?:outside(?: of)?|beyond|except(?: for| in)?|excluding|other than|apart from"
    r"|hors d[eu]|en dehors d[eu]|außerhalb(?: de[rsm])?|fuera de|buiten|utanför)\s+"
    r"(?:(?:the|la|le|les|el|los|die|der|des|den|het|de)\s+|l['’])?$",
    re.IGNORECASE,
)


def named_as_excluded(text: str, start: int) -> bool:
    """Whether the place (or list of places) starting at `start` in `text` is named as where data
    is not: "to other countries outside the EEA" sends data elsewhere, not to the EEA."""
    return _EXCLUDED_BEFORE.search(text, max(0, start - 40), start) is not None


def places_in(text: str) -> list[Place]:
    """Every country or region named in `text`, each a whole name, in reading order.

    A name that is also a common word (WORD_HOMONYMS: "turkey") counts only written with a capital;
    one that is also a given name or an American place (HOMONYMS: "Georgia", "Jordan") only where
    it is written and placed as a country (`_said_as_place`)."""
    found = [Place(start, end, name, not text[start].islower()) for start, end, name in _scan(fold(text))]
    taken = [(p.start, p.end) for p in found]
    for m in ABBREVIATION.finditer(text):
        if not any(s <= m.start() < e for s, e in taken):
            found.append(Place(m.start(), m.end(), V.COUNTRY_ABBREVIATIONS[m.group(1)], True))
    found.sort(key=lambda p: p.start)
    words = [key(text[p.start : p.end]) for p in found]
    heads = list_heads(text, found)
    out = []
    for i, p in enumerate(found):
        if words[i] in WORD_HOMONYMS and not p.capitalised:
            continue
        if words[i] in HOMONYMS:
            listed = [j for j in range(len(found)) if heads[j] == heads[i] and j != i]
            certain = any(words[j] not in HOMONYMS for j in listed)
            american = any(q.name == "United States" and abs(q.start - p.start) <= 80 for q in found)
            if not _said_as_place(text, p, heads[i], certain, american):
                continue
        out.append(p)
    return out


_EDGES = " \t\"'()[].,;:"


def country_name(name: str) -> str | None:
    """The canonical name if `name` is a country or region and nothing else ("the United Kingdom.",
    "(UAE)"), else None: "United Kingdom Holdings" or "Hong Kong Data Ltd" are companies."""
    core = name.strip(_EDGES.replace(".", ""))
    if core.lower().startswith("the "):
        core = core[4:]
    if core.count("(") > core.count(")"):
        core += ")"  # the parenthesis of a name stripped as an edge: "Falkland Islands (Malvinas)"
    for text in (core, core.rstrip(".")):  # "U.S." keeps its dot, "Hong Kong." ends a sentence
        places = places_in(text)
        if len(places) == 1 and places[0].start == 0 and places[0].end == len(text):
            return places[0].name
    return None


__all__ = [
    "ABBREVIATION",
    "COUNTRY_TABLE",
    "ISO_NAMES",
    "OFFICIAL_NAMES",
    "Place",
    "country_name",
    "fold",
    "list_heads",
    "named_as_excluded",
    "places_in",
]
