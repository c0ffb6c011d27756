"""Quantities of time compared by value: "6 months", "six months" and "half a year" are one period.

A policy that spells out a number ("thirty days", "twenty-four hours", "a year", "vingt-quatre
mois", "vierundzwanzig Monate") states the same fact as one that writes digits; reporting
"retention period: 6 months -> six months" is a false alert. Every layer that reads a period (the
facts of monitor.facts, the changed words of monitor.classify and monitor.reasons) takes its numbers
from here, so that no layer knows a number word another does not.

Number words are listed for the languages the facts module reads (English, French, German, Spanish,
Dutch) and Swedish, whose units monitor.wording knows: one to ninety-nine, the hundreds, "a"/"an"
("a year" is 1 year), "a dozen", "half a".
"""

from __future__ import annotations

import re

from monitor import facts_vocab as V
from monitor.wordscan import Scan, unaccent


def _words(text: str) -> list[str]:
    return text.split()


def _english() -> dict[str, float]:
    ones = _words("one two three four five six seven eight nine")
    teens = _words("ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen")
    tens = _words("twenty thirty forty fifty sixty seventy eighty ninety")
    out: dict[str, float] = {w: i + 1 for i, w in enumerate(ones)}
    out |= {w: i + 10 for i, w in enumerate(teens)}
    for i, t in enumerate(tens):
        out[t] = 10 * (i + 2)
        out |= {f"{t} {o}": 10 * (i + 2) + j + 1 for j, o in enumerate(ones)}
    below_100 = dict(out)
    out |= {"a": 1, "an": 1, "a dozen": 12, "dozen": 12, "half a": 0.5, "half an": 0.5}
    out |= {f"{o} and a half": n + 0.5 for o, n in below_100.items() if n < 10}
    for lead, n in [("a", 1), ("one", 1)] + [(o, j + 1) for j, o in enumerate(ones[1:], 1)]:
        out[f"{lead} hundred"] = 100 * n
    out["hundred"] = 100
    for lead in ("a", "one"):  # "one hundred and eighty days"
        out |= {f"{lead} hundred {j}{w}": 100 + n for w, n in below_100.items() for j in ("", "and ")}
    return out


def _french() -> dict[str, float]:
    ones = _words("un deux trois quatre cinq six sept huit neuf")
    teens = _words("dix onze douze treize quatorze quinze seize dix-sept dix-huit dix-neuf")
    out: dict[str, float] = {w: i + 1 for i, w in enumerate(ones)} | {"une": 1}
    out |= {w.replace("-", " "): i + 10 for i, w in enumerate(teens)}
    for n, t in zip((20, 30, 40, 50, 60), _words("vingt trente quarante cinquante soixante"), strict=True):
        out[t] = n
        out |= {f"{t} et un": n + 1, f"{t} et une": n + 1}
        out |= {f"{t} {o}": n + j + 1 for j, o in enumerate(ones[1:], 1)}
    out |= {f"soixante {w.replace('-', ' ')}": 70 + i for i, w in enumerate(teens)} | {"soixante et onze": 71}
    out |= {"quatre vingt": 80, "quatre vingts": 80, "cent": 100}
    out |= {f"quatre vingt {o}": 81 + j for j, o in enumerate(ones)}
    out |= {f"quatre vingt {w.replace('-', ' ')}": 90 + i for i, w in enumerate(teens)}
    return out


def _german() -> dict[str, float]:
    ones = _words("ein zwei drei vier fünf sechs sieben acht neun")
    out: dict[str, float] = {w: i + 1 for i, w in enumerate(ones)}
    out |= dict.fromkeys(("eins", "eine", "einem", "einen", "einer"), 1)
    teens = _words("zehn elf zwölf dreizehn vierzehn fünfzehn sechzehn siebzehn achtzehn neunzehn")
    out |= {w: i + 10 for i, w in enumerate(teens)}
    tens = _words("zwanzig dreißig vierzig fünfzig sechzig siebzig achtzig neunzig")
    for i, t in enumerate(tens):
        out[t] = 10 * (i + 2)
        out |= {f"{o}und{t}": 10 * (i + 2) + j + 1 for j, o in enumerate(ones)}
    out |= {w.replace("ß", "ss"): n for w, n in out.items() if "ß" in w}
    out |= {"hundert": 100, "einhundert": 100, "ein dutzend": 12, "einem dutzend": 12}
    return out


def _spanish() -> dict[str, float]:
    ones = _words("uno dos tres cuatro cinco seis siete ocho nueve")
    out: dict[str, float] = {w: i + 1 for i, w in enumerate(ones)} | {"un": 1, "una": 1}
    teens = _words("diez once doce trece catorce quince dieciséis diecisiete dieciocho diecinueve")
    out |= {w: i + 10 for i, w in enumerate(teens)}
    twenties = "veintiuno veintidós veintitrés veinticuatro veinticinco veintiséis veintisiete veintiocho veintinueve"
    out |= {w: 21 + i for i, w in enumerate(_words(twenties))} | {"veinte": 20, "veintiún": 21, "veintiuna": 21}
    tens = _words("treinta cuarenta cincuenta sesenta setenta ochenta noventa")
    for i, t in enumerate(tens):
        out[t] = 10 * (i + 3)
        out |= {f"{t} y {o}": 10 * (i + 3) + j + 1 for j, o in enumerate(ones)} | {f"{t} y un": 10 * (i + 3) + 1}
    out |= {"cien": 100, "ciento": 100, "una docena": 12}
    return out


def _dutch() -> dict[str, float]:
    ones = _words("een twee drie vier vijf zes zeven acht negen")
    out: dict[str, float] = {w: i + 1 for i, w in enumerate(ones)}
    teens = _words("tien elf twaalf dertien veertien vijftien zestien zeventien achttien negentien")
    out |= {w: i + 10 for i, w in enumerate(teens)}
    tens = _words("twintig dertig veertig vijftig zestig zeventig tachtig negentig")
    for i, t in enumerate(tens):
        out[t] = 10 * (i + 2)
        # "eenentwintig", "tweeëntwintig" (the diaeresis is dropped when the text is folded)
        out |= {f"{o}en{t}": 10 * (i + 2) + j + 1 for j, o in enumerate(ones)}
    out |= {"honderd": 100, "honderdtachtig": 180}
    return out


def _swedish() -> dict[str, float]:
    ones = _words("en två tre fyra fem sex sju åtta nio")
    out: dict[str, float] = {w: i + 1 for i, w in enumerate(ones)} | {"ett": 1}
    teens = _words("tio elva tolv tretton fjorton femton sexton sjutton arton nitton")
    out |= {w: i + 10 for i, w in enumerate(teens)}
    tens = _words("tjugo trettio fyrtio femtio sextio sjuttio åttio nittio")
    for i, t in enumerate(tens):
        out[t] = 10 * (i + 2)
        out |= {f"{t}{o}": 10 * (i + 2) + j + 1 for j, o in enumerate(ones)} | {f"{t}ett": 10 * (i + 2) + 1}
    out |= {"hundra": 100, "etthundra": 100}
    return out


def _all_words() -> dict[str, float]:
    out: dict[str, float] = {}
    for table in (_swedish(), _dutch(), _spanish(), _german(), _french(), _english()):
        out |= {unaccent(w): n for w, n in table.items()}  # English last: "six" is 6 wherever it is read
    return out


# Spelled numbers, folded (lower case, no diacritics), words separated by one space.
NUMBER_WORDS: dict[str, float] = _all_words()
# Single words that are numbers on their own ("six", "thirty"; not the articles "a", "en", "un").
NUMBER_TOKENS = frozenset(w for w in NUMBER_WORDS if " " not in w) - {"a", "an", "en", "ett", "un", "une", "een"}


def _trie_pattern(words: list[str]) -> str:
    """One regex for many words, as a trie: at each letter only the branches that can still match
    are tried (a plain alternation of ~1,000 words tries each one in turn). Longer words first: the
    optional tail of a prefix is greedy. A space between words also matches a hyphen ("twenty-four")."""
    root: dict[str, dict] = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        alts = [(r"[\s-]+" if ch == " " else re.escape(ch)) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


NUMBER_PATTERN = _trie_pattern(list(NUMBER_WORDS))


def number_value(text: str) -> float:
    """The value of a number as written: "24", "2,5", "twenty-four", "Vingt-Quatre"."""
    key = re.sub(r"[\s-]+", " ", unaccent(text.lower().strip()))
    if key in NUMBER_WORDS:
        return NUMBER_WORDS[key]
    return float(key.replace(",", "."))


_UNITS = [(u, p) for u, _, p in V.UNITS]
_UNIT_PATTERN = "|".join(f"(?P<g{i}>{unaccent(p)})" for i, (_, p) in enumerate(_UNITS))
_UNIT_NAMES = [u for u, _ in _UNITS]
UNIT_DAYS = {u: d for u, d, _ in V.UNITS}
# A number, a hyphen or space, a unit; a Latin or Cyrillic unit must end its word, a CJK one need not.
_DURATION = re.compile(
    rf"(?:(?<![\d.,])(\d+(?:[.,]\d+)?)|\b({NUMBER_PATTERN}))\s*-?\s*(?:{_UNIT_PATTERN})(?![a-zßа-я])"
)
# A number written twice, in words and in digits, either way round: "thirty (30) days", "6 (six) months".
_SPELLED_AND_DIGITS = re.compile(
    rf"\b(?P<words>{NUMBER_PATTERN})\s*\(\s*(?P<digits>\d+)\s*\)|(?<![\d.,])(?P<digits2>\d+)\s*\(\s*(?P<words2>{NUMBER_PATTERN})\s*\)"
)
_HAS_DIGIT = re.compile(r"\d")
_UNIT_WORD = Scan("|".join(p for _, p in _UNITS))
_NOT_A_PERIOD = re.compile(unaccent(V.NOT_A_PERIOD))
_NOT_A_PERIOD_AFTER = re.compile(unaccent(V.NOT_A_PERIOD_AFTER))
# A minimum is not the same period: "then 90 days" -> "then at least 90 days" lifts the limit.
_AT_LEAST = re.compile(
    r"(?:at least|a minimum of|minimum of|no less than|not less than|au moins|au minimum|mindestens"
    r"|al menos|como minimo|minstens|ten minste|minst) $"
)


# What the words right before a period make of it: a length of time something is kept ("kept for
# 3 years", "pendant 3 ans") or a deadline ("answered within 30 days", "binnen 30 dagen").
_QUALIFIERS = (
    r"(?:(?:a (?:period|term|maximum|minimum) of|at least|up to|at most|a maximum of|a minimum of|no more than"
    r"|no longer than|no less than|another|an additional|a further|further|additional|une duree de|maximal"
    r"|hochstens|mindestens|un maximo de|maximaal|minstens|ten minste|au moins|jusqu'a)\s+)*"
)
_KEPT_FOR = re.compile(rf"(?:\bfor|\bduring|\bpendant|\bdurant|\bfur|\bwahrend|\bdurante|\bgedurende)\s+{_QUALIFIERS}$")
_DEADLINE = re.compile(
    rf"(?:\bwithin|\bin|no later than|not later than|\bbinnen|\binnerhalb(?: von)?|dans un delai de|\bsous"
    rf"|en un plazo de|\bdentro de|\binom)\s+{_QUALIFIERS}$"
)


def preposition_before(low_before: str) -> str:
    """ "for" if the (folded, lower-case) text right before a period makes it a length of time
    ("kept for 3 years"), "within" if a deadline ("within 30 days"), else ""."""
    tail = low_before[-60:]
    if _KEPT_FOR.search(tail):
        return "for"
    return "within" if _DEADLINE.search(tail) else ""


def spelled_out_with_digits(low: str) -> str:
    """ "thirty (30) days", "6 (six) months" and "six (6) months" read as "30 days" and "6 months",
    padded to the same length (positions still hold). Both writings must give one value: "6 (seven)
    months" is left as written, where no period is read, so that a change to it is not hidden."""
    return _SPELLED_AND_DIGITS.sub(_one_number, low) if "(" in low else low


def _one_number(m: re.Match[str]) -> str:
    digits, words = m.group("digits") or m.group("digits2"), m.group("words") or m.group("words2")
    if NUMBER_WORDS.get(re.sub(r"[\s-]+", " ", words)) != float(digits):
        return m.group(0)
    return digits.rjust(len(m.group(0)))


def periods(low: str) -> list[tuple[int, int, str, float]]:
    """(start, end, shown, days) of each period of time in folded lower-case `low` ("6 months",
    "six months", "a year"), not an age ("under 16 years"), a look-back window ("in the past 12
    months") or a calendar year ("2024年"). A minimum is shown as such ("at least 90 days")."""
    if not (_HAS_DIGIT.search(low) or _UNIT_WORD.search(low)):
        return []  # most sentences name no period: skip the costly scan
    text = spelled_out_with_digits(low)
    out = []
    for m in _DURATION.finditer(text):
        n, unit = number_value(m.group(1) or m.group(2)), _UNIT_NAMES[int(m.lastgroup[1:])]  # type: ignore[index]
        before = text[max(0, m.start() - 20) : m.start()]
        if _NOT_A_PERIOD.search(before) or _NOT_A_PERIOD_AFTER.match(text[m.end() :]):
            continue
        if unit == "year" and n >= 1000:
            continue
        shown = f"{n:g} {unit}{'' if n == 1 else 's'}"
        if _AT_LEAST.search(before):
            shown = f"at least {shown}"
        out.append((m.start(), m.end(), shown, n * UNIT_DAYS[unit]))
    return out


def quantity_key(text: str) -> str:
    """`text` with each period replaced by its length and each number word by its digits, spacing
    and case ignored: two texts with one key say the same thing ("keep it six months" / "keep it 6
    months" / "keep it half a year")."""
    low = spelled_out_with_digits(unaccent(text.lower()))
    parts, last = [], 0
    for start, end, shown, days in periods(low):
        parts += [low[last:start], f" \x00{'min' if shown.startswith('at least') else ''}{days:.4f}\x00 "]
        last = end
    parts.append(low[last:])
    words = "".join(parts).split()
    return " ".join(f"{NUMBER_WORDS[w]:g}" if w in NUMBER_TOKENS else w for w in words)


__all__ = [
    "NUMBER_PATTERN",
    "NUMBER_TOKENS",
    "NUMBER_WORDS",
    "UNIT_DAYS",
    "number_value",
    "preposition_before",
    "periods",
    "quantity_key",
    "spelled_out_with_digits",
]
