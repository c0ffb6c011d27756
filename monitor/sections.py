"""Align the sections of two versions of a policy.

Sections are matched in passes from the most to the least certain: same heading and same words,
same words under another heading (moved or renamed), same heading path, same last heading, then
word overlap for what is left. Every pass is linear or works only on the leftovers, so a policy
with hundreds of sections aligns quickly. A matched pair is "moved" when it is not part of the
longest run of pairs that kept their relative order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from monitor.document import Section
from monitor.normalize import display_text, is_numbering, token_key
from monitor.tokens import tokenize_block, word_key
from monitor.worddiff import longest_increasing

SIMILARITY_MIN = 0.4  # word-set Jaccard above which two leftover sections are the same section
MAX_SIMILARITY_PAIRS = 200_000  # leftover pairs compared by overlap; beyond this only headings match


@dataclass(frozen=True)
class SectionPair:
    old: Section | None  # None: the section was added
    new: Section | None  # None: the section was removed
    old_index: int | None = None
    new_index: int | None = None
    moved: bool = False

    @property
    def renamed(self) -> bool:
        return (
            self.old is not None
            and self.new is not None
            and heading_key(self.old.path[-1:]) != heading_key(self.new.path[-1:])
        )


def words(text: str) -> list[str]:
    return [k for k in (word_key(w) for w in display_text(text).split()) if k]


def heading_key(path: Sequence[str]) -> tuple[str, ...]:
    """Headings compared without numbering, case and punctuation ("3. Your Rights" == "Your rights")."""
    return tuple(_heading_key(h) for h in path)


@lru_cache(maxsize=20_000)
def _heading_key(heading: str) -> str:
    """One heading's key. Cached: the aligner and the diff read the same few headings thousands of
    times in a comparison (every section's path, every pair's rename test)."""
    toks = display_text(heading).split()
    while toks and is_numbering(toks[0]):
        toks = toks[1:]
    return " ".join(k for k in (token_key(t) for t in toks) if k)


def clear_caches() -> None:
    _heading_key.cache_clear()


def content_key(section: Section) -> str:
    return " ".join(k for k in (tokenize_block(b.text).content_key for b in section.blocks) if k)


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def align_sections(old: Sequence[Section], new: Sequence[Section]) -> list[SectionPair]:
    """Pair old and new sections; unmatched ones come back with the other side None.

    The result is in new-document order, removed sections placed after the section that preceded
    them in the old document."""
    old_content = [content_key(s) for s in old]
    new_content = [content_key(s) for s in new]
    old_path = [heading_key(s.path) for s in old]
    new_path = [heading_key(s.path) for s in new]
    match: dict[int, int] = {}  # new index -> old index
    used_old: set[int] = set()

    def run_pass(old_keys: list, new_keys: list) -> None:
        index: dict[object, list[int]] = defaultdict(list)
        for i, k in enumerate(old_keys):
            if i not in used_old and k is not None:
                index[k].append(i)
        for j, k in enumerate(new_keys):
            if j in match or k is None:
                continue
            candidates = index.get(k)
            while candidates and candidates[0] in used_old:
                candidates.pop(0)
            if candidates:
                i = candidates.pop(0)
                match[j] = i
                used_old.add(i)

    # Sections without words (empty headings) only match by heading, never by their empty content.
    def with_text(keys: list[str]) -> list[str | None]:
        return [k if k else None for k in keys]

    run_pass(list(zip(old_path, old_content, strict=True)), list(zip(new_path, new_content, strict=True)))
    run_pass(with_text(old_content), with_text(new_content))
    run_pass(old_path, new_path)
    run_pass([p[-1:] if p else None for p in old_path], [p[-1:] if p else None for p in new_path])

    left_old = [i for i in range(len(old)) if i not in used_old]
    left_new = [j for j in range(len(new)) if j not in match]
    if left_old and left_new and len(left_old) * len(left_new) <= MAX_SIMILARITY_PAIRS:
        old_sets = {i: set(old_content[i].split()) for i in left_old}
        new_sets = {j: set(new_content[j].split()) for j in left_new}
        scored = []
        for j in left_new:
            for i in left_old:
                s = _jaccard(old_sets[i], new_sets[j])
                if s >= SIMILARITY_MIN and (old_sets[i] or new_sets[j]):
                    scored.append((s, -abs(i - j), i, j))
        for _s, _d, i, j in sorted(scored, reverse=True):
            if i not in used_old and j not in match:
                match[j] = i
                used_old.add(i)

    pairs_new = sorted(match)
    in_order = longest_increasing([match[j] for j in pairs_new])
    moved = {pairs_new[p] for p in range(len(pairs_new)) if p not in in_order}

    result: list[tuple[float, int, SectionPair]] = []
    for j, s in enumerate(new):
        if j in match:
            i = match[j]
            result.append((j, 1, SectionPair(old[i], s, i, j, moved=j in moved)))
        else:
            result.append((j, 1, SectionPair(None, s, None, j)))
    # A removed section goes after the new position of the nearest earlier old section still present.
    old_to_new = {i: j for j, i in match.items() if j not in moved}
    anchor = -0.5
    for i in range(len(old)):
        if i in old_to_new:
            anchor = old_to_new[i] + 0.5
        if i in used_old:
            continue
        result.append((anchor, 2, SectionPair(old[i], None, i, None)))
    result.sort(key=lambda t: (t[0], t[1], t[2].old_index or 0))
    return [p for _, _, p in result]
