"""A passage removed in one place and added, lightly reworded, in another is one edit: a move.

Without this, a paragraph moved to another section with three words changed reads as one passage
removed and another added, each judged by everything it says. Paired, only the words that differ
between the two are judged, like any edit inside a section.
"""

from __future__ import annotations

from dataclasses import replace

from monitor.changes import Change
from monitor.classify import Edit
from monitor.normalize import Word
from monitor.same_form import canonical_keys
from monitor.tokens import tokenize_block
from monitor.worddiff import key_diff

SIMILAR = 0.6  # word-set Jaccard from which a removed and an added passage are one text moved


def _words(text: str) -> list[Word]:
    out: list[Word] = []
    for line in text.split("\n"):
        bt = tokenize_block(line)
        prev_s, prev_key = -1, ""
        for tok, key, s, _, _ in bt.words:
            first = s != prev_s
            out.append(Word(tok, key, first, "" if first else prev_key))
            prev_s, prev_key = s, key
    return out


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def _movable(edit: Edit) -> bool:
    return not (edit.relocated or edit.chrome)


def pair_moved_passages(found: list[tuple[Edit, Change]]) -> list[tuple[Edit, Change]]:
    """`found` with each removed passage that has a similar added passage replaced by one "moved"
    edit between the two (in the added passage's place); everything else unchanged, in order."""
    removed = [i for i, (e, _) in enumerate(found) if e.before and not e.after and _movable(e)]
    added = [i for i, (e, _) in enumerate(found) if e.after and not e.before and _movable(e)]
    if not removed or not added:
        return found
    words = {i: _words(found[i][0].before or found[i][0].after) for i in removed + added}
    # Compared in canonical form: "We do not sell your data." moved and written "We don't sell your
    # data." shares 4 of 7 plain keys (below SIMILAR), all of its canonical ones (monitor.same_form).
    keys = {i: set(canonical_keys(found[i][0].before or found[i][0].after)[1]) for i in removed + added}
    partner: dict[int, int] = {}
    for r in removed:
        free = [a for a in added if a not in partner.values()]
        score, best = max(((_jaccard(keys[r], keys[a]), a) for a in free), default=(0.0, -1))
        if score >= SIMILAR:
            partner[r] = best
    if not partner:
        return found
    by_added = {a: r for r, a in partner.items()}
    out = []
    for i, item in enumerate(found):
        if i in partner:
            continue
        out.append(_moved(found[by_added[i]], item, words[by_added[i]], words[i]) if i in by_added else item)
    return out


def _moved(
    gone: tuple[Edit, Change], came: tuple[Edit, Change], old: list[Word], new: list[Word]
) -> tuple[Edit, Change]:
    (old_edit, old_change), (new_edit, new_change) = gone, came
    removed: list[Word] = []
    added: list[Word] = []
    i = j = 0
    for op, count in key_diff([w.key for w in old], [w.key for w in new]):
        if op <= 0:
            removed.extend(old[i : i + count] if op < 0 else ())
            i += count
        if op >= 0:
            added.extend(new[j : j + count] if op > 0 else ())
            j += count
    edit = replace(
        new_edit,
        before=old_edit.before,
        removed=tuple(removed),
        added=tuple(added),
        relocated=not removed and not added,
        novel=None,
        other_facts=None,
    )
    change = replace(
        new_change,
        kind="moved",
        before=old_change.before,
        before_spans=old_change.before_spans,
        old_section=old_change.section,
    )
    return edit, change


__all__ = ["SIMILAR", "pair_moved_passages"]
