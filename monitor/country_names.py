"""Every ISO 3166 country by its names in the languages the facts read, from pycountry's data.

The hand-written vocabulary (monitor.facts_vocab.COUNTRY_NAMES) names ~60 countries and regions; a
transfer to any other ("Czechia", "Croatia", "Iceland", "Liechtenstein") was read as no place and
never alerted. Here every country of ISO 3166-1 (249) is read by its English short, official and
common names and by their French, German, Spanish, Dutch and Swedish translations (the languages
monitor.quantities reads numbers in), as pycountry ships them (gettext domain "iso3166-1"), plus a
few English names ISO dropped but policies still write ("Ivory Coast", "Burma", "Swaziland").

Scale: ~1,900 names as one alternation would be tried one by one at every word start; they are
compiled as a trie (`_trie_pattern`), so at each letter only the names that can still match are
tried, and scanned at word starts only, as monitor.wordscan does.

Names that are also ordinary words, given names or US places ("Georgia", "Jersey", "Jordan",
"Chad", "Guinea", "turkey", German "Island" for Iceland) are listed in WORD_HOMONYMS and HOMONYMS
with the reason; monitor.countries reads them as a country only where their writing and context say
so (see `monitor.countries.places_in`).
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Callable

import pycountry

from monitor.wordscan import WORD_CHAR, unaccent

LANGUAGES = ("fr", "de", "es", "nl", "sv")  # besides English; the facts' Latin-script languages

# English names ISO 3166 no longer gives (renamed countries, exonyms) that policies still write, by
# the ISO alpha-2 code of the country they name. "Kosovo" has no ISO code and is left out.
EXTRA_NAMES: dict[str, tuple[str, ...]] = {
    "CI": ("Ivory Coast",),
    "MM": ("Burma",),
    "SZ": ("Swaziland",),
    "CV": ("Cape Verde",),
    "TL": ("East Timor",),
    "VA": ("Vatican City", "Vatican"),
    "CD": ("DR Congo", "Democratic Republic of Congo"),
    "MO": ("Macau",),
    "MK": ("Macedonia",),  # its ISO name until 2019
    "IE": ("Eire", "Éire"),  # its name in Irish, written in English texts too
}

# Names that are also a common lower-case word ("turkey" the bird, "china" porcelain, "japan"
# lacquer, "chile"/"chili" the pepper, French "Suède" folded is "suede" the leather): a country only
# when written with a capital.
WORD_HOMONYMS = frozenset({"turkey", "china", "japan", "chile", "chili", "suede"})
# Names that are also a given name, a word that is capitalised in a sentence's first place or in a
# title, or an American or other place: a country only written with a capital, where it is said to
# be a place (after "to", "in", "from"..., or listed with a name that is surely a country), not
# followed by another capitalised word (a surname: "Jordan Reyes"; a name: "Georgia Tech", "Jersey
# Telecom"), not after "New" ("New Jersey", "New Guinea").
HOMONYMS: dict[str, str] = {
    "georgia": "a US state, a given name",
    "georgie": "a given name (French name of Georgia)",
    "jersey": "a garment, New Jersey",
    "guernsey": "a garment",
    "guernesey": "a garment (French name of Guernsey)",
    "jordan": "a given and family name",
    "chad": "a given name",
    "niger": "a river",
    "guinea": "a coin, the guinea pig, New Guinea",
    "reunion": "a meeting ('Réunion' folded)",
    "island": "an English word (German and Swedish name of Iceland)",
    "norfolk": "an English county, a US city (Dutch name of Norfolk Island)",
    "granada": "a Spanish city (Spanish name of Grenada)",
    "maurice": "a given name (French name of Mauritius)",
    "mauricio": "a given name (Spanish name of Mauritius)",
    "malte": "a German given name (French name of Malta)",
    "dominique": "a given name (French name of Dominica)",
    "salvador": "a given name, a Brazilian city (French name of El Salvador)",
    "argentine": "an English adjective: 'Argentine law' (French name of Argentina)",
}
# Of those, the names of US states: a country only away from American cues (monitor.countries).
US_STATE_HOMONYMS = frozenset(
    unaccent(s.name.lower()) for s in pycountry.subdivisions.get(country_code="US") or ()
) & set(HOMONYMS)
US_STATES = frozenset(s.name for s in pycountry.subdivisions.get(country_code="US") or ())


def key(name: str) -> str:
    """The lookup form of a name or of a matched text: folded, one space for any run of spaces or
    hyphens, typographic apostrophes straight ("Guinea-Bissau" and "guinea bissau" are one key)."""
    return re.sub(r"[\s\-]+", " ", unaccent(name.lower()).replace("’", "'")).strip()


def _uninverted(name: str) -> str | None:
    """ "Congo, The Democratic Republic of the" -> "The Democratic Republic of the Congo";
    "Virgin Islands, British" -> "British Virgin Islands"; None for a name that is not inverted
    ("Bonaire, Sint Eustatius and Saba" lists three islands)."""
    if ", " not in name:
        return None
    head, tail = name.split(", ", 1)
    if re.search(r"\bof(?: the)?$", tail) or re.fullmatch(r"[\w.]+", tail):
        return f"{tail} {head}"
    return None


def _english_names(country: object) -> list[str]:
    """A country's English names: ISO's short, common and official names, the short name without
    its parenthesis ("Holy See (Vatican City State)" -> "Holy See"), an inverted name the right way
    round, and EXTRA_NAMES."""
    names = [getattr(country, a) for a in ("common_name", "name", "official_name") if hasattr(country, a)]
    out = list(names)
    for name in names:
        if "(" in name:
            out.append(re.sub(r"\s*\([^)]*\)", "", name))
        flipped = _uninverted(name)
        if flipped:
            out.append(flipped)
    out += EXTRA_NAMES.get(getattr(country, "alpha_2", ""), ())
    return [re.sub(r"^the ", "", n, flags=re.IGNORECASE) for n in out]


def display_name(country: object) -> str:
    """The name a reason shows for a country the vocabulary does not know: ISO's common name, else
    its short name the right way round and without parenthesis ("Democratic Republic of the Congo",
    "Holy See", "Palestine"), else its official name."""
    if hasattr(country, "common_name"):
        return str(country.common_name)
    name = re.sub(r"\s*\([^)]*\)", "", str(country.name))
    if ", " in name:
        head, tail = name.split(", ", 1)
        if re.search(r"\bof(?: the)?$", tail):
            # "Palestine, State of" -> "Palestine" where the head names no other country.
            clash = sum(1 for c in pycountry.countries if str(c.name).split(",")[0] == head)
            return head if clash == 1 else re.sub(r"^The ", "", f"{tail} {head}")
        return str(getattr(country, "official_name", name))
    return name


def iso_names(canonical_of: Callable[[str], str | None]) -> dict[str, str]:
    """{key(name): canonical name} for every name of every ISO country in English and LANGUAGES.

    `canonical_of(name)`: the canonical name the hand-written vocabulary reads `name` as, when it
    reads it whole; a country it knows keeps that name ("Russian Federation" is "Russia"), the others
    get `display_name`. Names the vocabulary already reads whole are left to it. A name that two
    countries share would be dropped (there is none in pycountry's data today)."""
    translators = [gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]) for lang in LANGUAGES]
    out: dict[str, str] = {}
    clashes: set[str] = set()
    for country in pycountry.countries:
        english = _english_names(country)
        known = next((c for c in map(canonical_of, english) if c), None)
        canonical = known or display_name(country)
        iso = [getattr(country, a) for a in ("common_name", "name", "official_name") if hasattr(country, a)]
        names = english + [t.gettext(n) for t in translators for n in iso]
        # A translated name is read with and without its parenthesis, as the English ones.
        names += [re.sub(r"\s*\([^)]*\)", "", n) for n in names if "(" in n]
        for name in names:
            k = key(name)
            if not k or canonical_of(name) is not None:
                continue
            if out.get(k, canonical) != canonical:
                clashes.add(k)
            out[k] = canonical
    for k in clashes:
        del out[k]
    return out


def _trie_pattern(words: list[str]) -> str:
    """One regex for many names, as a trie: at each letter only the names that can still match are
    tried; the longer name first ("guinea-bissau" before "guinea"). A space or a hyphen in a name
    matches any run of spaces or hyphens ("Guinea Bissau")."""
    root: dict[str, dict] = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        alts = [(r"[\s\-]+" if ch == " " else re.escape(ch)) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


def name_scanner(names: dict[str, str]) -> re.Pattern[str]:
    """The scan for `names` in " " + folded text: group 1 is a whole name, at a word start and
    ending where a word ends."""
    return re.compile(rf"[^{WORD_CHAR}]({_trie_pattern(sorted(names))})(?![{WORD_CHAR}])")


__all__ = [
    "HOMONYMS",
    "LANGUAGES",
    "US_STATES",
    "US_STATE_HOMONYMS",
    "WORD_HOMONYMS",
    "display_name",
    "iso_names",
    "key",
    "name_scanner",
]
