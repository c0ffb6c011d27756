"""monitor.bisect_fast's `diff_bisect` returns what diff-match-patch's own does, step for step."""

from __future__ import annotations

import time

from diff_match_patch import diff_match_patch
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.bisect_fast import FastBisect
from monitor.worddiff import key_diff

_TEXT = st.text(alphabet="abcde", max_size=60)


def _far() -> float:
    return time.time() + 60


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet="abcde", min_size=1, max_size=60), st.text(alphabet="abcde", min_size=1, max_size=60))
def test_bisect_agrees_with_the_library(a: str, b: str) -> None:
    # (diff_main calls it only on texts that differ at both ends; on some others, "a" and "a", the
    # library's fails: so must this one.)
    assert _outcome(FastBisect(), a, b) == _outcome(diff_match_patch(), a, b)


def _outcome(dmp: diff_match_patch, a: str, b: str) -> object:
    try:
        return dmp.diff_bisect(a, b, _far())
    except IndexError as exc:
        return type(exc)


@settings(max_examples=300, deadline=None)
@given(_TEXT, _TEXT, st.booleans())
def test_whole_diff_agrees_with_the_library(a: str, b: str, cleanup: bool) -> None:
    fast, slow = FastBisect(), diff_match_patch()
    got, want = fast.diff_main(a, b, False), slow.diff_main(a, b, False)
    if cleanup:
        fast.diff_cleanupSemantic(got)
        slow.diff_cleanupSemantic(want)
    assert got == want


def test_edited_word_sequences_agree() -> None:
    import random

    rng = random.Random(5)
    words = [f"w{i}" for i in range(40)]
    for _ in range(40):
        a = [rng.choice(words) for _ in range(rng.randint(0, 400))]
        b = list(a)
        for _ in range(rng.randint(1, 30)):  # scattered replacements, insertions and deletions
            at = rng.randint(0, len(b))
            b[at:at + rng.randint(0, 5)] = [rng.choice(words) for _ in range(rng.randint(0, 5))]
        table: dict[str, str] = {}
        from monitor.worddiff import encode

        x, y = encode(a, table), encode(b, table)
        slow = diff_match_patch()
        want = slow.diff_main(x, y, False)
        slow.diff_cleanupSemantic(want)
        assert key_diff(a, b, timeout=60) == [(op, len(t)) for op, t in want]


# --- anchored diffs of long sequences (monitor.worddiff.unique_anchors) ----------------------------


def _longest_unique_chain(a: str, b: str) -> int:
    """The reference: longest common subsequence of the characters unique in both (plain DP)."""
    ua = [ch for ch in a if a.count(ch) == 1 and b.count(ch) == 1]
    ub = [ch for ch in b if a.count(ch) == 1 and b.count(ch) == 1]
    row = [0] * (len(ub) + 1)
    for x in ua:
        prev = 0
        for j, y in enumerate(ub, 1):
            prev, row[j] = row[j], prev + 1 if x == y else max(row[j], row[j - 1])
    return row[-1]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="abcdefghij", max_size=40), st.text(alphabet="abcdefghij", max_size=40))
def test_unique_anchors_are_the_longest_chain_of_unique_matches(a: str, b: str) -> None:
    from monitor.worddiff import unique_anchors

    chain = unique_anchors(a, b)
    assert all(a[i] == b[j] and a.count(a[i]) == 1 and b.count(b[j]) == 1 for i, j in chain)
    assert all(i1 < i2 and j1 < j2 for (i1, j1), (i2, j2) in zip(chain, chain[1:], strict=False))
    assert len(chain) == _longest_unique_chain(a, b)


def _replay(runs: list[tuple[int, int]], a: list[str], b: list[str]) -> tuple[list[str], list[str]]:
    """Both sides rebuilt from the runs, checking that every equal run is equal."""
    i = j = 0
    old: list[str] = []
    new: list[str] = []
    for op, n in runs:
        if op == 0:
            assert a[i : i + n] == b[j : j + n]
            old += a[i : i + n]
            new += b[j : j + n]
            i, j = i + n, j + n
        elif op < 0:
            old += a[i : i + n]
            i += n
        else:
            new += b[j : j + n]
            j += n
    return old, new


def test_long_rewritten_sequences_are_diffed_between_anchors() -> None:
    import random

    from monitor.worddiff import ANCHOR_MIN_KEYS

    rng = random.Random(11)
    vocabulary = [f"w{i}" for i in range(3000)]
    for _ in range(6):
        a = [rng.choice(vocabulary) for _ in range(rng.randint(ANCHOR_MIN_KEYS, 3 * ANCHOR_MIN_KEYS))]
        b = list(a)
        for _ in range(rng.randint(50, 300)):  # a heavy rewrite: hundreds of edits, some long
            at = rng.randint(0, len(b))
            b[at : at + rng.randint(0, 12)] = [rng.choice(vocabulary) for _ in range(rng.randint(0, 12))]
        runs = key_diff(a, b, timeout=60)
        assert _replay(runs, a, b) == (a, b)
        # Nearly everything kept stays kept: the anchored answer is close to the minimal one.
        kept = sum(n for op, n in runs if op == 0)
        slow = diff_match_patch()
        from monitor.worddiff import encode

        table: dict[str, str] = {}
        x, y = encode(a, table), encode(b, table)
        minimal = slow.diff_main(x, y, False)
        slow.diff_cleanupSemantic(minimal)
        best = sum(len(t) for op, t in minimal if op == 0)
        assert kept >= 0.97 * best, (kept, best)
