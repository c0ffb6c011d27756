"""Word-level diff: diff-match-patch over word keys, each word mapped to one character.

This is diff-match-patch's line-mode trick applied to words, so `diff_main` + `diff_cleanupSemantic`
work on word sequences (https://github.com/google/diff-match-patch/wiki/Line-or-Word-Diffs).
"""

from __future__ import annotations

from monitor.bisect_fast import FastBisect


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
    diffs = dmp.diff_main(a, b, False)
    dmp.diff_cleanupSemantic(diffs)
    return [(op, len(text)) for op, text in diffs]
