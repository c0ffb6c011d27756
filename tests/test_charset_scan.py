"""monitor.charset.is_bad: ftfy's mojibake detector run only around non-ASCII text gives ftfy's answer."""

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


# Text made of plain ASCII, white space, and the characters mojibake is made of.
_ALPHABET = "ab Z.,!\n\t0" + "ÃÂâ€œ™Ã©Ã¼Â ÐÑÎØÙ×²³àµ√±≈°‚Äì€é§¶¤│▀ò\x85\x9a\ufffdВЂГСβΒΓā" + "\xa0\xad®©·»–—´"


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
