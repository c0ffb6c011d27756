"""Turning a fetched text body into str: which charset to believe, and whether the result is sound.

Servers and pages contradict each other: one node behind a load balancer says `charset=iso-8859-1`
for UTF-8 bytes whose `<meta>` says utf-8; an old CMS says utf-8 for windows-1252 bytes. Decoding
with the wrong label turns every accented letter or curly quote into mojibake ("fÃ¼r", "â€œ"), and
that would be stored as a new version and alerted as a change. So the labels are candidates, tried
in a fixed order, and a candidate is taken only if the bytes decode strictly *and* the text does not
look like mojibake (ftfy's detector, see `looks_like_mojibake`). When no candidate gives sound text
the body is decoded as well as it can be and `Decoded.problem` says why it is not to be trusted.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# ftfy and charset_normalizer (~5 MB) are imported where they are used: with a process pool the
# checking process never decodes a body (its workers do, and import them once in their forkserver,
# monitor.cpu_preload), and a body that is plain ASCII never needs ftfy at all.

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.IGNORECASE)
# WHATWG: these labels mean windows-1252 on the web; pages labelled latin-1 routinely use 0x80-0x9F.
_WEB_ALIASES = {"iso8859-1": "cp1252", "ascii": "cp1252"}
_CODE_OPEN = re.compile(r"<(script|style)\b", re.IGNORECASE)
# ftfy's detector is made for short strings; long pages are judged in slices so that one bad run is
# not diluted, and the scan stays linear.
_SLICE = 20_000
_NON_ASCII = "\x80-\U0010ffff"  # as the body of a character class
# Every alternative of ftfy's BADNESS_RE needs a non-ASCII character and matches at most this many
# characters (tests/test_charset_scan.py reads both off the pattern), so a match lies within this
# distance of a non-ASCII run: only those windows need the (slow, 37-way) regex.
_BAD_WIDTH = 7


@dataclass(frozen=True)
class Decoded:
    """`text` decoded with `encoding` (a display name such as "utf-8" or "windows-1252");
    `problem` is None for sound text, else why the text cannot be trusted (for a suspect reason)."""

    text: str
    encoding: str
    problem: str | None = None


def decode_text(body: bytes, content_type: str | None, media_type: str) -> Decoded:
    """Decode a text body, choosing the charset by evidence.

    Candidates, in order: the BOM (it cannot be wrong, and browsers let it win); utf-8 when the body
    is valid UTF-8 and its own `<meta>`/XML declaration says utf-8 (a header contradicting both is
    the misconfigured part); the header charset; the document's declaration; utf-8; and, only when
    none of these decodes the bytes at all, charset_normalizer's guess. The first candidate that
    decodes strictly into text without mojibake wins. If none does, the first candidate is decoded
    with replacement characters and `problem` names what is wrong.
    """
    bom = _bom_encoding(body)
    header = _known(_header_charset(content_type))
    declared = _known(_document_charset(body)) if media_type in HTML_TYPES else None
    # Each candidate's strict decoding (None: the bytes are not valid in it), made once: a body
    # was decoded up to three times as utf-8 (the declaration check, the guess check, the text).
    strict: dict[str, str | None] = {}

    def decodes(encoding: str) -> bool:
        if encoding not in strict:
            strict[encoding] = _strict(body, encoding)
        return strict[encoding] is not None

    candidates: list[str] = []
    if bom:
        candidates.append(bom)
    if declared == "utf-8" and decodes("utf-8"):
        candidates.append("utf-8")
    candidates += [c for c in (header, declared, "utf-8") if c]
    candidates = list(dict.fromkeys(candidates))
    # A statistical guess only for bytes that no label fits: where a label decodes them cleanly but
    # the text is mojibake, the page itself is garbled, and some far-off codec (a CJK one, say) that
    # turns the garbage into "plausible" text would only hide that.
    if not any(decodes(c) for c in candidates):
        guess = _guess(body)
        if guess and guess not in candidates:
            candidates.append(guess)

    first_problem: str | None = None
    for encoding in candidates:
        text = strict.get(encoding) if encoding in strict else _strict(body, encoding)
        if text is None:
            first_problem = first_problem or f"the body is not valid {_display_name(encoding)}"
            continue
        # Text without a character that every mojibake pattern needs (plain ASCII, or English with
        # curly quotes and dashes) cannot look like mojibake, whatever `_without_code` keeps of it.
        # Nor can text without a seed of the pattern (`_seeds`): most pages with accented letters.
        if text.isascii() or not _may_be_bad(text) or not _has_seed(text):
            return Decoded(text, _display_name(encoding))
        sample = looks_like_mojibake(_without_code(text) if media_type in HTML_TYPES else text)
        if sample is None:
            return Decoded(text, _display_name(encoding))
        first_problem = first_problem or (
            f"decoded as {_display_name(encoding)} the text looks like mojibake (e.g. {sample!r})"
        )
    # Nothing sound: decode as the best-ranked label says, and say why it cannot be trusted.
    encoding = candidates[0]
    text = body.decode(_codec(encoding), errors="replace")
    # U+FFFD written by the site itself (valid UTF-8) is its text, not our decoding failing.
    literal = body.count(b"\xef\xbf\xbd") if encoding == "utf-8" else 0
    replaced = text.count("\ufffd") - literal
    detail = f"; {replaced} undecodable byte sequence(s)" if replaced > 0 else ""
    problem = f"undecodable or garbled text: {first_problem or 'no charset fits'}{detail}"
    return Decoded(text, _display_name(encoding), problem)


def decode_body(body: bytes, content_type: str | None, media_type: str) -> tuple[str, str]:
    """(text, encoding) as `decode_text` chooses them, for callers that need no verdict."""
    decoded = decode_text(body, content_type, media_type)
    return decoded.text, decoded.encoding


# Slices that look odd but that ftfy cannot repair (a heading run into the next word,
# "confidentialitéÊtre", is real French text): this many make a page garbled.
_UNREPAIRED_BAD = 3


def looks_like_mojibake(text: str) -> str | None:
    """A short excerpt around the first mojibake-looking run (ftfy.badness), or None if none.

    A slice counts when ftfy's detector flags it and ftfy's own repair (fix_encoding) changes it:
    text decoded with the wrong codec can be re-decoded. A flagged slice that the repair leaves
    alone is usually sound text that merely looks odd; only `_UNREPAIRED_BAD` of them count."""
    import ftfy

    unrepaired: list[str] = []
    for start in range(0, len(text), _SLICE):
        # Overlap the slices a little so a run cut at a slice boundary is still seen.
        chunk = text[start : start + _SLICE + 16]
        # Every mojibake pattern has a non-ASCII character in it: plain ASCII text needs no regex.
        if not chunk.isascii() and is_bad(chunk):
            if ftfy.fix_encoding(chunk) != chunk:
                return _excerpt(chunk)
            unrepaired.append(chunk)
            if len(unrepaired) >= _UNREPAIRED_BAD:
                return _excerpt(unrepaired[0])
    return None


def is_bad(text: str) -> bool:
    """`ftfy.badness.is_bad(text)`, the same answer for every text, in a fraction of the time: the
    regex runs only over the windows of `_BAD_WIDTH - 1` characters either side of each seed
    (`_seeds`: every match holds one), merged where they touch; where ftfy's pattern does not have
    the shape `_seeds` reads, around each cluster of trigger characters (`_triggers`) instead.
    `Pattern.search(text, pos, endpos)` keeps `^` at the real start of `text`, as the whole-text
    search has it, and the pattern looks at no character outside its match."""
    import ftfy.badness

    pattern = ftfy.badness.BADNESS_RE
    reach = _BAD_WIDTH - 1
    seeds = _seeds()
    if seeds is None:
        for m in _triggers().finditer(text):
            if pattern.search(text, max(0, m.start() - reach), m.end() + reach):
                return True
        return False
    lo = hi = -1  # the window being gathered: [lo, hi)
    for m in seeds.finditer(text):
        at = m.start()
        if at - reach > hi:  # a window apart from the one before: search that one first
            if hi >= 0 and pattern.search(text, lo, hi):
                return True
            lo = max(0, at - reach)
        hi = at + 1 + reach
    return hi >= 0 and pattern.search(text, lo, hi) is not None


def compile_scans() -> None:
    """Read ftfy's pattern and compile the scans made from it (`_seeds`, `_trigger_char`,
    `_triggers`: ~15 ms), for a process that forks workers to do once for all of them."""
    _seeds()
    _trigger_char()
    _triggers()


def _has_seed(text: str) -> bool:
    """False when no match of ftfy's pattern can be anywhere in `text` (it has no seed, `_seeds`),
    so that no slice of it looks like mojibake. True where the seeds could not be read."""
    seeds = _seeds()
    return seeds is None or seeds.search(text) is not None


@lru_cache(maxsize=1)
def _seeds() -> re.Pattern[str] | None:
    """A seed: one character of which every match of ftfy's BADNESS_RE holds one, found with the
    character after it. For each alternative of the pattern, two adjacent elements that match only
    non-ASCII characters (in "[lower_accented][upper_accented]", an "é" before an "À"), or, in an
    alternative without such a pair, one such element (a C1 control, "Ã", "Â", "Œ"). A French,
    Portuguese or Polish page has accented letters everywhere (each one a trigger, `_triggers`)
    but next to almost none of the characters they pair with in mojibake; 300 bench pages have
    40,776 trigger clusters and 26 seeds. None where the pattern does not have the shape this
    reads (tests/test_charset_scan.py checks it does)."""
    import ftfy.badness

    try:
        return re.compile(_seed_pattern(ftfy.badness.BADNESS_RE))
    except (ValueError, TypeError, AttributeError, re.error):
        return None


def _seed_pattern(pattern: re.Pattern[str]) -> str:
    """The regex of `_seeds`, read off the parsed `pattern`: one character of a seed's first
    class, then (looking, not consuming, so that seeds may overlap) either that it is a lone seed
    or that the next character may follow it. ValueError when an alternative of `pattern` has no
    element that needs a non-ASCII character, or may be longer than `_BAD_WIDTH`."""
    follows: dict[int, set[int]] = {}  # a pair's first character -> the characters after it
    alone: set[int] = set()
    for branch in _branches(pattern):
        if branch.getwidth()[1] > _BAD_WIDTH:
            raise ValueError(f"an alternative may be longer than {_BAD_WIDTH}: {branch}")
        elements = [_non_ascii_ranges(str(o), a) for o, a in branch.data]
        # Two entries next to each other in the parse are two adjacent characters of a match: an
        # element that is not one mandatory character (a repeat, a group) is None and breaks pairs.
        pairs = [(a, b) for a, b in zip(elements, elements[1:], strict=False) if a and b]
        if pairs:
            first, then = min(pairs, key=_pair_cost)
            after = _chars(then)
            for c in _chars(first):
                follows.setdefault(c, set()).update(after)
        else:
            options = [r for r in elements if r is not None]
            if not options:
                raise ValueError(f"an alternative needs no non-ASCII character: {branch}")
            alone.update(_chars(min(options, key=_cost)))
    groups: dict[frozenset[int], set[int]] = {}  # first characters by the characters after them
    for c, after in follows.items():
        groups.setdefault(frozenset(after), set()).add(c)
    ways = []  # how the character found is a seed
    if alone:
        ways.append(f"(?<=[{_class(alone)}])")
    if groups:
        # "(?=[...])" first drops an accented letter before an ASCII one at once.
        each = "|".join(f"(?<=[{_class(firsts)}])(?=[{_class(after)}])" for after, firsts in groups.items())
        ways.append(f"(?=[{_class(set().union(*groups))}])(?:{each})")
    if not ways:
        raise ValueError("no alternatives")
    # The single class first lets the regex engine skip every other character in C, without
    # trying the alternatives.
    return f"[{_class(alone | set(follows))}](?:{'|'.join(ways)})"


def _may_be_bad(text: str) -> bool:
    """False when `text` has none of `_triggers`' characters, so that no slice of it can look like
    mojibake (`looks_like_mojibake` is None for it and for any text made of its pieces)."""
    return _trigger_char().search(text) is not None


@lru_cache(maxsize=1)
def _trigger_char() -> re.Pattern[str]:
    """One trigger character (`_triggers`): a plain class scans twice as fast as the clusters."""
    return re.compile(f"[{_trigger_chars()}]")


@lru_cache(maxsize=1)
def _triggers() -> re.Pattern[str]:
    """Clusters of trigger characters: runs of them with at most `2 * (_BAD_WIDTH - 1)` other
    characters between two runs, so that the windows of `is_bad` around the runs of a cluster
    touch, and those of two clusters do not.

    Trigger characters are those of which every match of ftfy's BADNESS_RE holds at least one: from
    each alternative of the pattern, of its elements that match only non-ASCII characters the one
    least found in sound text (`_cost`): C1 controls, "Ã", "Â", the "bad" symbols, accented
    letters, currency and numeric signs, box drawing, "§" and "¶". English text with curly quotes,
    dashes, bullets and (c) has none of them, so its check is one pass of a character class
    instead of a window of the 37-way regex around every apostrophe. Where ftfy's pattern does not
    have the shape this reads (tests/test_charset_scan.py checks it does), every non-ASCII
    character is a trigger, as before."""
    chars = _trigger_chars()
    gap = 2 * (_BAD_WIDTH - 1)
    return re.compile(f"[{chars}]+(?:[^{chars}]{{1,{gap}}}[{chars}]+)*")


@lru_cache(maxsize=1)
def _trigger_chars() -> str:
    """`_trigger_class` of the installed ftfy, or every non-ASCII character where it cannot be read."""
    import ftfy.badness

    try:
        return _trigger_class(ftfy.badness.BADNESS_RE)
    except (ValueError, TypeError, AttributeError, ImportError):
        return _NON_ASCII


def _trigger_class(pattern: re.Pattern[str]) -> str:
    """The body of the character class `_triggers` compiles, read off the parsed `pattern`
    (ValueError when it is not an alternation of branches that each need a non-ASCII character)."""
    ranges: set[tuple[int, int]] = set()
    for branch in _branches(pattern):
        options = [r for o, a in branch.data if (r := _non_ascii_ranges(str(o), a)) is not None]
        if not options:
            raise ValueError(f"an alternative needs no non-ASCII character: {branch}")
        ranges.update(min(options, key=_cost))
    return "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in sorted(ranges))


# Punctuation of ordinary text that some alternatives of ftfy's pattern also admit: an alternative
# is keyed by another of its elements where it has one, so that these are not triggers.
_TYPOGRAPHY = frozenset(map(ord, "\u2018\u2019\u201c\u201d\u2022\u00a9\u00ae\u2122\u2013\u2014\u2026\u00b7\u00a0\u00ab\u00bb"))


def _cost(ranges: list[tuple[int, int]]) -> tuple[int, int]:
    """How often an element's characters occur in sound text: (typographic ones, all of them)."""
    size = sum(hi - lo + 1 for lo, hi in ranges)
    return sum(1 for c in _TYPOGRAPHY if any(lo <= c <= hi for lo, hi in ranges)), size


def _non_ascii_ranges(op: str, arg: object) -> list[tuple[int, int]] | None:
    """The code point ranges one parsed element matches, when it matches only non-ASCII characters
    (a literal or a class of literals and ranges); None for any other element."""
    if op == "LITERAL":
        return [(int(arg), int(arg))] if int(arg) > 127 else None  # type: ignore[call-overload]
    if op != "IN":
        return None
    out: list[tuple[int, int]] = []
    for item_op, item in arg:  # type: ignore[attr-defined]
        kind = str(item_op)
        if kind == "LITERAL" and item > 127:
            out.append((item, item))
        elif kind == "RANGE" and item[0] > 127:
            out.append((item[0], item[1]))
        else:  # an ASCII character, a negation, a category (\s, \w): not only non-ASCII
            return None
    return out


def _branches(pattern: re.Pattern[str]) -> list[Any]:
    """The alternatives of `pattern`, parsed (ValueError unless it is one case-sensitive alternation)."""
    try:
        import re._parser as sre_parse  # type: ignore[import-not-found]  # Python 3.11+
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_parse

    if pattern.flags & re.IGNORECASE:
        raise ValueError("case-insensitive pattern")
    ((op, (_, branches)),) = sre_parse.parse(pattern.pattern, pattern.flags).data
    if str(op) != "BRANCH":
        raise ValueError("not an alternation")
    return list(branches)


def _chars(ranges: list[tuple[int, int]]) -> set[int]:
    return {c for lo, hi in ranges for c in range(lo, hi + 1)}


def _class(chars: set[int] | frozenset[int]) -> str:
    """The body of a character class matching `chars` (code points), as ranges."""
    runs: list[list[int]] = []
    for c in sorted(chars):
        if runs and runs[-1][1] == c - 1:
            runs[-1][1] = c
        else:
            runs.append([c, c])
    return "".join(re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in runs)


def _pair_cost(pair: tuple[list[tuple[int, int]], list[tuple[int, int]]]) -> tuple[int, int]:
    """How often a pair of elements meets in sound text: (how many of the two hold typography,
    how many character pairs they admit)."""
    first, then = pair
    return (_cost(first)[0] > 0) + (_cost(then)[0] > 0), _cost(first)[1] * _cost(then)[1]


def _without_code(html: str) -> str:
    """The HTML without the bodies of <script> and <style>: code (accent tables, escapes) is not text a
    person reads, so it is not judged. One pass, linear even for unclosed tags."""
    lowered = html.lower()
    parts: list[str] = []
    pos = 0
    while (m := _CODE_OPEN.search(html, pos)) is not None:
        parts.append(html[pos : m.start()])
        end = lowered.find(f"</{m.group(1).lower()}", m.end())
        if end < 0:
            return "".join(parts)
        pos = end
    parts.append(html[pos:])
    return " ".join(parts)


def _excerpt(chunk: str) -> str:
    import ftfy.badness

    # Point at the first non-ASCII character ftfy would change, for a readable reason.
    for i, ch in enumerate(chunk):
        if ord(ch) > 127 and ftfy.badness.is_bad(chunk[max(0, i - 12) : i + 12]):
            return chunk[max(0, i - 12) : i + 12].strip()
    return chunk[:24]


def _strict(body: bytes, encoding: str) -> str | None:
    """`body` decoded strictly with `encoding`, None when the bytes are not valid in it."""
    try:
        return body.decode(_codec(encoding))
    except (UnicodeDecodeError, LookupError):
        return None


def _guess(body: bytes) -> str | None:
    import charset_normalizer

    best = charset_normalizer.from_bytes(body[:200_000]).best()
    return _known(best.encoding) if best is not None else None


def _codec(encoding: str) -> str:
    # "utf-8-sig"/"utf-16"/"utf-32" consume the BOM; a stray U+FEFF would otherwise lead the text.
    return {"utf-8": "utf-8-sig"}.get(encoding, encoding)


def bom_encoding(data: bytes) -> str | None:
    """The encoding a byte-order mark at the start of `data` announces, if any."""
    return _bom_encoding(data)


def _bom_encoding(data: bytes) -> str | None:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    return None


def _header_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def _document_charset(body: bytes) -> str | None:
    head = body[:4096]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if match is None:
        return None
    label = match.group(1).decode("ascii")
    # A UTF-16 label read through an ASCII-compatible scan is necessarily wrong (WHATWG says utf-8).
    return "utf-8" if label.lower().replace("_", "-").startswith("utf-16") else label


def _known(label: str | None) -> str | None:
    """The Python codec name for a charset label, or None when Python has no such codec."""
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _WEB_ALIASES.get(name, name)


def _display_name(codec_name: str) -> str:
    return {"cp1252": "windows-1252"}.get(codec_name, codec_name)
