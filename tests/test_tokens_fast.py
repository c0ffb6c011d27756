"""monitor.tokens' shortcuts give the answers of the plain algorithm they replace: the abbreviation
check of `split_sentences` reads only the last `_ABBREV_REACH` characters of a sentence's head, and
`tokenize_block` keys a sentence's words in one pass."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor import tokens
from monitor.normalize import display_text, is_numbering

try:
    import re._parser as sre_parse  # Python 3.11+
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore[no-redef]


def _split_reference(text: str) -> list[str]:
    """The abbreviation check over the whole head, as it was."""
    out: list[str] = []
    start = 0
    for m in tokens._SENTENCE_END.finditer(text):
        head = text[start : m.start()]
        if tokens._ABBREV.search(head) or m.end() == len(text):
            continue
        out.append(head.strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return [s for s in out if s]


def _tokenize_reference(text: str) -> tokens.BlockTokens:
    """Word by word, as it was."""
    sentences: list[str] = []
    sentence_keys: list[str] = []
    words: list[tuple[str, str, int, int, int]] = []
    first_in_block = True
    for sentence_text in _split_reference(display_text(text)):
        s_index = len(sentences)
        keys: list[str] = []
        for tok, start, end in tokens._words(sentence_text):
            if first_in_block:
                first_in_block = False
                if is_numbering(tok):
                    continue
            key = tokens.word_key(tok)
            if key:
                words.append((tok, key, s_index, start, end))
                keys.append(key)
        if keys:
            sentences.append(sentence_text)
            sentence_keys.append(" ".join(keys))
    return tokens.BlockTokens(
        tuple(sentences), tuple(words), tuple(sentence_keys), " ".join(k for k in sentence_keys if k)
    )


def test_the_abbreviation_window_covers_every_match() -> None:
    width = sre_parse.parse(tokens._ABBREV.pattern, tokens._ABBREV.flags).getwidth()[1]
    assert width <= tokens._ABBREV_REACH


_TRICKY = [
    "",
    "e.g. this starts with one. And then? Another! Done.",
    "We share data with Acme Inc. and others. See Art. 6 GDPR. Mr. Smith agrees.",
    "approx. 12 months, incl. backups, etc. Then we delete it.",
    "Data stays in the U.S. Where we transfer it, we use clauses.",
    "outside the EU.Where we send it, J.Smith@example.com and Node.Js/ apply.",
    "1. First item. 2. Second item.",
    "(a) We collect. (b) We use.",
    "• . 3. Numbering after a symbol sentence.",
    "个人信息。我们保存24个月！您有权删除？好的",
    "「引用。」次の文。 Thai\u0e2f next\u104b end",
    "A. B. C. D. capital initials. Then text.",
    "no full stop at all",
    "ends with newline.\n",
    "xe.g. glued abbreviation. Next one.",
    "Contact us at privacy@example.com. We reply [here](https://example.com/a.b). Thanks.",
    "  leading space. trailing space.  ",
    "vs. z.B. bzw. ggf. resp. ca. nr. no. sec. st. dr. ms. co. corp. ltd. Ok.",
]


def test_split_and_tokenize_agree_with_the_reference_on_tricky_text() -> None:
    for text in _TRICKY:
        assert tokens.split_sentences(text) == _split_reference(text), text
        tokens.tokenize_block.cache_clear()
        assert tokens.tokenize_block(text) == _tokenize_reference(text), text


_ALPHABET = "abcAZ eg. ,!?\n()\"'0123]" + "。！？」" + "\u0e2f个人"


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["e.g.", "Inc.", "U.S.", "etc.", "Art.", "A.", "1.", "(b)", "Mr."]), max_size=4),
       st.text(alphabet=_ALPHABET, max_size=80))
def test_same_sentences_and_words_as_the_reference(pieces: list[str], text: str) -> None:
    candidate = " ".join(pieces) + " " + text if pieces else text
    for t in (candidate, text + " " + " ".join(pieces), re.sub(" +", " ", candidate)):
        assert tokens.split_sentences(t) == _split_reference(t), t
        tokens.tokenize_block.cache_clear()
        assert tokens.tokenize_block(t) == _tokenize_reference(t), t


def test_ascii_shortcut_of_word_units_agrees_with_the_script_scan() -> None:
    from monitor import language

    for text in ["", " ", "a b\x1cc\x1fd\x0be", "We keep it 24 months.", "\t\n x  y ", "a" * 50 + " b"]:
        assert text.isascii()
        assert language._UNSPACED_CHAR.search(text) is None  # what the shortcut assumes
        assert language.word_units(text) == len(text.split())
        assert not language.has_unspaced_script(text)
    # Non-ASCII text still takes the scan.
    assert language.word_units("24か月間保存します") == 5
    assert language.has_unspaced_script("x 個人") and not language.has_unspaced_script("café’s")


# White space of every kind `str.split` and `\S+` must agree on, and text of unspaced scripts.
_KEY_ALPHABET = _ALPHABET + "\x1c\x1f\x0b\x85\u00a0\u2028\u3000\u200b\ufeff1.2)a" + "\u00e9\u2019"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_KEY_ALPHABET, max_size=80))
def test_content_key_is_the_tokenized_blocks_key(text: str) -> None:
    for t in (text, "1. " + text, "(a) " + text, text + " EU.Where we"):
        tokens.tokenize_block.cache_clear()
        assert tokens.content_key(t) == tokens.tokenize_block(t).content_key, t


def test_content_key_on_tricky_text() -> None:
    for text in _TRICKY + ["3.2 We keep it.", "•\u00a0Item one\u2028two", "24か月間保存します。次に", "EU.Where we go"]:
        tokens.tokenize_block.cache_clear()
        assert tokens.content_key(text) == tokens.tokenize_block(text).content_key, text


def test_every_sentence_end_looks_behind_at_an_end_mark() -> None:
    # split_sentences skips its scan for text without `_END_MARK`: each alternative of the pattern
    # must open with a look-behind whose characters are all end marks.
    for alternative in tokens._SENTENCE_END.pattern.split("|(?<="):
        marks = re.match(r"(?:\(\?<=)?(?:\[A-Za-z\]\{2\})?\[([^\]]*)\]", alternative)
        assert marks, alternative
        for ch in marks.group(1).encode().decode("unicode_escape"):
            assert tokens._END_MARK.fullmatch(ch), (alternative, ch)
    for text in ["No end here", "  Heading with spaces  ", "", "a\u3000b", "x, y; z: w"]:
        assert tokens.split_sentences(text) == _split_reference(text)
