"""Two versions read as whole documents, sections ignored.

Section-level diffs see text re-cut into other sections as removed here and added there; read from
start to end, the same words in the same order are no change. The whole reading also tells a capture
that completes a cut-off one, and how much of a document a rewrite replaced.
"""

from __future__ import annotations

from collections.abc import Callable

from monitor.document import Document
from monitor.facts import compare_facts
from monitor.tokens import tokenize_block
from monitor.worddiff import key_diff

Position = tuple[int, int]  # (section index, ordinal of the word among the section's block words)


def _stream(doc: Document) -> tuple[list[str], list[Position]]:
    """Every word key of a document in reading order, headings included, with where each word sits.
    A heading's words get negative ordinals: they match text but never stand for a block word."""
    keys: list[str] = []
    where: list[Position] = []
    for si, section in enumerate(doc.sections):
        if section.path:
            for k, w in enumerate(tokenize_block(section.heading).words):
                keys.append(w[1])
                where.append((si, -1 - k))
        n = 0
        for block in section.blocks:
            for w in tokenize_block(block.text).words:
                keys.append(w[1])
                where.append((si, n))
                n += 1
    return keys, where


# The whole-document diff only filters; on a large rewrite its coarser answer just filters less.
_DOCUMENT_DIFF_TIMEOUT = 0.25


def changed_in_document(old: Document, new: Document) -> tuple[set[Position], set[Position]]:
    """Words that differ when the two versions are read as one stream each, ignoring sections.

    Text that reads the same from start to end was only re-cut (a bold line that became a heading,
    a heading that became a paragraph, a table of contents re-rendered): a section-level edit made
    only of such words is layout, not a change of wording."""
    old_keys, old_where = _stream(old)
    new_keys, new_where = _stream(new)
    removed: set[Position] = set()
    added: set[Position] = set()
    i = j = 0
    for op, count in key_diff(old_keys, new_keys, _DOCUMENT_DIFF_TIMEOUT):
        if op == 0:
            i += count
            j += count
        elif op < 0:
            removed.update(old_where[i : i + count])
            i += count
        else:
            added.update(new_where[j : j + count])
            j += count
    return removed, added


# Share of the old version's words that may differ when a new capture merely completes it.
_COMPLETION_KEEPS = 0.98


class Everything:
    """Every position: what the whole reading changes when no section was added, removed, moved or
    renamed (the section diffs then read the document in order already, so nothing is filtered)."""

    def __contains__(self, position: object) -> bool:
        return True


EVERYTHING = Everything()


def completes_cut_capture(old: Document, new: Document, removed: Callable[[], set[Position]]) -> bool:
    """The old capture stopped partway through a block that the new version has in full, and
    nearly every old word is still read in order: the new version repairs a cut-off capture, it
    does not change the policy. `removed`: the old positions the whole reading changes, asked only
    when the old capture looks cut."""
    blocks = [b for s in old.sections for b in s.blocks]
    if not blocks:
        return False
    text = blocks[-1].text.rstrip()
    if len(text.split()) < 2 or text[-1] in ".!?;)\"'":
        return False
    old_words = sum(1 for p in _stream(old)[1] if p[1] >= 0)
    if old_words == 0 or sum(1 for p in removed() if p[1] >= 0) > (1 - _COMPLETION_KEEPS) * old_words:
        return False
    return any(
        len(b.text) > len(text) and b.text.startswith(text) for s in new.sections for b in s.blocks
    )


REWRITE_SHARE = 0.5  # from this share of changed words, a report opens with one summary line
_SUMMARY_FACTS = 6


def rewrite_summary(old: Document, new: Document, share: float) -> str | None:
    """One line for a rewrite ("rewritten: 64% of the text changed; right removed: deletion; ..."),
    or None when less than `REWRITE_SHARE` of the text changed. `share`: changed words (removed plus
    added) over all words of both versions, as the section diffs counted them."""
    if share < REWRITE_SHARE:
        return None
    facts = compare_facts(old.text, new.text)
    line = f"rewritten: {share:.0%} of the text changed"
    if facts:
        shown = "; ".join(f.reason for f in facts[:_SUMMARY_FACTS])
        more = f" (+{len(facts) - _SUMMARY_FACTS} more)" if len(facts) > _SUMMARY_FACTS else ""
        line += f"; facts: {shown}{more}"
    else:
        line += "; the named facts (rights, recipients, countries, periods, purposes) are the same"
    return line
