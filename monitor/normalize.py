"""What counts as noise when two policy texts are compared.

Two jobs: turn block text into the display text the diff works on (markup, link targets and
accessibility chrome gone), and give every word a comparison key so that typography, case,
bullets and URL query strings cannot make two words differ. On top of that, `is_noise_edit`
decides whether a set of changed words is only dates, obfuscated e-mails or typo fixes.

Everything here is vocabulary-level: no rule may name a particular company or policy.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

OBFUSCATED_EMAIL = "\x00email"  # key shared by every CDN-obfuscated address: its real value is unknown

# -- display text ------------------------------------------------------------------------------

_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[((?:[^\[\]]|\\\[|\\\])*)\]\((?:[^()]|\([^)]*\))*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^>]+)>")
# Link syntax the extractor could not pair up (an image link split over lines): "[" and "](url)".
_LINK_DEBRIS = re.compile(r"\]\((?:https?:|mailto:|/|#)[^)\s]*(?:\s+\"[^\"]*\")?\)|^\s*\[\s*$|\[\s*\]")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`|~~)")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
# Screen-reader annotations that some sites glue onto link text ("...@example.orgopens email client").
_A11Y = re.compile(
    r"\s?\(?(?:opens|open) (?:in )?(?:a )?(?:new (?:window|tab)|(?:e-?mail|mail) client|external (?:site|link|website))\)?"
    r"|\((?:external link|link is external|new window)\)",
    re.IGNORECASE,
)
_OBF_EMAIL_TEXT = re.compile(r"\[?\s*email(?:\s|\xa0)+protected\s*\]?", re.IGNORECASE)

_TYPOGRAPHY = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00ad": None,
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u2026": "...",
    }
)


def typography(text: str) -> str:
    """Fold curly quotes, dashes, special spaces and zero-width characters to plain ASCII forms."""
    if text.isascii() and "`" not in text:
        return text  # ASCII is already NFC, and "`" is the one ASCII character the table folds
    return unicodedata.normalize("NFC", text).translate(_TYPOGRAPHY)


# Words that `_A11Y` and `_OBF_EMAIL_TEXT` cannot match without (in some letter case): a text
# without any of them is left as it is, without running the patterns (the costliest of
# display_text). Their letters have no case-insensitive matches beyond their upper case
# (unlike "i" and "s", which also match "ı" and "ſ"), so `str.lower` finds them as the patterns do.
_A11Y_WORDS = ("open", "external", "new w")
_OBF_EMAIL_WORDS = ("protected",)


def _may_hold(text: str, words: tuple[str, ...]) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in words)


def display_text(text: str) -> str:
    """The readable words of a block: markdown/HTML markup and link targets dropped.

    The extractor normally removes markup already; doing it again here keeps the engine right
    for Documents built from raw markdown (and link targets are noise whoever left them)."""
    text = typography(text)
    # Each pattern runs only when the text holds what it cannot match without (checked on the
    # text as the steps before left it): most blocks hold no markup, and a scan costs ~1 µs each.
    if "](" in text:  # an image or a link
        text = _IMAGE.sub(lambda m: m.group(1), text)
        for _ in range(2):  # links inside link text (an image inside a link) come out in two passes
            text = _LINK.sub(lambda m: m.group(1), text)
    if "][" in text:
        text = _REF_LINK.sub(lambda m: m.group(1), text)
    if "<" in text:
        text = _AUTOLINK.sub(lambda m: m.group(1).removeprefix("mailto:"), text)
    if "[" in text or "]" in text:
        text = _LINK_DEBRIS.sub(" ", text)
    if "<" in text:
        text = _HTML_TAG.sub(" ", text)
    if "\\" in text:
        text = _MD_ESCAPE.sub(lambda m: m.group(1), text)
    if "*" in text or "_" in text or "`" in text or "~~" in text:
        text = _EMPHASIS.sub("", text)
    if _may_hold(text, _A11Y_WORDS):
        text = _A11Y.sub("", text)
    if _may_hold(text, _OBF_EMAIL_WORDS):
        text = _OBF_EMAIL_TEXT.sub("[email-protected]", text)
    if "  " in text or "\t" in text:  # otherwise each run of spaces is one space already
        text = re.sub(r"[ \t]+", " ", text)
    return text.strip()


# -- word keys ---------------------------------------------------------------------------------

_EDGE_PUNCT = "\"'()[]{}<>.,;:!?*_|#•·–-+=~^/\\"
_MEANINGFUL_SYMBOLS = "%€$£¥§&@#"
_URL = re.compile(r"^(?:https?://|www\.)", re.IGNORECASE)
_EMAIL = re.compile(r"^[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+$")
_NUMBERING = re.compile(
    r"^(?:\(?(?:\d{1,3}(?:\.\d{1,3})*|[a-z]|[ivxlc]{1,5})[.)]|\d{1,3}(?:\.\d{1,3})+\.?)$", re.I
)


def token_key(token: str) -> str:
    """Comparison key of one whitespace-delimited word; "" for a word that is only punctuation.

    Compatibility forms are folded first (Unicode NFKC): a ligature ("ﬁles"), a full-width digit
    ("２４") or a superscript compares equal to its plain letters and digits."""
    if not token.isascii():
        token = unicodedata.normalize("NFKC", token)
    t = typography(token)
    low = t.lower()
    if "email-protected" in low or "email protected" in low:
        return OBFUSCATED_EMAIL
    t = t.strip(_EDGE_PUNCT)
    # (`t.isalnum()`: the common plain word, without a scan character by character)
    if not t or not (t.isalnum() or any(c.isalnum() or c in _MEANINGFUL_SYMBOLS for c in t)):
        return ""  # an arrow, bullet, emoji or dingbat marks a link or a list, it says nothing
    if t[0] in "hHwW" and _URL.match(t):  # only these match the pattern's first letter (a test checks)
        # Query strings and fragments carry tracking ids and session strings, not policy meaning.
        t = re.sub(r"^https?://", "", t, flags=re.I)
        t = re.split(r"[?#]", t, maxsplit=1)[0].rstrip("/")
        return t.lower().removeprefix("www.")
    t = t.lower()
    if t.endswith("'s") or t.endswith("'s"):
        return t
    return t


def is_numbering(token: str) -> bool:
    """A list or section number at the start of a block ("1.", "(b)", "iv.", "2.3")."""
    return bool(_NUMBERING.match(typography(token).strip()))


def is_email(key: str) -> bool:
    return key == OBFUSCATED_EMAIL or bool(_EMAIL.match(key))


# -- words that always count -------------------------------------------------------------------


def word_set(words: str) -> frozenset[str]:
    """A vocabulary list written as one space-separated string (long lists stay readable)."""
    return frozenset(words.split())


NEGATIONS = word_set(
    "not no never none nor neither without cannot can't won't don't doesn't didn't isn't aren't wasn't "
    "shouldn't wouldn't mustn't n't "
    "ne pas jamais aucun aucune sans ni plus "  # fr ("ne ... pas", "ne ... plus")
    "nicht kein keine keinen keinem keiner keines nie niemals ohne "  # de
    "niet geen nooit zonder "  # nl
    "inte ej aldrig ingen inget inga utan"  # sv
)
MODALS = word_set(
    "will may shall must can could might should would need "
    "peut peuvent pourra pourrons pourront pourrait doit doivent devons devra devront "
    "kann können kannst muss müssen darf dürfen wird werden soll sollen sollte "
    "kan kunnen moet moeten mag mogen zal zullen zou "
    "får måste ska skall kommer bör"
)
QUANTIFIERS = word_set(
    "all some any every each only both either few many most several always sometimes "
    "tous toutes tout certains certaines chaque seulement uniquement "
    "alle einige jede jeder jedes nur immer "
    "sommige elke enkel altijd "
    "alla några varje endast bara alltid"
)
_ARTICLES = word_set("the a an le la les l un une der die das ein eine de het een den det en ett")
COMPANY_SUFFIXES = word_set(
    "inc inc. llc ltd ltd. limited corp corp. corporation gmbh ag sa s.a. sas sarl bv b.v. nv n.v. ab "
    "plc oy as a/s srl s.r.l. spa s.p.a. pty lp llp co. kg"
)
COUNTRIES = word_set(
    "usa us u.s. america united states canada mexico brazil argentina chile colombia uk britain england "
    "ireland france germany netherlands belgium luxembourg switzerland austria italy spain portugal "
    "sweden norway denmark finland poland czech hungary romania greece india china japan korea singapore "
    "australia zealand israel russia ukraine turkey philippines vietnam indonesia malaysia thailand "
    "africa nigeria kenya egypt eea eu europe european "
    "états-unis etats-unis allemagne pays-bas suède royaume-uni irlande "
    "deutschland vereinigte staaten niederlande schweden "
    "duitsland nederland verenigde staten zweden "
    "sverige tyskland nederländerna förenta"
)

_MONTHS = word_set(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec "
    "janvier février fevrier mars avril mai juin juillet août aout septembre octobre novembre décembre "
    "januar februar märz april juni juli oktober dezember "
    "januari februari maart mei augustus "
    "mars augusti oktober"
)
_DATE_CONTEXT = re.compile(
    r"\b(?:last (?:updated?|modified|revised|reviewed|changed)|updated|effective|revised|revision|modified|"
    r"version|dated|as of|copyright|published|posted|issued|reviewed|generated|retrieved|printed|"
    r"mis à jour|mise à jour|en vigueur|dernière|stand|gültig|aktualisiert|"
    r"zuletzt|bijgewerkt|laatst|geldig|uppdaterad|senast|gäller)\b|©|\(c\)",
    re.IGNORECASE,
)
_DATE_PART = re.compile(r"^(?:\d{1,4}(?:st|nd|rd|th|er|e)?|\d{1,4}(?:[./\-]\d{1,4}){1,2}|v?\d+(?:\.\d+)*)$")
# A time of day or a timestamp ("08:06", "9:41pm", "2026-11-30T08:06:40Z", "UTC"): a page stamps
# these per request; no policy states a fact as a time of day.
# Time-zone abbreviations as pages stamp them. Not "est" (French "is"), "ist" (German "is") or
# "west": a stamp's zone rarely changes between fetches, a verb in a sentence may.
_TIME_ZONES = word_set(
    "edt cst cdt mst mdt pst pdt akst akdt hst bst cet cest eet eest aest aedt acst awst jst kst msk sgt hkt nzst nzdt"
)
_TIME_PART = re.compile(
    r"^(?:\d{1,2}[:h.]\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:am|pm|a\.m|p\.m)?"
    r"|\d{4}-\d{2}-\d{2}t\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?"
    r"|am|pm|a\.m|p\.m|utc|gmt|uhr|" + "|".join(sorted(_TIME_ZONES)) + ")$"
)


def is_time_part(key: str) -> bool:
    return bool(_TIME_PART.match(key))


def is_number(key: str) -> bool:
    return any(c.isdigit() for c in key)


def is_protected(
    word: str, key: str, sentence_start: bool = False, vocabulary: frozenset[str] | None = None
) -> bool:
    """Words whose change always counts, however small: numbers, negations, modal verbs,
    quantifiers, and names (companies, countries, capitalised words inside a sentence).

    `vocabulary`, when given, holds words the documents also write in lower case: a capitalised
    "Policy" or "Services" is then a defined term, not a name."""
    if not key or key == OBFUSCATED_EMAIL:
        return False
    if is_number(key) or key in NEGATIONS or key in MODALS or key in QUANTIFIERS:
        return True
    if key in COMPANY_SUFFIXES or key in COUNTRIES or is_email(key):
        return True
    stripped = typography(word).strip(_EDGE_PUNCT)
    if vocabulary is not None and key in vocabulary:
        return False
    return bool(not sentence_start and stripped[:1].isupper() and len(stripped) > 1)


def is_date_part(key: str) -> bool:
    return key in _MONTHS or bool(_DATE_PART.match(key)) or key in {"of", "de", "den", "the", "le"}


def has_date_context(text: str) -> bool:
    return bool(_DATE_CONTEXT.search(text))


# -- noise decision ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    text: str  # as displayed
    key: str  # comparison key
    sentence_start: bool = False
    prev_key: str = ""  # key of the word before it in its sentence


_REFERENCE_WORDS = word_set(
    "section sections article articles art paragraph para clause part chapter annex appendix schedule § "
    "abschnitt ziffer artikel hoofdstuk afsnitt avsnitt"
)
# Words that may sit next to a date in a revision line without adding meaning.
_DATE_LINE_WORDS = word_set(
    "last updated update effective revised revision modified date dated version on as of since this privacy policy "
    "notice statement document page from valid in force mis à jour en vigueur le du stand gültig ab vom "
    "bijgewerkt laatst geldig per uppdaterad senast gäller från"
)
_DOMAIN = re.compile(r"^[\w\-]+(?:\.[\w\-]+)*\.[a-z]{2,}(?:/.*)?$")


def is_link_word(key: str) -> bool:
    """A URL or bare domain shown as text: where a link points is not policy wording."""
    return "@" not in key and ("/" in key and "." in key or bool(_DOMAIN.match(key)) and not key[0].isdigit())


# Link text left as a placeholder by the site ("[link]", "[here]"): where a link sits, not wording.
_PLACEHOLDER = re.compile(r"^\[(?:link|here|url|click here)\][.,;:]?$", re.IGNORECASE)

_INFLECTIONS = frozenset({"s", "es", "d", "ed", "ing", "ly", "e", "n", "en", "er"})


def _typo_pair(a: Word, b: Word) -> bool:
    """Two words that differ like a typo fix: same length class, one or two letters apart."""
    if not (a.key.isalpha() and b.key.isalpha()) or min(len(a.key), len(b.key)) < 4:
        return False
    short, long_ = sorted((a.key, b.key), key=len)
    if long_.startswith(short) and long_[len(short) :] in _INFLECTIONS and short not in NEGATIONS:
        return True  # "cookie" -> "cookies", "Cookie" -> "Cookies": grammar, not meaning
    if is_protected(a.text, a.key, a.sentence_start) or is_protected(b.text, b.key, b.sentence_start):
        return False
    ratio = SequenceMatcher(None, a.key, b.key).ratio()
    return ratio >= 0.8 and abs(len(a.key) - len(b.key)) <= 2


# Words whose insertion beside a respelled word is editing ("used by us and [by] other companies").
_LINKING = word_set("by of the a an")


def _squash(words: list[Word]) -> str:
    return re.sub(r"\W", "", "".join(w.key for w in words))


def _is_reference(w: Word) -> bool:
    return w.prev_key in _REFERENCE_WORDS and bool(re.match(r"^[\d.()a-z]{1,8}$", w.key)) and is_number(w.key)


def is_noise_edit(removed: list[Word], added: list[Word], before: str, after: str) -> bool:
    """True when the changed words carry no meaning: dates in a revision line, an obfuscated
    e-mail revealed (or hidden), spelling/hyphenation fixes, articles."""
    if (removed or added) and _squash(removed) == _squash(added):
        return True  # "TV. Microsoft" -> "TV.Microsoft": only spacing or punctuation moved
    if len(removed) > 2 and sorted(w.key for w in removed) == sorted(w.key for w in added):
        return True  # the same words in another order: "In the settings you can ..." / "You can ... in the settings"
    removed = [w for w in removed if not is_link_word(w.key) and not _PLACEHOLDER.match(w.text)]
    added = [w for w in added if not is_link_word(w.key) and not _PLACEHOLDER.match(w.text)]
    if not removed and not added:
        return True
    if _squash(removed) == _squash(added):  # "e-mail" -> "email", "opt out" -> "opt-out"
        return True
    bare_r = [w for w in removed if w.key not in _LINKING]
    bare_a = [w for w in added if w.key not in _LINKING]
    if (bare_r or bare_a) and (len(bare_r), len(bare_a)) != (len(removed), len(added)) and _squash(bare_r) == _squash(
        bare_a
    ):
        return True  # "such as third party providers" -> "and by other ... such as third-party providers"
    # Obfuscated addresses: the placeholder stands for an unknown address, so any address may replace it.
    r_keys = [w.key for w in removed]
    a_keys = [w.key for w in added]
    if (OBFUSCATED_EMAIL in r_keys or OBFUSCATED_EMAIL in a_keys) and all(
        is_email(k) for k in r_keys + a_keys
    ):
        return True
    if r_keys and len(r_keys) == len(a_keys) and all(_same_phone(a, b) for a, b in zip(r_keys, a_keys, strict=True)):
        return True  # "313-667-1432" -> "1-313-667-1432": the same number, its country code written
    if (
        r_keys
        and a_keys
        and all(_DIAL_PART.match(k) for k in r_keys + a_keys)
        and _same_phone("".join(r_keys), "".join(a_keys))
    ):
        return True  # "313-555-0142" -> "+1 (313) 555-0142": the same number, written in groups
    # Articles, and renumbered cross-references ("see section 9" -> "see section 10").
    rest_r = [w for w in removed if w.key not in _ARTICLES and not _is_reference(w)]
    rest_a = [w for w in added if w.key not in _ARTICLES and not _is_reference(w)]
    if not rest_r and not rest_a:
        return True
    rest_r = [w for w in rest_r if not is_time_part(w.key)]
    rest_a = [w for w in rest_a if not is_time_part(w.key)]
    if not rest_r and not rest_a:
        return True  # a time of day or timestamp: stamped per request
    dated = has_date_context(before) or has_date_context(after) or _is_date_line(before, after)
    if dated and all(is_date_part(w.key) or w.key in _DATE_LINE_WORDS for w in rest_r + rest_a):
        return True
    if len(rest_r) == len(rest_a) and rest_r and all(_typo_pair(a, b) for a, b in zip(rest_r, rest_a, strict=True)):
        return True
    return _same_stems(rest_r, rest_a)


_GRAMMAR_WORDS = word_set("to and or of for in on by with")
_STEM_ENDINGS = ("ing", "ed", "es", "s", "e")


def _stem(key: str) -> str:
    for ending in _STEM_ENDINGS:
        if key.endswith(ending) and len(key) - len(ending) >= 3:
            return key[: -len(ending)]
    return key


def _same_stems(removed: list[Word], added: list[Word]) -> bool:
    """The same content words in other grammatical forms ("testing, monitoring and improving" ->
    "to test, monitor and improve"): a sentence recast, not a change of what it lists. Names,
    numbers, negations and modals are never folded."""
    words = [w for w in removed + added if w.key not in _GRAMMAR_WORDS]
    if len(words) < 4 or any(not w.key.isalpha() or is_protected(w.text, w.key, w.sentence_start) for w in words):
        return False
    stems_r = {_stem(w.key) for w in removed if w.key not in _GRAMMAR_WORDS}
    stems_a = {_stem(w.key) for w in added if w.key not in _GRAMMAR_WORDS}
    return len(stems_r) >= 2 and stems_r == stems_a


_DIAL_PART = re.compile(r"^[+\d().\-/]+[.,;:]?$")
_PHONE = re.compile(r"^\+?[\d()][\d()\s./-]{5,}\d$")
# Dates and year ranges have as many digits as a phone number: "2024-01-15", "15.01.2024", "2023-2024".
_DATE_LIKE = re.compile(r"^(?:\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{4}|\d{4}[/-]\d{4})$")


def is_phone_number(key: str) -> bool:
    """A telephone number: seven digits or more, written with the separators numbers are dialled
    with, and no date or year range."""
    key = key.rstrip(".,;:)")
    return sum(c.isdigit() for c in key) >= 7 and bool(_PHONE.match(key)) and not _DATE_LIKE.match(key)


def _same_phone(a: str, b: str) -> bool:
    """Two writings of one telephone number: the same digits, but for a country code (1-3 digits)
    or a trunk 0 in front."""
    if not (is_phone_number(a) and is_phone_number(b)):
        return False
    da, db = re.sub(r"\D", "", a), re.sub(r"\D", "", b)
    short, long_ = sorted((da, db), key=len)
    return len(short) >= 7 and long_.endswith(short.lstrip("0")) and len(long_) - len(short.lstrip("0")) <= 3


def _is_date_line(before: str, after: str) -> bool:
    """A line that is nothing but a date (a revision stamp on its own)."""
    for text in (before, after):
        words = [token_key(w) for w in text.split()]
        words = [w for w in words if w]
        if words and len(words) <= 6 and all(is_date_part(w) for w in words):
            continue
        if text:
            return False
    return True
