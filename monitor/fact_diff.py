"""Named facts that an edit adds or removes (monitor.facts), for the classifier.

A changed clause is compared fact by fact with its old wording. A whole added or removed passage is
compared with the entire other version: a right, a recipient or a country that the other version
already states elsewhere was moved or reworded, not added or removed.
"""

from __future__ import annotations

from collections.abc import Callable

from monitor.facts import Fact, FactChange, compare_facts

OtherFacts = Callable[[], frozenset[Fact]]


def edit_fact_changes(
    before: str, after: str, heading: str = "", other_facts: OtherFacts | None = None
) -> list[FactChange]:
    """The fact changes of one edit: `before` -> `after` (either may be "" for a whole passage).

    `other_facts`: for a whole passage, the facts of the entire other version (called only when the
    passage states a fact)."""
    changes = compare_facts(before, after, heading)
    if (before and after) or not changes or other_facts is None:
        return changes
    known = {(f.ident, f.negated) for f in other_facts()}
    return [c for c in changes if (c.fact.ident, c.fact.negated) not in known]


__all__ = ["OtherFacts", "edit_fact_changes"]
