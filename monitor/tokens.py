"""Blocks of text as sentences and word keys, cached by text.

Two versions of a policy share nearly all of their blocks, and the section aligner, the diff and the
moved-text lookup all need the same split, so it is done once per distinct block text. The split is
pure, so caching it is safe; `clear_caches` exists for benchmarks that time a cold comparison.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from monitor.language import clusters, has_unspaced_script, unspaced_runs
from monitor.normalize import display_text, is_numbering, token_key

# A sentence ends at . ! ? followed by space, unless the word before is a common abbreviation; or
# at a full stop of the scripts written without spaces (。！？ and their full-width forms, Thai
# and Myanmar sentence marks), which need no space after them.
# A capture that lost the space between two sentences ("outside the EU.Where we ...") still has two:
# a full stop glued to a capitalised word that stands alone (not "J.Smith@..." or "Node.Js/").
_SENTENCE_END = re.compile(
    r"(?<=[.!?])[\"')\]]*\s+|(?<=[\u3002\uff01\uff1f\uff0e\u0e2f\u104b])[\u300d\u300f\uff09\"')\]]*\s*"
    r"|(?<=[A-Za-z]{2}[.!?])(?=[A-Z][a-z]+(?:[\s,;:!?]|$))"
)
_ABBREV = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|inc|ltd|co|corp|no|nr|art|sec|vs|mr|ms|dr|st|u\.s|u\.k|approx|incl|z\.b|bzw|ca|ggf|resp)\.)$"
    r"|\b[A-Z]\.$",
    re.IGNORECASE,
)
# `_ABBREV` matches at most this many characters (tests/test_tokens_fast.py reads it off the pattern):
# anchored at the end of a sentence's head, it is searched for in that many last characters only,
# not over the whole head again at every full stop. Its `\b` sees the character before the window,
# as it sees it in the head: a sentence starts after white space or a full stop, never a letter.
_ABBREV_REACH = 8
_WORD = re.compile(r"\S+")


# Every way `_SENTENCE_END` matches looks behind at one of these: a text without them is one sentence.
_END_MARK = re.compile(r"[.!?\u3002\uff01\uff1f\uff0e\u0e2f\u104b]")


def split_sentences(text: str) -> list[str]:
    if not _END_MARK.search(text):  # a heading, a list entry, a table row: no scan at every position
        tail = text.strip()
        return [tail] if tail else []
    out: list[str] = []
    start = 0
    n = len(text)
    abbrev = _ABBREV.search
    for m in _SENTENCE_END.finditer(text):
        end = m.start()
        if m.end() == n or abbrev(text, max(start, end - _ABBREV_REACH), end):
            continue
        out.append(text[start:end].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return [s for s in out if s]


@lru_cache(maxsize=200_000)
def word_key(token: str) -> str:
    # Compatibility forms are the same word: full-width digits and letters ("２４"), ligatures ("ﬁ").
    key = token_key(token if token.isascii() else unicodedata.normalize("NFKC", token))
    # Punctuation of any script ("、" "。" "「" between characters of an unspaced script) is not a word.
    # (a key opening with a letter or digit is a word: the scan below would stop at it)
    if key and not key[0].isalnum() and all(unicodedata.category(ch).startswith("P") for ch in key):
        return ""
    return key


def _words(sentence: str) -> list[tuple[str, int, int]]:
    """(text, start, end) of each word: whitespace-delimited, except that a run of a script
    written without spaces (Chinese, Japanese, Thai...) gives one token per character, so a word
    diff finds the changed characters inside a sentence ("24か月間" -> "5年間") instead of
    replacing the whole sentence, which is one "word" between spaces."""
    if not has_unspaced_script(sentence):  # the common case: one scan of the sentence
        return [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(sentence)]
    out: list[tuple[str, int, int]] = []
    for m in _WORD.finditer(sentence):
        tok, base = m.group(0), m.start()
        runs = unspaced_runs(tok)
        if not runs:
            out.append((tok, base, m.end()))
            continue
        pos = 0
        for r_start, r_end in runs:
            if r_start > pos:
                out.append((tok[pos:r_start], base + pos, base + r_start))
            for c_start, c_end in clusters(tok[r_start:r_end]):
                a, b = base + r_start + c_start, base + r_start + c_end
                out.append((sentence[a:b], a, b))
            pos = r_end
        if pos < len(tok):
            out.append((tok[pos:], base + pos, m.end()))
    return out


@dataclass(frozen=True)
class BlockTokens:
    sentences: tuple[str, ...]  # display text of each sentence that has words
    words: tuple[tuple[str, str, int, int, int], ...]  # (text, key, sentence index, start, end)
    sentence_keys: tuple[str, ...]  # the word keys of each sentence, space-joined
    content_key: str  # every word key of the block, space-joined


@lru_cache(maxsize=50_000)
def tokenize_block(text: str) -> BlockTokens:
    sentences: list[str] = []
    sentence_keys: list[str] = []
    words: list[tuple[str, str, int, int, int]] = []
    first_in_block = True
    for sentence_text in split_sentences(display_text(text)):
        tokens = _words(sentence_text)
        if first_in_block and tokens:
            first_in_block = False
            if is_numbering(tokens[0][0]):
                del tokens[0]  # list and section numbering is layout, not wording
        s_index = len(sentences)
        keyed = [(tok, key, s_index, start, end) for tok, start, end in tokens if (key := word_key(tok))]
        if keyed:  # a sentence without words (a lone symbol) is dropped
            words += keyed
            sentences.append(sentence_text)
            sentence_keys.append(" ".join([w[1] for w in keyed]))
    return BlockTokens(
        tuple(sentences), tuple(words), tuple(sentence_keys), " ".join(k for k in sentence_keys if k)
    )


def content_key(text: str) -> str:
    """`tokenize_block(text).content_key` (every word key of the block, space-joined) without the
    sentences, spans and tuples of a `BlockTokens` nor its cache: for blocks read only for their key
    (the other watches' versions, `monitor.cpu._sibling_keys`), where building them cost ~40% more.
    tests/test_tokens_fast.py holds the two equal."""
    keys: list[str] = []
    first_in_block = True
    for sentence_text in split_sentences(display_text(text)):
        # `str.split` splits where `_WORD` (`\S+`) does: both read white space as `str.isspace`.
        if has_unspaced_script(sentence_text):
            tokens = [tok for tok, _, _ in _words(sentence_text)]
        else:
            tokens = sentence_text.split()
        if first_in_block and tokens:
            first_in_block = False
            if is_numbering(tokens[0]):
                del tokens[0]
        keys += [key for tok in tokens if (key := word_key(tok))]
    return " ".join(keys)


def clear_caches() -> None:
    tokenize_block.cache_clear()
    word_key.cache_clear()
