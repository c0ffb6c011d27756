"""The two sides of one section pair, ready to diff (monitor.diff): each side's words, sentences and
blocks (with their chrome verdicts and table headers), the word diff between them, and the groups
of sentences that one edit spans, with the helpers that quote and weigh them."""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.chrome import ChromeContext, chrome_blocks
from monitor.classify import heading_topic
from monitor.document import Section
from monitor.normalize import Word
from monitor.tokens import tokenize_block
from monitor.version_text import VersionText
from monitor.worddiff import key_diff


@dataclass
class _Sentence:
    text: str
    block: int  # index of the block it belongs to
    tokens: list[int] = field(default_factory=list)  # indices into _Side.words


@dataclass
class _Side:
    """One section's words and sentences, ready to diff."""

    words: list[Word]
    word_sentence: list[int]  # sentence index of each word
    word_span: list[tuple[int, int]]  # char span of each word inside its sentence text
    sentences: list[_Sentence]
    block_kinds: list[str]
    block_chrome: list[bool] = field(default_factory=list)
    # Of each table row, the first row of its table (its header, which names what the columns hold:
    # "Records | Retention period"); "" for other blocks and for a table's first row itself.
    row_header: list[str] = field(default_factory=list)

    def in_chrome(self, word: int) -> bool:
        return self.block_chrome[self.sentences[self.word_sentence[word]].block]

    def sentence_key(self, s: int) -> str:
        return " ".join(self.words[t].key for t in self.sentences[s].tokens)


def _prepare(section: Section | None, context: ChromeContext | None = None) -> _Side:
    side = _Side([], [], [], [], [])
    if section is None:
        return side
    side.block_chrome = chrome_blocks(
        [(b.kind, b.text) for b in section.blocks], bool(heading_topic(section.path)), context, section.heading
    )
    first_row = ""
    for b, block in enumerate(section.blocks):
        side.block_kinds.append(block.kind)
        if block.kind != "row":
            first_row = ""
        side.row_header.append(first_row if first_row != block.text else "")
        if block.kind == "row" and not first_row:
            first_row = block.text
        bt = tokenize_block(block.text)
        base = len(side.sentences)
        side.sentences.extend(_Sentence(text, b) for text in bt.sentences)
        prev_s, prev_key, prev_end = -1, "", 0
        for text, key, s_local, start, end in bt.words:
            s_index = base + s_local
            # A table cell opens like a sentence: its capitalised first word is no name.
            first = s_index != prev_s or "|" in bt.sentences[s_local][prev_end:start]
            side.sentences[s_index].tokens.append(len(side.words))
            side.words.append(Word(text, key, first, "" if first else prev_key))
            side.word_sentence.append(s_index)
            side.word_span.append((start, end))
            prev_s, prev_key, prev_end = s_index, key, end
    return side


def _word_diff(old: _Side, new: _Side) -> list[tuple[int, int]]:
    return key_diff([w.key for w in old.words], [w.key for w in new.words])


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass
class _Group:
    old_sentences: list[int]
    new_sentences: list[int]
    removed: list[int]  # word indices in old
    added: list[int]  # word indices in new


def _groups(old: _Side, new: _Side) -> list[_Group]:
    """Changed words grouped by the sentences they touch (see module docstring)."""
    runs = _word_diff(old, new)
    n_old = len(old.sentences)
    uf = _UnionFind(n_old + len(new.sentences))
    removed: list[int] = []
    added: list[int] = []
    hunks: list[tuple[list[int], list[int]]] = []
    i = j = 0
    pending_r: list[int] = []
    pending_a: list[int] = []
    for op, count in runs:
        if op == 0:
            if pending_r or pending_a:
                hunks.append((pending_r, pending_a))
                pending_r, pending_a = [], []
            for k in range(count):
                uf.union(old.word_sentence[i + k], n_old + new.word_sentence[j + k])
            i += count
            j += count
        elif op < 0:
            pending_r.extend(range(i, i + count))
            i += count
        else:
            pending_a.extend(range(j, j + count))
            j += count
    if pending_r or pending_a:
        hunks.append((pending_r, pending_a))
    for r, a in hunks:
        nodes = [old.word_sentence[x] for x in r] + [n_old + new.word_sentence[y] for y in a]
        for node in nodes[1:]:
            uf.union(nodes[0], node)
        removed.extend(r)
        added.extend(a)
    by_root: dict[int, _Group] = {}
    for x in removed:
        root = uf.find(old.word_sentence[x])
        by_root.setdefault(root, _Group([], [], [], [])).removed.append(x)
    for y in added:
        root = uf.find(n_old + new.word_sentence[y])
        by_root.setdefault(root, _Group([], [], [], [])).added.append(y)
    for s in range(n_old):
        root = uf.find(s)
        if root in by_root:
            by_root[root].old_sentences.append(s)
    for s in range(len(new.sentences)):
        root = uf.find(n_old + s)
        if root in by_root:
            by_root[root].new_sentences.append(s)
    groups = list(by_root.values())
    groups.sort(key=lambda g: (g.new_sentences[:1] or [len(new.sentences)], g.old_sentences[:1] or [0]))
    return groups


def _join(side: _Side, sentences: list[int], changed: list[int]) -> tuple[str, list[tuple[int, int]]]:
    """The sentences as one string, and the char spans of the changed words inside it."""
    changed_set = set(changed)
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    offset = 0
    prev_block = None
    for s in sentences:
        sentence = side.sentences[s]
        if parts:
            sep = " " if sentence.block == prev_block else "\n"
            parts.append(sep)
            offset += 1
        for t in sentence.tokens:
            if t in changed_set:
                a, b = side.word_span[t]
                if spans and spans[-1][1] >= offset + a - 1:  # adjacent changed words: one highlight
                    spans[-1] = (spans[-1][0], offset + b)
                else:
                    spans.append((offset + a, offset + b))
        parts.append(sentence.text)
        offset += len(sentence.text)
        prev_block = sentence.block
    return "".join(parts), spans


def _novel_text(side: _Side, sentences: list[int], other: VersionText) -> str | None:
    """The sentences that are new in substance, for categorising a whole added or removed passage;
    None when every sentence is new (the whole text speaks), "" when none is."""
    novel = [s for s in sentences if not other.reworded(side.sentence_key(s))]
    if len(novel) == len(sentences):
        return None
    return _join(side, novel, [])[0]


def _is_lead_in(new: _Side, sentence: int, added: set[int]) -> bool:
    """An added line that only introduces the unchanged list right after it ("... including:")."""
    sent = new.sentences[sentence]
    if not sent.text.rstrip().endswith(":"):
        return False
    nxt = sent.block + 1
    if nxt >= len(new.block_kinds) or new.block_kinds[nxt] != "li":
        return False
    following = [t for s in new.sentences if s.block == nxt for t in s.tokens]
    return bool(following) and not any(t in added for t in following)


def _mostly(tokens: list[int], changed: set[int]) -> bool:
    """At least 80% of the sentence's words changed: the sentence itself came or went (the diff
    may have matched its first "We" to the next sentence's)."""
    return sum(t in changed for t in tokens) >= 0.8 * len(tokens)


def _still_changed(side: _Side, sentences: list[int], changed: list[int], kept: list[int]) -> list[int]:
    """`sentences` without those whose changed words were all dropped (read unchanged elsewhere)."""
    dropped = set(changed) - set(kept)
    kept_set = set(kept)
    return [
        s
        for s in sentences
        if not any(t in dropped for t in side.sentences[s].tokens)
        or any(t in kept_set for t in side.sentences[s].tokens)
    ]


def _table_header(old: _Side, old_sentences: list[int], new: _Side, new_sentences: list[int]) -> str:
    """The header row of the table whose rows an edit changes (`Edit.table_header`); "" when the
    edit is not all rows of one table."""
    headers = {old.row_header[old.sentences[s].block] for s in old_sentences}
    headers |= {new.row_header[new.sentences[s].block] for s in new_sentences}
    return headers.pop() if len(headers) == 1 else ""
