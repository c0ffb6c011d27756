"""monitor.charset.is_bad: ftfy's mojibake detector run only around its trigger characters gives ftfy's
answer; decode_text's shortcut for text without them gives the full check's answer."""

from __future__ import annotations

import re

import ftfy.badness
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor import charset

try:
    import re._parser as sre_parse  # Python 3.11+
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore[no-redef]


def _only_non_ascii(op: object, arg: object) -> bool:
    """Whether one parsed regex element can match only non-ASCII characters."""
    name = str(op)
    if name == "LITERAL":
        return int(arg) > 127  # type: ignore[call-overload]
    if name != "IN":
        return False
    for item_op, item in arg:  # type: ignore[attr-defined]
        kind = str(item_op)
        if kind == "LITERAL" and item <= 127:
            return False
        if kind == "RANGE" and item[0] <= 127:
            return False
        if kind in ("NEGATE", "CATEGORY"):
            return False
    return True


def test_every_alternative_needs_a_non_ascii_character_within_the_width() -> None:
    # What the windowed scan relies on: if ftfy's pattern changes shape, this fails first.
    parsed = sre_parse.parse(ftfy.badness.BADNESS_RE.pattern, re.VERBOSE)
    ((op, (_, branches)),) = parsed.data
    assert str(op) == "BRANCH"
    for branch in branches:
        assert any(_only_non_ascii(o, a) for o, a in branch.data), branch
        assert branch.getwidth()[1] <= charset._BAD_WIDTH


# Text made of plain ASCII, white space, and the characters mojibake is made of, with the typography of
# sound text (which is no trigger) among them.
_ALPHABET = (
    "ab Z.,!\n\t0"
    + "ÃÂâ€œ™Ã©Ã¼Â ÐÑÎØÙ×²³àµ√±≈°‚Äì€é§¶¤│▀ò\x85\x9a\ufffdВЂГСβΒΓā"
    + "\xa0\xad®©·»–—´"
    + "\u2018\u2019\u201c\u201d\u2022\u2026«"
)


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=60), st.integers(min_value=0, max_value=40))
def test_same_answer_as_ftfy(text: str, pad: int) -> None:
    for candidate in (text, "x" * pad + text, text + " " * pad, "word " * pad + text + " end"):
        assert charset.is_bad(candidate) == ftfy.badness.is_bad(candidate), candidate


def test_same_answer_on_known_cases() -> None:
    cases = [
        "",
        "plain ascii only",
        "Données stockées für Sie",
        "fÃ¼r die Verarbeitung",
        "Ã  start",  # the ^-anchored alternative, at the start...
        "xÃ  not at start",
        "a" * 50 + "Ã  later",  # ...and not at the start
        "confidentialitéÊtre",
        "caf\u00e9 \u201cquoted\u201d \u2014 dash",
        "ГўВЂВ\u2122s",
    ]
    for text in cases:
        assert charset.is_bad(text) == ftfy.badness.is_bad(text), text


def test_triggers_are_read_off_ftfy_and_spare_typography() -> None:
    # The shape `_trigger_class` reads must be there (else every non-ASCII character is a trigger,
    # correct but slow); each alternative of the pattern has an element made of trigger characters.
    chars = charset._trigger_class(ftfy.badness.BADNESS_RE)
    trigger = re.compile(f"[{chars}]")
    parsed = sre_parse.parse(ftfy.badness.BADNESS_RE.pattern, re.VERBOSE)
    ((_, (_, branches)),) = parsed.data
    for branch in branches:
        elements = [charset._non_ascii_ranges(str(o), a) for o, a in branch.data]
        assert any(
            rs and all(trigger.match(chr(c)) for lo, hi in rs for c in range(lo, hi + 1)) for rs in elements
        ), branch
    for ch in "\u2018\u2019\u201c\u201d\u2022\u00a9\u00ae\u2122\u2013\u2014\u2026\u00a0":
        assert not charset._may_be_bad("We\u2019re " + ch + " here"), ch
    for ch in "\x85Ã\u00e9\u00a7\u20ac\ufffd":
        assert charset._may_be_bad("We\u2019re " + ch + " here"), ch


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=80))
def test_text_without_triggers_never_looks_like_mojibake(text: str) -> None:
    if not charset._may_be_bad(text):
        assert not ftfy.badness.is_bad(text)
        assert charset.looks_like_mojibake(text) is None


_BODIES = [
    ("<p>We\u2019re \u201cglad\u201d \u2014 \u00a9 2026 \u2022 Terms\u2122</p>", "utf-8"),
    ("<p>Donn\u00e9es stock\u00e9es f\u00fcr Sie</p>", "utf-8"),
    ("<p>Nutzungsdaten f\u00c3\u00bcr 24 Monate, \u00c3\u00bcbermittelt</p>", "utf-8"),
    ("<p>We keep \u00e2\u20ac\u0153usage\u00e2\u20ac\u009d data</p>", "utf-8"),
    ("<p>plain ascii</p>", "utf-8"),
    ("<p>caf\u00e9 \u201cquoted\u201d</p>", "cp1252"),
    ("<p>\u2019\u201c</p><script>var m={'\u00c3\u00a4':'ae'}</script>", "utf-8"),
]


def test_decode_text_shortcut_agrees_with_the_full_check(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for text, codec in _BODIES:
        for header in ("text/html", "text/html; charset=utf-8", "text/html; charset=iso-8859-1", None):
            body = text.encode(codec)
            fast = charset.decode_text(body, header, "text/html")
            with monkeypatch.context() as m:
                m.setattr(charset, "_may_be_bad", lambda _text: True)
                slow = charset.decode_text(body, header, "text/html")
            assert fast == slow, (text, header)


# -- seeds: a pair of adjacent characters (or one lone character) that every match holds -----------


def test_sound_accented_text_has_no_seed() -> None:
    # Accented letters are triggers, so these pages went through the windowed scan at every one of
    # them; none of them holds a seed, so decode_text calls them sound after one pass of a regex.
    sound = [
        "Informações sobre a proteção de dados: as condições de utilização são revistas anualmente.",
        "Nous traitons vos données « personnelles » conformément à la législation ; voir l’article 5.",
        "Zażółć gęślą jaźń: przetwarzanie danych osobowych w naszym serwisie internetowym.",
        "Wir verarbeiten Ihre Daten gemäß Art. 6 DSGVO für die Dauer von zwölf Monaten.",
        "We\u2019re \u201cglad\u201d \u2014 \u00a9 2026 \u2022 Terms\u2122 \u2026 caf\u00e9",
    ]
    assert charset._seeds() is not None  # the shape of ftfy's pattern was read
    for text in sound:
        assert charset._may_be_bad(text) or text.startswith("We"), text
        assert not charset._has_seed(text), text
    for garbled in ("fÃ¼r die Verarbeitung", "We keep \u00e2\u20ac\u0153usage\u00e2\u20ac\u009d", "Ã  start", "ГўВЂВ\u2122s"):
        assert charset._has_seed(garbled), garbled


def test_every_alternative_has_a_seed_in_every_match() -> None:
    # What `_seed_pattern` relies on, read off the pattern: each alternative has two adjacent
    # elements that need a non-ASCII character each, or at least one such element.
    parsed = sre_parse.parse(ftfy.badness.BADNESS_RE.pattern, re.VERBOSE)
    ((_, (_, branches)),) = parsed.data
    for branch in branches:
        elements = [charset._non_ascii_ranges(str(o), a) for o, a in branch.data]
        assert any(elements), branch
    assert charset._seed_pattern(ftfy.badness.BADNESS_RE) == charset._seeds().pattern  # type: ignore[union-attr]


_MATCHES = st.from_regex(ftfy.badness.BADNESS_RE)
_PADDING = st.text(alphabet=_ALPHABET + "éàçãõśąłüöß", max_size=30)


@settings(max_examples=800, deadline=None)
@given(_PADDING, _MATCHES, _PADDING)
def test_seeded_scan_finds_every_match(before: str, match: str, after: str) -> None:
    # Strings holding a match of every alternative of ftfy's pattern, in mixed surroundings.
    text = before + match + after
    assert charset._has_seed(text), text
    assert charset.is_bad(text) == ftfy.badness.is_bad(text), text


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=_ALPHABET + "éàçãõśąłüößÊÀ", max_size=80))
def test_text_without_seeds_never_looks_like_mojibake(text: str) -> None:
    assert charset.is_bad(text) == ftfy.badness.is_bad(text), text
    if not charset._has_seed(text):
        assert not ftfy.badness.is_bad(text)
        assert charset.looks_like_mojibake(text) is None


def test_decode_text_seed_shortcut_agrees_with_the_full_check(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    bodies = _BODIES + [
        ("<p>Informações sobre a proteção de dados « pessoais »</p>", "utf-8"),
        ("<p>Informa\u00c3\u00a7\u00c3\u00b5es sobre a prote\u00c3\u00a7\u00c3\u00a3o</p>", "utf-8"),
        ("<p>Zażółć gęślą jaźń</p>", "utf-8"),
    ]
    for text, codec in bodies:
        for header in ("text/html", "text/html; charset=utf-8", "text/html; charset=iso-8859-1", None):
            body = text.encode(codec, errors="replace")
            fast = charset.decode_text(body, header, "text/html")
            with monkeypatch.context() as m:
                m.setattr(charset, "_may_be_bad", lambda _text: True)
                m.setattr(charset, "_has_seed", lambda _text: True)
                slow = charset.decode_text(body, header, "text/html")
            assert fast == slow, (text, header)
