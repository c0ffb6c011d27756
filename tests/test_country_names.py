"""One country or region by any of its names is one place (monitor.countries): "UK", "U.K.", "Great
Britain" and "United Kingdom"; "E.U." and "European Union"; ISO 3166's names from pycountry. Every
sentence here is fictional."""

import pycountry
import pytest

from monitor.countries import country_name, places_in
from monitor.country_names import HOMONYMS, key
from monitor.facts import compare_facts, extract_facts

ALIASES = [
    ("the United Kingdom", "the UK"),
    ("the U.K.", "Great Britain"),
    ("the United States", "the US"),
    ("the U.S.", "the USA"),
    ("the U.S.A.", "the United States of America"),
    ("the European Union", "the EU"),
    ("the EU", "the E.U."),
    ("the European Economic Area", "the EEA"),
    ("the EEA", "the E.E.A."),
    ("the United Arab Emirates", "the UAE"),
    ("the UAE", "the U.A.E."),
    ("the Netherlands", "Holland"),
    ("Finland", "the Republic of Finland"),
    ("South Korea", "Korea, Republic of"),
    ("Russia", "the Russian Federation"),
    ("Turkey", "Türkiye"),
    ("Vietnam", "Viet Nam"),
]


@pytest.mark.parametrize(("old", "new"), ALIASES)
def test_one_country_by_another_of_its_names_is_one_fact(old, new):
    before, after = f"We store your data on servers in {old} and Norway.", f"We store your data on servers in {new} and Norway."
    assert [c.reason for c in compare_facts(before, after)] == []
    assert {f.value for f in extract_facts(before)} == {f.value for f in extract_facts(after)}


def test_every_iso_name_of_a_known_country_is_that_country():
    """pycountry's short, official and common names of each country the vocabulary knows all read
    as that one country: a policy switching between them changes nothing."""
    known = 0
    for country in pycountry.countries:
        names = [getattr(country, a) for a in ("name", "official_name", "common_name") if hasattr(country, a)]
        # A name that is also a given name or a word ("Georgia", "Jordan", "Guinea") is a country
        # only where it is said to be a place, so it is read in a sentence that says so.
        read = {n: country_name(n) if key(n) not in HOMONYMS else _read_in_place(n) for n in names}
        if set(read.values()) == {None}:
            continue  # a country the vocabulary does not name
        known += 1
        assert len(set(read.values())) == 1 and None not in read.values(), read
    assert known == len(pycountry.countries)


def _read_in_place(name: str) -> str | None:
    sentence = f"We transfer data to {name}."
    places = places_in(sentence)
    whole = [p.name for p in places if sentence[p.start : p.end] == name]
    return whole[0] if len(places) == 1 and whole else None


def test_a_country_swapped_or_added_is_still_a_fact_change():
    sentence = "We store your data on servers in {}."
    assert {c.reason for c in compare_facts(sentence.format("the UK"), sentence.format("the US"))} == {
        "country added: United States",
        "country removed: United Kingdom",
    }
    assert {c.reason for c in compare_facts(sentence.format("the EU"), sentence.format("the E.U. and the U.A.E."))} == {
        "country added: United Arab Emirates"
    }
    assert {c.reason for c in compare_facts(sentence.format("Finland"), sentence.format("the Republic of Korea"))} == {
        "country added: South Korea",
        "country removed: Finland",
    }
