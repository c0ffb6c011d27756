"""Wording that changed form but not meaning (monitor.same_form): a contraction and its full form,
one country by another of its names (tests/test_country_names.py reads the names). Neither is a change; a negation added or
dropped, or a country really added or swapped, still is. Every sentence here is fictional."""

import pytest
from test_country_names import ALIASES
from test_judgment_facts import BASE, build

from monitor.classify import Edit, classify_edit
from monitor.diff import compare
from monitor.normalize import Word, token_key
from monitor.same_form import full_form


def w(text: str) -> tuple[Word, ...]:
    return tuple(Word(t, token_key(t), i == 0) for i, t in enumerate(text.split()))


def judged(heading: str, old: list[str], new: list[str]):
    return compare(build(dict(BASE, **{heading: old})), build(dict(BASE, **{heading: new})))


# -- contractions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("don't", ("do", "not")),
        ("doesn't", ("does", "not")),
        ("isn't", ("is", "not")),
        ("won't", ("will", "not")),
        ("can't", ("can", "not")),
        ("cannot", ("can", "not")),
        ("we're", ("we", "are")),
        ("we'll", ("we", "will")),
        ("we've", ("we", "have")),
        ("it's", ("it", "is")),
        ("there's", ("there", "is")),
        ("let's", ("let", "us")),
        ("company's", ("company's",)),  # a possessive is no contraction
        ("users'", ("users'",)),
        ("sell", ("sell",)),
    ],
)
def test_full_forms(key, words):
    assert full_form(key) == words


SAME = [
    ("Sale", "We do not sell your personal data.", "We don't sell your personal data."),
    ("Sale", "We do not sell your personal data.", "We don’t sell your personal data."),  # curly apostrophe
    ("Sale", "We don't sell your personal data.", "We do not sell your personal data."),
    ("Sharing", "We will not share your trip history with advertisers.", "We won't share your trip history with advertisers."),
    ("Your rights", "Once erased, we cannot restore your routes.", "Once erased, we can't restore your routes."),
    ("Your rights", "Once erased, we can not restore your routes.", "Once erased, we cannot restore your routes."),
    ("Children", "The app is not meant for children under 13.", "The app isn't meant for children under 13."),
    ("Contact", "We are the controller of your personal data.", "We're the controller of your personal data."),
    ("Changes", "We will e-mail you before a change takes effect.", "We'll e-mail you before a change takes effect."),
    ("Security", "It is encrypted at rest and in transit.", "It's encrypted at rest and in transit."),
]


@pytest.mark.parametrize(("heading", "before", "after"), SAME)
def test_a_contraction_or_its_full_form_is_no_change(heading, before, after):
    r = judged(heading, [before], [after])
    assert not r.substantive, [c.reason for c in r.changes]
    assert [c.reason for c in r.changes][0].startswith("the same wording in another form: ")


def test_a_contraction_alone_is_judged_the_same_at_the_classifier():
    v = classify_edit(Edit(("Sale",), "We do not sell your data.", "We don't sell your data.", w("do not"), w("don't")))
    assert not v.substantive and v.reason == "the same wording in another form: do not -> don't"


NEGATION_CHANGED = [
    ("Sale", "We sell your personal data.", "We don't sell your personal data.", "sharing"),
    ("Sale", "We don’t sell your personal data.", "We sell your personal data.", "sharing"),
    ("Sharing", "We share your trip history with advertisers.", "We won't share your trip history with advertisers.", "sharing"),
    ("Your rights", "You can't object to this processing.", "You can object to this processing.", "rights"),
    ("Children", "The app isn't meant for children under 13.", "The app is meant for children under 13.", "children"),
]


@pytest.mark.parametrize(("heading", "before", "after", "category"), NEGATION_CHANGED)
def test_a_negation_added_or_dropped_in_a_contraction_still_counts(heading, before, after, category):
    r = judged(heading, [before], [after])
    assert r.substantive and category in r.categories, [c.reason for c in r.changes]


def test_a_contraction_beside_a_real_change_leaves_only_the_real_change():
    r = judged("Retention", ["We do not keep server logs for longer than 30 days."],
               ["We don't keep server logs for longer than 90 days."])
    assert r.categories == ["retention"]
    assert [c.reason for c in r.substantive_changes] == ["retention period: 30 days -> 90 days"]


def test_a_sentence_moved_to_another_section_and_contracted_is_no_change():
    said = "We do not sell your personal data to anyone, and we never will."
    old = dict(BASE, Sharing=["We share data with our payment processor.", said], Sale=["Some words on selling follow."])
    new = dict(BASE, Sharing=["We share data with our payment processor."],
               Sale=["Some words on selling follow.", said.replace("do not", "don't")])
    r = compare(build(old), build(new))
    assert not r.substantive, [c.reason for c in r.changes]


# -- one country, many names --------------------------------------------------------------------



@pytest.mark.parametrize(("old", "new"), ALIASES)
def test_one_country_by_another_of_its_names_is_no_change(old, new):
    r = judged("International transfers", [f"We store your data on servers in {old} and Norway."],
               [f"We store your data on servers in {new} and Norway."])
    assert not r.substantive, [c.reason for c in r.changes]


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("the UK", "the US", "country added: United States; country removed: United Kingdom"),
        ("the United Kingdom", "the United States", "country added: United States; country removed: United Kingdom"),
        ("the UK", "the United Kingdom and India", "country added: India"),
        ("the EU", "the E.U. and the UAE", "country added: United Arab Emirates"),
    ],
)
def test_a_country_really_added_or_swapped_still_counts(old, new, reason):
    r = judged("International transfers", [f"We store your data on servers in {old}."],
               [f"We store your data on servers in {new}."])
    assert r.substantive and "transfer" in r.categories
    assert [c.reason for c in r.substantive_changes] == [reason]


def test_a_sentence_moved_into_another_paragraph_and_contracted_is_no_change():
    said = "We do not sell your data."
    old = dict(BASE, Sharing=["We share data with our payment processor to take payments. " + said],
               Sale=["Some words on selling follow here. More words follow."])
    new = dict(BASE, Sharing=["We share data with our payment processor to take payments."],
               Sale=["Some words on selling follow here. We don't sell your data. More words follow."])
    r = compare(build(old), build(new))
    assert not r.substantive, [c.reason for c in r.changes]
    flipped = dict(new, Sale=["Some words on selling follow here. We sell your data. More words follow."])
    assert compare(build(old), build(flipped)).substantive  # moved and its negation dropped: a change
