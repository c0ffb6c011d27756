"""diff-match-patch's `diff_bisect` (Myers' middle snake), the same steps with less interpretation.

The word diffs (monitor.worddiff) spend ~30% of a comparison in this one loop: per step `d`, every
diagonal `k` reads two cells of the previous step and follows its snake. This copy walks the
diagonals by their index into `v1`/`v2` directly, keeps every name local and checks the cheap
bounds before the text, and returns exactly what the library's method returns (the same split
point, hence the same diff): tests/test_worddiff_fast.py holds the two equal on generated texts.
"""

from __future__ import annotations

import time

from diff_match_patch import diff_match_patch

Diffs = list[tuple[int, str]]


class FastBisect(diff_match_patch):
    """`diff_match_patch` whose `diff_bisect` is the loop below (the rest is the library's)."""

    def diff_bisect(self, text1: str, text2: str, deadline: float) -> Diffs:  # noqa: C901 - one loop, as the library's
        n1 = len(text1)
        n2 = len(text2)
        max_d = (n1 + n2 + 1) // 2
        v_offset = max_d
        v_length = 2 * max_d
        v1 = [-1] * v_length
        v1[v_offset + 1] = 0
        v2 = v1[:]
        delta = n1 - n2
        # With an odd total the forward path meets the reverse one, else the reverse meets the forward.
        front = delta % 2 != 0
        k1start = k1end = k2start = k2end = 0
        clock = time.time
        # The reverse path reads the texts from their ends: reversed copies index forwards.
        r1 = text1[::-1]
        r2 = text2[::-1]
        mirror = v_offset + delta  # k2_offset of the diagonal mirroring k1 is mirror - k1 (+ v_offset)
        for d in range(max_d):
            if clock() > deadline:
                break
            # Forward path, one step. `off` = v_offset + k1; k1 == -d  <=>  off == v_offset - d.
            lo = v_offset - d
            hi = v_offset + d
            for off in range(lo + k1start, hi + 1 - k1end, 2):
                # From the diagonal above or the one to the left, whichever reached further.
                x1 = v1[off + 1] if off == lo or (off != hi and v1[off - 1] < v1[off + 1]) else v1[off - 1] + 1
                y1 = x1 - off + v_offset
                while x1 < n1 and y1 < n2 and text1[x1] == text2[y1]:
                    x1 += 1
                    y1 += 1
                v1[off] = x1
                if x1 > n1:
                    k1end += 2
                elif y1 > n2:
                    k1start += 2
                elif front:
                    k2_offset = mirror - off + v_offset
                    if 0 <= k2_offset < v_length and v2[k2_offset] != -1 and x1 >= n1 - v2[k2_offset]:
                        return self.diff_bisectSplit(text1, text2, x1, y1, deadline)
            # Reverse path, one step.
            for off in range(lo + k2start, hi + 1 - k2end, 2):
                # From the diagonal above or the one to the left, whichever reached further.
                x2 = v2[off + 1] if off == lo or (off != hi and v2[off - 1] < v2[off + 1]) else v2[off - 1] + 1
                y2 = x2 - off + v_offset
                while x2 < n1 and y2 < n2 and r1[x2] == r2[y2]:
                    x2 += 1
                    y2 += 1
                v2[off] = x2
                if x2 > n1:
                    k2end += 2
                elif y2 > n2:
                    k2start += 2
                elif not front:
                    k1_offset = mirror - off + v_offset
                    if 0 <= k1_offset < v_length and v1[k1_offset] != -1:
                        x1 = v1[k1_offset]
                        if x1 >= n1 - x2:
                            return self.diff_bisectSplit(text1, text2, x1, v_offset + x1 - k1_offset, deadline)
        # The deadline passed, or nothing in common.
        return [(self.DIFF_DELETE, text1), (self.DIFF_INSERT, text2)]
