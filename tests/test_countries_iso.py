"""Every ISO 3166 country is a place (monitor.country_names, monitor.countries): a transfer to a
country the hand-written vocabulary never named is a transfer change; a name that is also a US state,
a given name or a word counts only where it is said to be a country; a place after a long name is
still read. Every sentence and company here is fictional."""

import pytest

from monitor.countries import country_name, places_in
from monitor.diff import compare
from monitor.document import Document, DocumentBuilder
from monitor.facts import compare_facts, extract_facts

INTRO = "Brackenfold Tools Oy makes the Brackenfold planner app and is the controller of your personal data."


def build(storage: str) -> Document:
    b = DocumentBuilder()
    b.block("p", INTRO)
    b.heading("What we collect", 1)
    b.block("p", "We collect your e-mail address and the tasks you plan.")
    b.heading("Where your data is stored", 1)
    b.block("p", storage)
    b.heading("Contact", 1)
    b.block("p", "Write to privacy@brackenfold.example.")
    return b.build("Brackenfold privacy policy")


OLD = "We store your data on servers in Finland and Germany."

NEW_COUNTRIES = [
    ("Czechia", "Czechia"),
    ("the Czech Republic", "Czechia"),
    ("Croatia", "Croatia"),
    ("Bulgaria", "Bulgaria"),
    ("Cyprus", "Cyprus"),
    ("Malta", "Malta"),
    ("Slovakia", "Slovakia"),
    ("Slovenia", "Slovenia"),
    ("Iceland", "Iceland"),
    ("Liechtenstein", "Liechtenstein"),
    ("Morocco", "Morocco"),
    ("the Democratic Republic of the Congo", "Democratic Republic of the Congo"),
]


@pytest.mark.parametrize(("written", "canonical"), NEW_COUNTRIES)
def test_a_new_transfer_to_a_country_the_vocabulary_did_not_name_alerts_as_transfer(written, canonical):
    new = f"We store your data on servers in Finland and Germany, and we transfer backups to {written}."
    assert [c.reason for c in compare_facts(OLD, new)] == [f"country added: {canonical}"]
    r = compare(build(OLD), build(new))
    assert r.substantive and "transfer" in r.categories and r.severity == "high"
    assert canonical in " ".join(c.reason for c in r.substantive_changes)


@pytest.mark.parametrize(
    ("sentence", "canonical"),
    [
        ("Nous transférons vos données vers la Tchéquie.", "Czechia"),
        ("Wir übermitteln Ihre Daten nach Kroatien.", "Croatia"),
        ("Wir speichern Ihre Daten in Island.", "Iceland"),
        ("Transferimos sus datos a servidores en Eslovenia.", "Slovenia"),
        ("Uw gegevens worden opgeslagen in IJsland.", "Iceland"),
        ("Vos données sont hébergées en Suède.", "Sweden"),
        ("Nous transférons vos données vers l’Argentine.", "Argentina"),
    ],
)
def test_a_country_is_read_by_its_name_in_the_other_languages(sentence, canonical):
    assert {f.value for f in extract_facts(sentence)} == {canonical}


def test_georgia_the_us_state_adds_no_country():
    for new in [
        "We store your data on servers in Finland and Germany and in a data centre in Atlanta, Georgia.",
        "We store your data on servers in Finland, Germany and the state of Georgia.",
        "We store your data on servers in Finland and Germany, and backups in Georgia and Texas.",
        "We store your data on servers in Finland and Germany and with a host in Georgia, USA.",
        OLD + " Backups are stored with Quillon, 12 Peach Rd, Atlanta, GA 30301, Georgia, Estados Unidos.",
    ]:
        assert [c.reason for c in compare_facts(OLD, new) if c.kind == "country" and "Georgia" in c.reason] == [], new


def test_georgia_the_country_is_a_country():
    new = "We store your data on servers in Finland and Germany, and transfer it to Armenia, Georgia and Azerbaijan."
    assert {c.reason for c in compare_facts(OLD, new)} == {
        "country added: Armenia",
        "country added: Georgia",
        "country added: Azerbaijan",
    }
    assert {c.reason for c in compare_facts(OLD, OLD + " Backups are transferred to Georgia.")} == {"country added: Georgia"}


def test_jordan_as_a_persons_name_adds_no_country():
    new = OLD + " Our data protection officer, Jordan Ellery, oversees every transfer of your data."
    assert [c.reason for c in compare_facts(OLD, new) if c.kind == "country"] == []
    reasons = " ".join(c.reason for c in compare(build(OLD), build(new)).substantive_changes)
    assert "country added" not in reasons and "(Jordan)" not in reasons, reasons
    assert [c.reason for c in compare_facts(OLD, OLD + " We transfer backups to Jordan.")] == ["country added: Jordan"]


def test_a_name_that_is_also_a_word_or_another_name_is_no_country_there():
    for text in [
        "Island servers in our office store the data.",  # German "Island" is Iceland; English island
        "We store data on servers in New Jersey.",
        "We transfer the data to Chad Mortimer of our legal team.",
        "We process data about the roast turkey you order.",  # the bird
        "The servers are hosted in a jersey factory.",
        "We process data under Argentine data protection law.",  # French "Argentine" is Argentina
    ]:
        assert places_in(text) == [] or all(p.name == "United States" for p in places_in(text)), text
    assert country_name("Jordan") is None  # a bare name: a person as much as a country
def test_the_place_after_a_very_long_name_is_kept():
    short = "We transfer personal data to the United Kingdom and Norway."
    long = "We transfer personal data to the United Kingdom of Great Britain and Northern Ireland and Norway."
    assert [c.reason for c in compare_facts(short, long)] == []
    assert {f.value for f in extract_facts(long)} == {"United Kingdom", "Norway"}
    listed = (
        "We transfer personal data to the United Kingdom of Great Britain and Northern Ireland, the United"
        " States of America, the Swiss Confederation, the Kingdom of the Netherlands and Norway."
    )
    assert "Norway" in {f.value for f in extract_facts(listed)}


def test_residents_named_before_a_long_list_are_still_residents():
    text = (
        "Residents of the United Kingdom of Great Britain and Northern Ireland and Norway may ask"
        " us where their data is stored."
    )
    assert {f.value for f in extract_facts(text)} == set()


def test_a_negation_before_a_long_list_reaches_its_last_place():
    text = (
        "We do not transfer personal data to the United Kingdom of Great Britain and Northern Ireland, the"
        " Swiss Confederation, the Principality of Liechtenstein or the Kingdom of Norway."
    )
    assert {(f.value, f.negated) for f in extract_facts(text)} == {
        ("United Kingdom", True),
        ("Switzerland", True),
        ("Liechtenstein", True),
        ("Norway", True),
    }


def test_a_list_after_a_word_of_place_is_all_places():
    assert {f.value for f in extract_facts("Backups may be transferred to Georgia, Chad or Niger.")} == {
        "Georgia",
        "Chad",
        "Niger",
    }


def test_a_name_read_as_a_country_in_its_sentence_is_a_country_not_a_recipient():
    for added, country in [(" Your data may be accessed from Jersey.", "Jersey"), (" Backups are kept in Croatia.", "Croatia")]:
        r = compare(build(OLD), build(OLD + added))
        reasons = " ".join(c.reason for c in r.substantive_changes)
        assert "transfer" in r.categories and f"country added: {country}" in reasons, reasons
        assert "new recipient" not in reasons, reasons
    new = OLD + " We share your tasks with Vantelo Analytics Ltd in Jersey."
    reasons = " ".join(c.reason for c in compare(build(OLD), build(new)).substantive_changes)
    assert "Vantelo Analytics Ltd (Jersey)" in reasons, reasons


def test_a_listed_company_whose_name_holds_an_abbreviation_or_a_homonym_is_still_a_recipient():
    text = "We share data with partners such as US Bank, Jordan Logistics and Quorvex."
    assert {f.value for f in extract_facts(text) if f.kind == "recipient"} == {"US Bank", "Jordan Logistics", "Quorvex"}
