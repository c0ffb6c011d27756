"""What a whole version says, to tell text that moved or was reworded from text that changed.

The diff works section by section; a sentence that left one section may stand in another, and a
paragraph may come back re-flowed onto other lines or with its hyphenation changed. This index of a
whole version answers those questions: which sentences it holds and how often, and which word
trigrams its running text has.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from monitor.countries import places_in
from monitor.document import Document
from monitor.tokens import tokenize_block

# A sentence whose word trigrams mostly occur in the other version was reworded or moved, not
# written anew: it says nothing about which topics the change brings in or takes out.
REWORDED = 0.75


@dataclass(frozen=True)
class VersionText:
    """Sentence keys and word keys of one whole version of a policy."""

    keys: frozenset[str]
    lower_words: frozenset[str]  # keys of words this version writes in lower case somewhere
    words: frozenset[str]
    stream: tuple[str, ...]  # every word key in reading order, across sentences and blocks
    counts: Counter[str]  # how often each sentence key occurs
    blocks: tuple[str, ...] = ()  # the text of each block, as written

    @cached_property
    def places(self) -> frozenset[str]:
        """Canonical names of the countries and regions this version names anywhere, each matched
        whole: with "United Kingdom" and "Member States" in it, "United States" is still new."""
        return frozenset(p.name for text in self.blocks for p in places_in(text) if p.capitalised)

    def holds_all(self, key: str, own: VersionText) -> bool:
        """This version has the sentence as often as `own` does: every copy of it is still somewhere
        (one copy of a repeated sentence reworded is a change, not a move)."""
        return self.counts[key] >= own.counts[key] > 0

    def holds(self, key: str, own: VersionText, every_copy: bool) -> bool:
        """The sentence stands in this version: as often as in `own` with `every_copy`."""
        return self.holds_all(key, own) if every_copy else key in self.keys

    @cached_property
    def trigrams(self) -> frozenset[tuple[str, str, str]]:
        """Word-key trigrams of the running text (built only when a passage needs them): across
        sentence and line breaks, so text re-flowed onto other lines is not new."""
        return frozenset(trigrams([k for k in self.stream if k]))

    def reworded(self, sentence_key: str) -> bool:
        """At least REWORDED of the sentence's word trigrams occur in this version's running text."""
        grams = trigrams(sentence_key.split())
        return bool(grams) and sum(g in self.trigrams for g in grams) >= REWORDED * len(grams)


def version_text(doc: Document) -> VersionText:
    blocks = tuple(b.text for s in doc.sections for b in s.blocks)
    tokens = [tokenize_block(text) for text in blocks]
    counts = Counter(k for bt in tokens for k in bt.sentence_keys)
    lower = frozenset(w[1] for bt in tokens for w in bt.words if w[0][:1].islower())
    stream = tuple(w[1] for bt in tokens for w in bt.words)
    return VersionText(frozenset(counts), lower, frozenset(stream), stream, counts, blocks)


def trigrams(keys: list[str]) -> list[tuple[str, str, str]]:
    # Hyphenation is spelling: "on-line" and "online", "e-mail" and "email" are one word.
    keys = [k.replace("-", "") for k in keys]
    return list(zip(keys, keys[1:], keys[2:], strict=False))
