"""Word-level diff: diff-match-patch over word keys, each word mapped to one character.

This is diff-match-patch's line-mode trick applied to words, so `diff_main` + `diff_cleanupSemantic`
work on word sequences (https://github.com/google/diff-match-patch/wiki/Line-or-Word-Diffs).

Long sequences are first anchored on the words that occur exactly once in each and in the same
order (the longest such chain: Bram Cohen's patience diff, as git's `--patience` uses it), and
diff-match-patch diffs only the gaps between anchors. Myers' algorithm costs O(N*D): on a policy of
10,000+ words rewritten in many places it spent most of a comparison (and hit its time limit, so
its answer depended on the machine's speed); the gaps between anchors are small, so their diffs
finish long before any limit.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import Counter

from monitor.bisect_fast import FastBisect

# Keys on each side from which a diff is anchored first. Below it diff-match-patch alone takes a
# few milliseconds, and a section-sized diff keeps exactly the answer it always had.
ANCHOR_MIN_KEYS = 1000


def encode(keys: list[str], table: dict[str, str]) -> str:
    out = []
    for key in keys:
        ch = table.get(key)
        if ch is None:
            # Skip the surrogate range: diff-match-patch works on Python str, but stay printable-safe.
            code = len(table) + 0x100
            if code >= 0xD800:
                code += 0x800
            ch = table[key] = chr(code)
        out.append(ch)
    return "".join(out)


def key_diff(a_keys: list[str], b_keys: list[str], timeout: float = 2.0) -> list[tuple[int, int]]:
    """diff-match-patch over word keys; returns (op, count) runs (op -1 delete, 0 equal, 1 insert)."""
    table: dict[str, str] = {}
    a, b = encode(a_keys, table), encode(b_keys, table)
    dmp = FastBisect()  # the library's diff, its inner loop tuned (monitor.bisect_fast)
    dmp.Diff_Timeout = timeout
    if min(len(a), len(b)) >= ANCHOR_MIN_KEYS:
        diffs = _anchored_diff(dmp, a, b, time.time() + timeout)
    else:
        diffs = dmp.diff_main(a, b, False)
    dmp.diff_cleanupSemantic(diffs)
    return [(op, len(text)) for op, text in diffs]


def unique_anchors(a: str, b: str) -> list[tuple[int, int]]:
    """(i, j) pairs with a[i] == b[j], each character occurring exactly once in `a` and once in
    `b`, forming the longest chain increasing in both i and j (patience sorting), in order."""
    in_a, in_b = Counter(a), Counter(b)
    where_b = {ch: j for j, ch in enumerate(b) if in_b[ch] == 1}
    pairs = [(i, where_b[ch]) for i, ch in enumerate(a) if in_a[ch] == 1 and ch in where_b]
    return [pairs[k] for k in sorted(longest_increasing([j for _i, j in pairs]))]


def _anchored_diff(dmp: FastBisect, a: str, b: str, deadline: float) -> list[tuple[int, str]]:
    """diff-match-patch's diff of `a` and `b`, computed gap by gap between `unique_anchors`."""
    diffs: list[tuple[int, str]] = []
    i0 = j0 = 0
    for i, j in [*unique_anchors(a, b), (len(a), len(b))]:
        if i > i0 or j > j0:
            diffs.extend(dmp.diff_main(a[i0:i], b[j0:j], False, deadline))
        if i < len(a):
            diffs.append((0, a[i]))
        i0, j0 = i + 1, j + 1
    dmp.diff_cleanupMerge(diffs)
    return diffs


def longest_increasing(values: list[int]) -> set[int]:
    """Positions (into values) of one longest strictly increasing subsequence, O(n log n)."""
    tails: list[int] = []
    tails_pos: list[int] = []
    prev = [-1] * len(values)
    for i, v in enumerate(values):
        j = bisect_left(tails, v)
        if j == len(tails):
            tails.append(v)
            tails_pos.append(i)
        else:
            tails[j] = v
            tails_pos[j] = i
        prev[i] = tails_pos[j - 1] if j else -1
    keep: set[int] = set()
    i = tails_pos[-1] if tails_pos else -1
    while i >= 0:
        keep.add(i)
        i = prev[i]
    return keep
