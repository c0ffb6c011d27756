"""One company or one country written another way is no change, and its reason says which
(fresh-user findings: "Ltd" -> "Limited" read as a recipient removed and added, "Great Britain and
Northern Ireland" as a country added, "North Macedonia" as a new recipient "North")."""

import pytest
from test_judgment_facts import BASE, build

from monitor.countries import places_in
from monitor.diff import compare
from monitor.facts import compare_facts
from monitor.legal_forms import canonical_company


def judged(heading: str, old: list[str], new: list[str]):
    return compare(build(dict(BASE, **{heading: old})), build(dict(BASE, **{heading: new})))


FORMS = [
    ("Harlowe Payments Ltd", "Harlowe Payments Limited"),
    ("Brindlecote, Inc.", "Brindlecote Incorporated"),
    ("Quenby Data Corp.", "Quenby Data Corporation"),
    ("Tarnwick GmbH", "Tarnwick Gesellschaft mit beschränkter Haftung"),
    ("Ossory Labs LLC", "Ossory Labs L.L.C."),
    ("Ossory Labs LLC", "Ossory Labs Limited Liability Company"),
    ("Velmar S.A.", "Velmar SA"),
    ("Driekant B.V.", "Driekant Besloten Vennootschap"),
    ("Pellham Holdings plc", "Pellham Holdings PLC"),
    ("Pellham Holdings plc", "Pellham Holdings Public Limited Company"),
]


@pytest.mark.parametrize(("old", "new"), FORMS)
def test_a_company_by_another_legal_form_is_one_name(old, new):
    assert canonical_company(old).lower().replace(",", "") == canonical_company(new).lower().replace(",", "")


@pytest.mark.parametrize(("old", "new"), FORMS)
def test_a_recipient_by_another_legal_form_is_no_change(old, new):
    before = f"We share card data with {old}, which processes our payments."
    after = f"We share card data with {new}, which processes our payments."
    assert compare_facts(before, after) == []
    r = judged("Sharing", [before], [after])
    assert not r.substantive, [c.reason for c in r.changes]
    assert all(c.reason.startswith("the same company name in another form:") for c in r.changes), [
        c.reason for c in r.changes
    ]


def test_another_company_is_still_a_new_recipient():
    r = judged("Sharing", ["We share card data with Harlowe Payments Ltd, which processes our payments."],
               ["We share card data with Corbel Payments Limited, which processes our payments."])
    assert r.substantive
    assert "Corbel Payments Limited" in r.substantive_changes[0].reason


def test_ordinary_words_are_no_legal_form():
    assert canonical_company("a limited company") == "a limited company"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("the United Kingdom", "Great Britain and Northern Ireland"),
        ("the United Kingdom", "Scotland"),
        ("Macedonia", "North Macedonia"),
        ("Ireland", "Éire"),
        ("the United Kingdom", "Great Britain"),
    ],
)
def test_a_country_by_another_name_is_no_change_and_said_so(old, new):
    r = judged("International transfers", [f"We store your data on servers located in {old} and nowhere else."],
               [f"We store your data on servers located in {new} and nowhere else."])
    assert not r.substantive, [c.reason for c in r.changes]
    reasons = [c.reason for c in r.changes]
    assert reasons and all(x.startswith("the same country by another name:") for x in reasons), reasons
    assert new.split()[-1] in reasons[0]  # the whole new name, not "... -> North"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("in Northern Ireland", "United Kingdom"),
        ("in Wales", "United Kingdom"),
        ("in Scotland", "United Kingdom"),
        ("in England", "United Kingdom"),
        ("in Macedonia", "North Macedonia"),
        ("in Éire", "Ireland"),
    ],
)
def test_names_of_a_country(text, name):
    assert [p.name for p in places_in(text)] == [name]


def test_new_south_wales_is_no_country():
    assert places_in("servers in New South Wales") == []


def test_a_form_change_said_once_per_wording():
    r = judged("Sale", ["We do not sell your data and we do not rent your data."],
               ["We don't sell your data and we don't rent your data."])
    assert [c.reason for c in r.changes] == ["the same wording in another form: do not -> don't"]
