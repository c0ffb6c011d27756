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
