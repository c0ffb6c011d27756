"""Scripts and languages: word units in any script, and the language of a document.

Two jobs that every gate and measure needs, whatever the language of a policy:

- `word_units(text)`: how many words a text has. Scripts written without spaces between words
  (Chinese, Japanese, Thai, Lao, Khmer, Myanmar) are counted by characters: two Han/kana
  characters, or four Thai-like letters, make one word unit, close to the average word length of
  those languages, so a 600-character Japanese policy counts about 300 words, as its English
  translation would, and not 20 "words" between spaces. `unspaced_runs` and `clusters` give the
  same runs to the tokenizer, so the diff can compare those scripts character by character.
- `detect(text)`: the language of a text as an ISO 639-1 code ("en", "ja"), or None when the
  text is too short or too mixed to say. Identification is done by lingua-language-detector
  (a well-kept library, no network, models shipped in the wheel) in its low-accuracy mode, which
  is accurate on texts as long as a policy and keeps memory and time small. Chinese gets its
  script as a locale variant ("zh-Hans" / "zh-Hant"), the one variant that text alone shows
  reliably.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from typing import Any

# Han (with extensions and compatibility ideographs), hiragana, katakana (with half-width forms).
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"
# Thai, Lao, Myanmar, Khmer: alphabets whose words are not separated by spaces.
_SEA = "\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_UNSPACED_RUN = re.compile(f"[{_CJK}]+|[{_SEA}]+")
_UNSPACED_CHAR = re.compile(f"[{_CJK}{_SEA}]")  # one class: a far faster scan than the alternation
_SEA_CHAR = re.compile(f"[{_SEA}]")
# CJK punctuation and full-width punctuation (not the full-width digits and letters).
_WIDE_PUNCT = re.compile("[\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]")
CJK_CHARS_PER_WORD = 2  # average word length of Chinese (~1.7) and Japanese (~2.3), in characters
SEA_CHARS_PER_WORD = 4  # Thai-like scripts: letters and marks per word, roughly

MIN_DETECT_UNITS = 20  # below this many word units a language guess is too weak to act on
MIN_CONFIDENCE = 0.5  # lingua's relative confidence of the best language
SAMPLE_CHARS = 700  # the language of a policy shows in its first paragraphs; bounds the cost (~2 ms)


def _run_units(run: str) -> int:
    per = SEA_CHARS_PER_WORD if _SEA_CHAR.match(run) else CJK_CHARS_PER_WORD
    return -(-len(run) // per)  # ceil: a lone character is still a word


def word_units(text: str) -> int:
    """Words of `text` in any script: space-separated tokens, with runs of an unspaced script
    counted by characters (see the module docstring). "24か月間保存します" is 1 + 4 units."""
    # Plain ASCII (str.isascii() reads a flag, no scan) has no unspaced script: most blocks.
    if text.isascii() or _UNSPACED_CHAR.search(text) is None:  # the common cases
        return len(text.split())
    units = sum(_run_units(m.group(0)) for m in _UNSPACED_RUN.finditer(text))
    # What is left between the runs: words of other scripts and digits; punctuation is not a word.
    rest = _UNSPACED_RUN.sub(" ", _WIDE_PUNCT.sub(" ", text))
    return units + sum(1 for part in rest.split() if any(ch.isalnum() for ch in part))


def unspaced_runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each run of an unspaced script in `text`."""
    return [m.span() for m in _UNSPACED_RUN.finditer(text)]


def clusters(run: str) -> list[tuple[int, int]]:
    """The comparable units of a run of an unspaced script, as (start, end) offsets: one per
    character, with combining marks (Thai vowels and tone marks) kept on their base letter."""
    out: list[tuple[int, int]] = []
    for i, ch in enumerate(run):
        if out and (unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Mc")):
            out[-1] = (out[-1][0], i + 1)
        else:
            out.append((i, i + 1))
    return out


def has_unspaced_script(text: str) -> bool:
    return not text.isascii() and _UNSPACED_CHAR.search(text) is not None


# -- language identification ---------------------------------------------------------------------

_detector: Any = None
_lock = threading.Lock()


def _get_detector() -> Any:
    """Built once per process, on first use; lingua loads each language model lazily."""
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                from lingua import LanguageDetectorBuilder

                _detector = LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()
    return _detector


# Characters written differently in simplified and traditional Chinese, among the most frequent
# ones in any text (and in every policy): enough to tell the two scripts apart.
_SIMPLIFIED = set("们个这说时会对国为与资讯护权隐处务请网们关联发络规则单证买卖记录动员过还")
_TRADITIONAL = set("們個這說時會對國為與資訊護權隱處務請網關聯發絡規則單證買賣記錄動員過還")
_SHARED = _SIMPLIFIED & _TRADITIONAL  # characters written alike in both scripts say nothing
_SIMPLIFIED -= _SHARED
_TRADITIONAL -= _SHARED


def _chinese_variant(text: str) -> str:
    simp = sum(1 for ch in text if ch in _SIMPLIFIED)
    trad = sum(1 for ch in text if ch in _TRADITIONAL)
    if simp == trad:
        return "zh"
    return "zh-Hans" if simp > trad else "zh-Hant"


@lru_cache(maxsize=512)
def _detect_sample(sample: str) -> str | None:
    detector = _get_detector()
    values = detector.compute_language_confidence_values(sample)
    if not values or values[0].value < MIN_CONFIDENCE:
        return None
    iso = values[0].language.iso_code_639_1.name.lower()
    return _chinese_variant(sample) if iso == "zh" else iso


def detect(text: str) -> str | None:
    """ISO 639-1 code of the language of `text` ("zh-Hans"/"zh-Hant" for Chinese when its script
    shows), or None when the text is too short or no language is clearly ahead. Never raises on
    any input; cached by the sampled text."""
    if word_units(text[:SAMPLE_CHARS]) < MIN_DETECT_UNITS:
        return None
    try:
        return _detect_sample(text[:SAMPLE_CHARS])
    except Exception:  # a detector fault must never stop a check; "unknown" is always safe
        return None


def base_language(code: str | None) -> str | None:
    """"zh-Hant" -> "zh"."""
    return code.split("-")[0] if code else None


# American spellings British English also writes, at least in some senses ("a computer program",
# "to license", "a medical practice", "a draft", "to install", "a gas meter", "a court's judgment"):
# they say nothing about which variant a text is in.
_BOTH_VARIANTS = frozenset(
    re.findall(
        r"\S+",
        "program programs programmed programming license licensed licenses licensing practice practices draft drafts"
        " drafted drafting install installs installed installing installment installments meter meters judgment"
        " judgments dialog dialogs tire tires ax analog catalog catalogs",
    )
)
MIN_VARIANT_WORDS = 4  # spelling markers a text needs before its variant is called
VARIANT_SHARE = 0.8  # share of the markers that must agree
_LATIN_WORD = re.compile(r"[a-z]+")


@lru_cache(maxsize=1)
def _spellings() -> tuple[frozenset[str], frozenset[str]]:
    from breame.data.spelling_constants import AMERICAN_ENGLISH_SPELLINGS, BRITISH_ENGLISH_SPELLINGS

    return frozenset(AMERICAN_ENGLISH_SPELLINGS) - _BOTH_VARIANTS, frozenset(BRITISH_ENGLISH_SPELLINGS)


@lru_cache(maxsize=1)
def _to_american() -> dict[str, str]:
    from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS

    return dict(BRITISH_ENGLISH_SPELLINGS)


def american_spelling(text: str) -> str:
    """`text` lower-cased with its British spellings replaced by American ones ("behaviour" ->
    "behavior"), for comparing the en-GB and en-US renderings of one text."""
    table = _to_american()
    return _LATIN_WORD.sub(lambda m: table.get(m.group(0), m.group(0)), text.lower())


def english_variant(text: str) -> str | None:
    """"en-GB" or "en-US" when `text` spells English one way (organisation, behaviour, centre /
    organization, behavior, center: breame's spelling pairs); None when it has fewer than
    MIN_VARIANT_WORDS such words or mixes them. Never raises."""
    american, british = _spellings()
    us = gb = 0
    for word in _LATIN_WORD.findall(text.lower()):
        if word in american:
            us += 1
        elif word in british:
            gb += 1
    if us + gb < MIN_VARIANT_WORDS:
        return None
    if gb >= VARIANT_SHARE * (us + gb):
        return "en-GB"
    if us >= VARIANT_SHARE * (us + gb):
        return "en-US"
    return None

