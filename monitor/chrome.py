"""Is a block policy text or site chrome? Decided per block from general evidence, not phrase lists.

Extraction removes most navigation, but real captures still carry menus, link lists, tickers and
footers inside the policy's own container. A block is chrome when it reads like a run of labels
rather than prose: most of its text is link text, or it is a long run of capitalised labels with
hardly any function words, sentence punctuation or list commas. Short lines (a lone "Games" or
"Back to top") are judged elsewhere (monitor.classify.is_nav_like), with their heading as context.

Evidence from outside the block can be added through `ChromeContext`: blocks that also occur in
other watched documents of the same host, or that changed in many earlier checks of this watch.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from monitor.facts import extract_facts
from monitor.language import has_unspaced_script, word_units
from monitor.normalize import display_text, word_set
from monitor.tokens import tokenize_block
from monitor.vocabulary import categories_in

_LINK_TEXT = re.compile(r"\[((?:[^\[\]]|\\\[|\\\])*)\]\((?:[^()]|\([^)]*\))*\)")
_LETTER_WORD = re.compile(r"[^\W\d_]", re.UNICODE)

# Function words of the languages the vocabulary knows: prose has many, a menu has few. Only their
# share is used, so a short list per language is enough.
FUNCTION_WORDS = word_set(
    "the a an and or of to for with in on at by from that which as is are was were be been will may can "
    "we you your our us they their it its this these those not no if when who what how do does have has "
    "le la les des du de et ou pour avec dans que qui est sont nous vous votre vos nos ne pas un une "
    "der die das und oder für mit von zu den dem ist sind wir sie ihre ihr nicht ein eine werden "
    "el los las y o para con en que es son nosotros su sus no un una por se "
    "het een en voor met van zijn wij u uw niet och eller för med av till är vi du din inte"
)

TICKER_MAX_WORDS = 12  # a labelled line this short ("Trending now: ...") is judged by its label
SHARED_MAX_WORDS = 25  # a shared block longer than this is prose two documents share, not chrome
MIN_WORDS = 8  # shorter lines are judged with their heading (classify.is_nav_like)
LINK_SHARE = 0.6  # share of visible characters inside link text
# Prose has 30-50% function words and few capitalised words (German nouns included: about a third);
# a label run has few function words, or is nearly all capitalised (a row of headings, a footer).
LABEL_RUNS = ((0.15, 0.5), (0.3, 0.7))  # (most function words, fewest capitalised words)
MENU_RUN = 3  # this many short labels in a row, outside a section about a privacy topic, are a menu
LABEL_MAX_WORDS = 6
SENTENCE_ENDS = (".", ";", ":", "!", "?", "。", "！", "？", "；", "：")
FOOTER_RUN = 6  # under a topical heading, a closing run of bare links must be this long
LONG_FOOTER_RUN = 12  # ... and one that does not close the section, this long
SIGNATURE_MAX_WORDS = 30  # a copyright and trademark notice closing a footer paragraph
SIGNATURE_LINK_SHARE = 0.4  # ... after labels of which this share of the characters are links
WHOLE_LINK = 0.9  # share of a short line's characters in link text for it to be a link
_COPYRIGHT = re.compile(r"©|\(c\) ?(?:19|20)\d\d|\bcopyright\b|\btrademarks?\b", re.IGNORECASE)
WORDS_PER_COMMA = 8  # an enumeration of data types uses commas; a menu does not
WORDS_PER_SENTENCE_END = 25
PROSE_MIN_WORDS = 3  # "the right of access;" is a clause; "Contact us." is a label
PROSE_FUNCTION_SHARE = 0.2  # a sentence has function words; a label run ending in a colon has few


_DIGITS = re.compile(r"\d+")
_WORD_CHAR = re.compile(r"\w")


_LABEL_LEAD = re.compile(r"^((?:\S+ ){0,3}\S+?):\s")


@lru_cache(maxsize=50_000)
def _visible(raw: str) -> str:
    """`display_text(raw)`, cached like `shape`: the tests of one block (its shape, skeleton, label
    and copyright tests) each read it, and a comparison tests every block several times."""
    return display_text(raw)


@lru_cache(maxsize=50_000)
def skeleton(raw: str) -> str:
    """A block's shape, from its stored text: a block led by a short label keeps only the label
    ("Trending now: ..." whatever follows), any other has its numbers folded ("Visitors today: 1204"
    and "...: 1311" are one shape). Cached: every block of both versions is looked up in the
    flapping evidence in each comparison."""
    text = _visible(raw)
    m = _LABEL_LEAD.match(text)
    if m and len(text.split()) <= TICKER_MAX_WORDS:
        return m.group(1).lower() + ": *"
    return _DIGITS.sub("#", tokenize_block(raw).content_key)


@dataclass(frozen=True)
class ChromeContext:
    """Evidence from outside the two versions (monitor.chrome_evidence): content keys of blocks seen
    in other watched documents of the same host, and shapes (`skeleton`) of blocks that changed in
    many earlier checks of this watch."""

    shared_blocks: frozenset[str] = frozenset()
    flapping_blocks: frozenset[str] = frozenset()

    def shared(self, content_key: str) -> bool:
        return content_key in self.shared_blocks

    def flapping(self, raw: str) -> bool:
        return skeleton(raw) in self.flapping_blocks


@dataclass(frozen=True)
class BlockShape:
    words: int
    link_share: float
    function_share: float
    caps_share: float
    commas: int
    sentence_ends: int


@lru_cache(maxsize=50_000)
def shape(raw: str) -> BlockShape:
    """Measures of one block as stored (markdown links kept)."""
    visible = _visible(raw)
    tokens = visible.split()
    # Scripts written without spaces count in word units, and their prose is judged by its
    # sentence ends alone: capitals and Latin function words do not apply.
    unspaced = has_unspaced_script(visible)
    n = word_units(visible) if unspaced else len(tokens)
    link_chars = sum(len(display_text(m.group(1))) for m in _LINK_TEXT.finditer(raw))
    letters = [t for t in tokens if _LETTER_WORD.search(t)]
    caps = sum(1 for t in letters if t.lstrip("\"'(«“")[:1].isupper())
    functions = sum(1 for t in tokens if t.lower().strip(".,;:!?()\"'") in FUNCTION_WORDS)
    ends = sum(1 for t in tokens if t.endswith((".", "!", "?", ";", ":")) and len(t) > 1)
    if unspaced:
        ends += sum(visible.count(c) for c in "。！？；：")
    return BlockShape(
        words=n,
        link_share=link_chars / max(1, len(visible)),
        function_share=1.0 if unspaced else functions / max(1, n),
        caps_share=0.0 if unspaced else caps / max(1, len(letters)),
        commas=visible.count(",") + visible.count("、"),
        sentence_ends=ends,
    )


def is_policy_text(raw: str, kind: str = "p", heading: str = "") -> bool:
    """True when a block says something a policy says, so repetition on the host's other pages is no
    sign of chrome: regional variants of one policy (/privacy-uk, /privacy-ie) share their rights and
    recipient lists. Policy text names a fact (monitor.facts: a right, a recipient, a country, a data
    type, a period, the sale stance; `heading` gives a bare list entry its meaning), or is more than a
    label and uses the vocabulary of a privacy category, or reads as a sentence (ends like one and is
    built from function words). Labels, menus and tickers ("Spring offer: 20% off") are none of these."""
    text = _visible(raw).strip()
    if not text:
        return False
    if extract_facts(text, heading):
        return True
    label = _is_label(raw, kind)
    if not label and categories_in(text):
        return True
    s = shape(raw)
    return (
        s.words >= PROSE_MIN_WORDS
        and text.endswith(SENTENCE_ENDS)
        and s.function_share >= PROSE_FUNCTION_SHARE
    )


# A number with a unit of time: a period, a deadline or an age ("30 days", "16 years old").
_TIME_QUANTITY = re.compile(r"\b\d+\s*(?:-\s*)?(?:hours?|days?|weeks?|months?|years?)\b", re.IGNORECASE)


def states_terms(raw: str, kind: str = "p", heading: str = "") -> bool:
    """True when a block states a term of the policy whose numbers matter: it names a fact
    (monitor.facts: a retention period, a response time...), uses the vocabulary of a privacy
    category without being a label, or puts a number on a unit of time. Such a block is never chrome
    by the flapping evidence: a retention period edited in three versions in a row is three changes
    of the policy, not a counter (a fresh user's finding: the third edit went unreported)."""
    text = _visible(raw)
    if _TIME_QUANTITY.search(text) or extract_facts(text, heading):
        return True
    return not _is_label(raw, kind) and bool(categories_in(text))


def is_chrome_block(
    raw: str, kind: str = "p", context: ChromeContext | None = None, key: str = "", heading: str = ""
) -> bool:
    """True when a block (its stored text, markdown links included) is page chrome.

    `kind`: "p", "li" or "row"; table rows are data (a cookie table, a list of processors) and are
    only chrome by outside evidence. `key`: the block's content key, looked up in `context`.
    `heading`: the section heading, which gives a shared bare list entry its meaning."""
    if context is not None and context.flapping(raw) and not states_terms(raw, kind, heading):
        return True
    s = shape(raw)
    if context is not None and key and context.shared(key):
        if s.link_share >= 0.5:
            return True  # a link on every page of the site: a menu, a footer
        if s.words < SHARED_MAX_WORDS and not is_policy_text(raw, kind, heading):
            return True  # a label on every page; shared policy text (a rights list, a DPO address) stays text
    if kind == "row":
        return False
    if _ends_in_signature(raw):
        return True
    if s.words < MIN_WORDS:
        return False
    if s.link_share >= LINK_SHARE and s.function_share < 0.25:
        return True  # a list of links: a menu, a footer, "related articles"
    return (
        any(s.function_share <= f and s.caps_share >= c for f, c in LABEL_RUNS)
        and s.commas * WORDS_PER_COMMA < s.words
        and s.sentence_ends * WORDS_PER_SENTENCE_END < s.words
    )


def _is_label(raw: str, kind: str) -> bool:
    """A short line that names something rather than says something: a menu entry, a link."""
    if kind == "row":
        return False
    text = _visible(raw).strip()
    if _is_debris(text):
        return True  # link debris between menu entries ("[", "|")
    if word_units(text) > LABEL_MAX_WORDS:
        return False
    if shape(raw).link_share >= WHOLE_LINK:
        return True  # a short line that is one link is a label, even as a question ("Forgot password?")
    return not text.endswith(SENTENCE_ENDS) and not any(c in text for c in ",，、")


def chrome_blocks(
    blocks: Sequence[tuple[str, str]], topical: bool, context: ChromeContext | None = None, heading: str = ""
) -> list[bool]:
    """Chrome verdicts for a section's blocks, given as (kind, stored text) in reading order.

    Besides each block's own shape, a run of `MENU_RUN` or more short labels is a menu when the
    section is not about a privacy topic (`topical`: its heading names one); under a topical heading
    such a run is a list (data types, recipients) and keeps its meaning. `heading`: the section's
    heading, for blocks shared with the host's other pages (`is_policy_text`)."""
    out = [
        is_chrome_block(text, kind, context, tokenize_block(text).content_key if context else "", heading)
        or _is_copyright(text)
        for kind, text in blocks
    ]
    labels = [_is_label(text, kind) for kind, text in blocks]
    start = 0
    while start < len(blocks):
        end = start
        while end < len(blocks) and (labels[end] or out[end]):
            end += 1
        run = range(start, end)
        if len(run) >= MENU_RUN and (not topical or _is_footer_run(blocks, run)):
            if topical:
                # A footer inside a section about a privacy topic ends the policy's text: what
                # follows it in the capture is the page's own (a pop-up, a browser notice).
                run = range(start, len(blocks))
            for i in run:
                out[i] = True
        start = max(run.stop, start + 1)
    return out


def _ends_in_signature(raw: str) -> bool:
    """A footer pasted as one paragraph: links and labels with no sentence among them, then a
    copyright or trademark notice ("About Careers [Stores](...) ... © 2026 Acme Ltd. All rights
    reserved.")."""
    m = _COPYRIGHT.search(raw)
    if not m or not raw[: m.start()].strip():
        return False
    head = shape(raw[: m.start()])
    return (
        len(display_text(raw[m.start() :]).split()) <= SIGNATURE_MAX_WORDS
        and head.sentence_ends == 0
        and head.link_share >= SIGNATURE_LINK_SHARE
    )


def _is_debris(text: str) -> bool:
    """Nothing but punctuation: what is left of a link a capture cut in two."""
    return not _WORD_CHAR.search(text)


def _is_copyright(raw: str) -> bool:
    """A copyright or trademark line ("© 2026 Acme Ltd. All rights reserved.", "All trademarks
    referenced herein are the properties of their respective owners."): a footer's signature."""
    text = _visible(raw)
    return bool(_COPYRIGHT.search(text)) and len(text.split()) <= 15


def _is_footer_run(blocks: Sequence[tuple[str, str]], run: range) -> bool:
    """Under a topical heading a run of labels is a list, unless it is mostly bare links and either
    closes the section (a footer or language picker captured into the last section) or is a long run
    of paragraphs, not list items (a footer followed by a pop-up's text): a policy marks up its lists
    of recipients or data types as lists."""
    if len(run) < FOOTER_RUN:
        return False
    linked = sum(
        1 for i in run if shape(blocks[i][1]).link_share >= LINK_SHARE or _is_debris(_visible(blocks[i][1]))
    )
    if 2 * linked < len(run):
        return False
    if run.stop == len(blocks):
        return True
    paragraphs = sum(1 for i in run if blocks[i][0] == "p")
    return len(run) >= LONG_FOOTER_RUN and 4 * paragraphs >= 3 * len(run)


def clear_caches() -> None:
    """Forget the per-block measures (`shape`, `skeleton` and the display text they read)."""
    shape.cache_clear()
    skeleton.cache_clear()
    _visible.cache_clear()


__all__ = [
    "ChromeContext",
    "BlockShape",
    "FUNCTION_WORDS",
    "chrome_blocks",
    "clear_caches",
    "is_chrome_block",
    "is_policy_text",
    "shape",
]
