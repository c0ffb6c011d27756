"""Reason lines that say what changed (fresh-user findings: "... -> (six)"; "countries outside the
European Economic Area" read as the EEA added)."""

import pytest
from test_judgment_facts import BASE, build

from monitor.diff import compare
from monitor.facts import compare_facts


def reasons(heading: str, old: list[str], new: list[str]) -> list[str]:
    r = compare(build(dict(BASE, **{heading: old})), build(dict(BASE, **{heading: new})))
    return [c.reason for c in r.changes]


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("for 6 months", "for 6 (six) months", "the same quantity written another way: six added beside the same figure"),
        ("for 6 (six) months", "for 6 months", "the same quantity written another way: six dropped from beside the same figure"),
    ],
)
def test_a_figure_written_twice_is_said_plainly(old, new, said):
    got = reasons("Retention", [f"We keep your data {old} after you close your account."],
                  [f"We keep your data {new} after you close your account."])
    assert got == [said]


@pytest.mark.parametrize(
    ("where", "place"),
    [
        ("other countries outside the European Economic Area", "EEA"),
        ("any country outside of the EEA", "EEA"),
        ("countries other than the United Kingdom", "United Kingdom"),
        ("any country except India", "India"),
    ],
)
def test_a_place_named_as_outside_is_no_destination(where, place):
    before = "We may transfer your data to our processors."
    after = f"We may transfer your data to our processors in {where}."
    countries = [c.fact.value for c in compare_facts(before, after) if c.fact.kind == "country"]
    assert countries in ([f"outside the {place}"], [f"outside {place}"]), countries  # anywhere but there
    got = reasons("International transfers", [before], [after])
    assert not any(f"country added: {place}" in x for x in got), got


def test_a_place_data_goes_to_is_still_a_destination():
    got = reasons("International transfers", ["We may transfer your data to our processors."],
                  ["We may transfer your data to our processors in India and outside the EEA."])
    assert any("country added: India" in x for x in got), got
