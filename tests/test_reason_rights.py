"""A reason line names every right an edit removes (fresh-user finding: of three rights removed,
only "right to data portability removed" was said; a whole rights section of six, "right to access
removed")."""

from test_judgment_facts import BASE, build

from monitor.diff import compare

FOUR = "You have the right to access your data, the right to correction, the right to deletion and the right to data portability."


def reasons(heading: str, old: list[str], new: list[str]) -> list[str]:
    r = compare(build(dict(BASE, **{heading: old})), build(dict(BASE, **{heading: new})))
    return [c.reason for c in r.changes]


def test_every_right_removed_is_named():
    got = reasons("Your rights", [FOUR], ["You have the right to access your data."])
    assert got == ["right to correction, right to deletion and right to data portability removed"]


def test_a_whole_list_of_rights_removed_is_counted_and_named():
    rights = ["access", "correction", "deletion", "object to processing", "restriction", "data portability"]
    old = ["You have the following rights."] + [f"The right to {r} of your data." for r in rights]
    got = reasons("Your rights", old, ["You have the following rights."])
    assert len(got) == 1 and got[0].startswith("6 rights removed: access, correction, deletion, object"), got
    assert "data portability" in got[0]


def test_one_right_removed_is_said_as_before():
    got = reasons("Your rights", [FOUR], ["You have the right to access your data, the right to deletion and the right to data portability."])
    assert got == ["right to correction removed"]
