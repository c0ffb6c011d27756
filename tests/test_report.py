"""The change report renderers, on DiffReports built by hand (fictional policy text)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.changes import Change, DiffReport
from monitor.document import DocumentBuilder
from monitor.report import excerpt, excerpt_highlighted, highlight, render_html, render_json, render_text

RETENTION_BEFORE = "Quillfeather Ltd keeps your account data for 2 years after you close your account."
RETENTION_AFTER = "Quillfeather Ltd keeps your account data for 5 years after you close your account."


def span_of(text: str, word: str) -> tuple[int, int]:
    i = text.index(word)
    return (i, i + len(word))


def retention_change() -> Change:
    return Change(
        section=["How long we keep data", "Accounts"],
        kind="modified",
        substantive=True,
        categories=["retention"],
        severity="high",
        reason="retention period changed from 2 years to 5 years",
        before=RETENTION_BEFORE,
        after=RETENTION_AFTER,
        before_spans=[span_of(RETENTION_BEFORE, "2")],
        after_spans=[span_of(RETENTION_AFTER, "5")],
    )


def rights_change() -> Change:
    before = "You may ask us to export your data in a portable format."
    return Change(
        section=["Your rights"],
        kind="removed",
        substantive=True,
        categories=["rights"],
        severity="medium",
        reason="a data-subject right was removed: portability",
        before=before,
        after="",
        before_spans=[(0, len(before))],
    )


def cosmetic_change() -> Change:
    before = "Contact us at privacy@quillfeather.example."
    after = "Contact us at privacy@quillfeather.example ."
    return Change(
        section=["Contact"],
        kind="modified",
        substantive=False,
        reason="punctuation only",
        before=before,
        after=after,
        before_spans=[],
        after_spans=[(len(after) - 2, len(after) - 1)],
    )


def moved_change() -> Change:
    return Change(
        section=["Cookies"],
        kind="moved",
        substantive=False,
        reason="section moved, text unchanged",
        old_section=["Annex", "Cookies"],
    )


def substantive_report() -> DiffReport:
    return DiffReport(
        substantive=True,
        categories=["retention", "rights"],
        severity="high",
        suspect=False,
        changes=[rights_change(), cosmetic_change(), retention_change(), moved_change()],
        summary="retention 2 years -> 5 years; portability right removed",
        old_words=1200,
        new_words=1190,
    )


def cosmetic_report() -> DiffReport:
    return DiffReport(
        substantive=False,
        categories=[],
        severity=None,
        suspect=False,
        changes=[cosmetic_change(), moved_change()],
        summary="cosmetic only",
        old_words=100,
        new_words=100,
    )


def suspect_report() -> DiffReport:
    return DiffReport(
        substantive=False,
        categories=[],
        severity=None,
        suspect=True,
        suspect_reason="the new version has 3% of the old one's words",
        changes=[],
        summary="suspect capture",
        old_words=3000,
        new_words=90,
    )


# -- highlight ---------------------------------------------------------------------------------


def test_highlight_wraps_spans_and_escapes_only_text() -> None:
    out = highlight("a <b> c", [(2, 5)], "<ins>", "</ins>", escape=lambda s: s.replace("<", "&lt;"))
    assert out == "a <ins>&lt;b></ins> c"


def test_highlight_merges_overlapping_and_clips_out_of_range_spans() -> None:
    assert highlight("abcdef", [(3, 5), (1, 4), (10, 12), (2, 2)], "[", "]") == "a[bcde]f"


def test_highlight_without_spans_is_identity() -> None:
    assert highlight("nothing changed", [], "[", "]") == "nothing changed"


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(alphabet="ab <&", max_size=40),
    spans=st.lists(st.tuples(st.integers(-3, 45), st.integers(-3, 45)), max_size=4),
)
def test_highlight_removing_markers_gives_back_the_text(text: str, spans: list[tuple[int, int]]) -> None:
    out = highlight(text, spans, "\x01", "\x02")
    assert out.replace("\x01", "").replace("\x02", "") == text


def marks_close_on_each_line(out: str, open: str, close: str) -> bool:
    """True if on every line each `open` is closed by `close` on that same line, none nested."""
    for line in out.splitlines():
        depth, i = 0, 0
        while i < len(line):
            if line.startswith(open, i):
                depth, i = depth + 1, i + len(open)
            elif line.startswith(close, i):
                depth, i = depth - 1, i + len(close)
            else:
                i += 1
            if depth not in (0, 1):
                return False
        if depth:
            return False
    return True


def test_highlight_closes_a_mark_before_each_line_break_and_reopens_it_after() -> None:
    text = "keep\nnew text\r\nhere\u2028and\n\nthere now"
    out = highlight(text, [(0, len(text) - 4)], "{+", "+}")
    assert out == "{+keep+}\n{+new text+}\r\n{+here+}\u2028{+and+}\n\n{+there+} now"
    # a break at the edge of a span opens no empty mark
    assert highlight("a\nb c", [(1, 3)], "[-", "-]") == "a\n[-b-] c"
    assert highlight("a <b>\nc", [(2, 7)], "<ins>", "</ins>", escape=lambda s: s.replace("<", "&lt;")) == (
        "a <ins>&lt;b></ins>\n<ins>c</ins>"
    )


@settings(max_examples=80, deadline=None)
@given(
    text=st.text(alphabet="ab \n\r\u2028", max_size=40),
    spans=st.lists(st.tuples(st.integers(-3, 45), st.integers(-3, 45)), max_size=4),
)
def test_highlight_marks_open_and_close_on_one_line(text: str, spans: list[tuple[int, int]]) -> None:
    out = highlight(text, spans, "{+", "+}")
    assert marks_close_on_each_line(out, "{+", "+}")
    assert out.replace("{+", "").replace("+}", "") == text


# -- excerpt -----------------------------------------------------------------------------------

LONG = " ".join(f"word{i:03d}" for i in range(200))  # 1,599 characters of distinct words


def test_excerpt_keeps_short_text_whole() -> None:
    assert excerpt(RETENTION_BEFORE, [span_of(RETENTION_BEFORE, "2")]) == RETENTION_BEFORE


def test_excerpt_trims_around_the_change_with_ellipses_and_whole_words() -> None:
    span = span_of(LONG, "word100")
    out = excerpt(LONG, [span], width=80)
    assert "word100" in out
    assert out.startswith("…") and out.endswith("…")
    inner = out.strip("…")
    assert len(inner) <= 100
    # whole words only: every token is a complete word of the original text
    assert all(re.fullmatch(r"word\d{3}", tok) for tok in inner.split())


def test_excerpt_at_the_start_has_no_leading_ellipsis() -> None:
    out = excerpt(LONG, [(0, 7)], width=60)
    assert out.startswith("word000") and out.endswith("…")


def test_excerpt_shows_far_apart_changes_in_separate_windows() -> None:
    a, b = span_of(LONG, "word010"), span_of(LONG, "word190")
    out = excerpt(LONG, [a, b], width=100)
    assert "word010" in out and "word190" in out
    assert " … " in out
    assert "word100" not in out


def test_excerpt_cuts_a_change_longer_than_the_width() -> None:
    out = excerpt(LONG, [(0, len(LONG))], width=50)
    assert out.endswith("…")
    assert len(out) <= 60
    assert all(re.fullmatch(r"word\d{3}", tok) for tok in out.rstrip("…").split())


def test_excerpt_without_spans_shows_the_beginning() -> None:
    out = excerpt(LONG, [], width=40)
    assert out.startswith("word000") and out.endswith("…")


@settings(max_examples=150, deadline=None)
@given(
    words=st.lists(st.text(alphabet="abcxyz", min_size=1, max_size=12), min_size=1, max_size=80),
    data=st.data(),
)
def test_excerpt_never_cuts_a_word(words: list[str], data: st.DataObject) -> None:
    text = " ".join(words)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    width = data.draw(st.integers(10, 120))
    out = excerpt(text, [(start, end)], width=width)
    for piece in out.split(" … "):
        for tok in piece.strip("…").split():
            assert tok in words
    # a change that fits the width once widened to whole words is shown, whole
    changed = start < end
    while 0 < start < len(text) and text[start - 1] != " " and text[start] != " ":
        start -= 1
    while 0 < end < len(text) and text[end - 1] != " " and text[end] != " ":
        end += 1
    if changed and text[start:end].strip() and end - start <= width:
        assert text[start:end].strip() in out


def test_excerpt_highlighted_marks_the_changed_words_inside_each_window() -> None:
    a, b = span_of(LONG, "word010"), span_of(LONG, "word190")
    out = excerpt_highlighted(LONG, [a, b], 100, "<ins>", "</ins>", escape=str.upper)
    assert "<ins>WORD010</ins>" in out and "<ins>WORD190</ins>" in out
    assert out.count("<ins>") == 2
    assert out.replace("<ins>", "").replace("</ins>", "") == excerpt(LONG, [a, b], width=100).upper()


# -- JSON --------------------------------------------------------------------------------------


def test_render_json_round_trips_through_the_contract() -> None:
    report = substantive_report()
    out = render_json(report)
    assert DiffReport.from_dict(json.loads(out)).to_dict() == report.to_dict()
    assert "\n  " in out  # indented for people reading it


def test_render_json_keeps_non_ascii_readable() -> None:
    report = cosmetic_report()
    report.summary = "Änderung – Datenschutz ‘quoted’"
    assert "Änderung – Datenschutz ‘quoted’" in render_json(report)


# -- text --------------------------------------------------------------------------------------


def test_render_text_headline_and_changes() -> None:
    out = render_text(substantive_report(), title="Quillfeather privacy policy")
    lines = out.splitlines()
    assert lines[0] == "Quillfeather privacy policy"
    assert "Substantive change" in lines[1] and "HIGH" in lines[1]
    assert "Categories: retention, rights" in out
    assert "[HIGH] retention — How long we keep data › Accounts" in out
    assert "retention period changed from 2 years to 5 years" in out
    assert "  - " + RETENTION_BEFORE.replace("2", "[-2-]", 1) in out
    assert "  + " + RETENTION_AFTER.replace("5", "{+5+}", 1) in out
    assert "[MEDIUM] rights — Your rights" in out
    assert "\x1b" not in out


def test_render_text_orders_substantive_changes_by_severity_then_lists_cosmetic_ones() -> None:
    out = render_text(substantive_report())
    assert out.index("[HIGH]") < out.index("[MEDIUM]") < out.index("Cosmetic changes (2)")
    cosmetic = out[out.index("Cosmetic changes") :]
    assert "Contact" in cosmetic and "punctuation only" in cosmetic
    assert "from Annex › Cookies" in cosmetic
    # cosmetic changes are one line each, without before/after bodies
    assert "privacy@quillfeather" not in cosmetic


def test_render_text_removed_change_shows_only_the_before_side() -> None:
    out = render_text(substantive_report())
    block = out[out.index("[MEDIUM]") :].split("\n\n")[0]
    assert "  - [-You may ask us to export your data in a portable format.-]" in block
    assert "  + " not in block


def test_render_text_cosmetic_report_says_not_substantive() -> None:
    out = render_text(cosmetic_report())
    assert out.startswith("No substantive change")
    assert "[HIGH]" not in out and "[LOW]" not in out


def test_render_text_counts_many_cosmetic_changes_instead_of_listing_them_all() -> None:
    report = cosmetic_report()
    report.changes = [cosmetic_change() for _ in range(40)]
    out = render_text(report)
    assert "Cosmetic changes (40)" in out
    assert out.count("punctuation only") < 40
    assert re.search(r"and \d+ more", out)


def test_render_text_suspect_reason_is_in_the_headline() -> None:
    out = render_text(suspect_report())
    head = "\n".join(out.splitlines()[:3])
    assert "Suspect" in head and "3% of the old one's words" in head


def test_render_text_color_uses_ansi_and_no_plain_markers() -> None:
    out = render_text(substantive_report(), color=True)
    assert "\x1b[" in out
    assert "[-" not in out and "{+" not in out
    # the changed word is wrapped in an escape sequence
    assert re.search(r"\x1b\[[0-9;]*m5\x1b\[0m", out)


def test_render_text_change_marks_never_run_over_a_line_break() -> None:
    # As in the demo: a changed table row and the next line, added in one piece.
    before = "Transfers to other countries\nare made under the clauses."
    after = "Transfers to Veritrope Inc. are made under the clauses below;\ntransfers to other countries\nare made."
    change = retention_change()
    change.before, change.before_spans = before, [(13, before.index(" under"))]
    change.after, change.after_spans = after, [(13, after.rindex("\n"))]
    report = DiffReport(True, ["transfer"], "high", False, changes=[change])
    out = render_text(report)
    assert marks_close_on_each_line(out, "{+", "+}") and marks_close_on_each_line(out, "[-", "-]")
    assert "  - Transfers to [-other countries-]\n    [-are made-] under the clauses." in out
    assert "{+Veritrope Inc. are made under the clauses below;+}\n    {+transfers to other countries+}\n" in out
    colored = render_text(report, color=True)
    for open_, close in (("\x1b[1;9;31m", "\x1b[0m\x1b[31m"), ("\x1b[1;32m", "\x1b[0m\x1b[32m")):
        assert open_ in colored and marks_close_on_each_line(colored, open_, close)


def test_render_text_strips_terminal_control_characters_from_policy_text() -> None:
    report = substantive_report()
    nasty = "We keep data \x1b[2J\x1b]0;owned\x07 for 1 year."
    report.changes[2].after = nasty
    report.changes[2].after_spans = [span_of(nasty, "1")]
    out = render_text(report)
    assert "\x1b" not in out and "\x07" not in out
    assert "{+1+} year." in out


# -- HTML --------------------------------------------------------------------------------------


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.stack: list[str] = []
        self.errors: list[str] = []

    _VOID = {"meta", "br", "hr", "img", "link", "input"}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)
        if tag not in self._VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unbalanced </{tag}> with open {self.stack[-3:]}")
        else:
            self.stack.pop()


def parse(page: str) -> _Collector:
    parser = _Collector()
    parser.feed(page)
    parser.close()
    return parser


def test_render_html_is_one_well_formed_self_contained_page() -> None:
    page = render_html(substantive_report(), title="Quillfeather privacy policy")
    parsed = parse(page)
    assert page.startswith("<!DOCTYPE html>")
    assert parsed.errors == [] and parsed.stack == []
    assert "script" not in parsed.tags and "link" not in parsed.tags and "img" not in parsed.tags
    assert "style" in parsed.tags
    for name, value in parsed.attrs:
        assert name not in {"src", "href"}, (name, value)
        assert not name.startswith("on")
    assert "http://" not in page and "https://" not in page
    assert '<meta charset="utf-8">' in page


def test_render_html_header_verdict_badge_and_categories() -> None:
    page = render_html(substantive_report(), title="Quillfeather privacy policy")
    header = page[page.index("<header") : page.index("</header>")]
    assert "Quillfeather privacy policy" in header
    assert "Substantive change" in header
    assert 'class="badge high"' in header
    assert '<span class="cat">retention</span>' in header and '<span class="cat">rights</span>' in header
    assert "1,200 words" in header and "1,190 words" in header


def test_render_html_substantive_sections_first_side_by_side_with_del_and_ins() -> None:
    page = render_html(substantive_report(), old_label="1 March", new_label="1 April")
    main = page[page.index("<main>") :]
    # the high-severity section comes before the medium one, both before the cosmetic details
    assert main.index("How long we keep data › Accounts") < main.index("Your rights") < main.index("<details")
    assert "<th>1 March</th><th>1 April</th>" in main
    assert "for <del>2</del> years" in main and "for <ins>5</ins> years" in main
    assert "retention period changed from 2 years to 5 years" in main
    assert main.count('class="sxs"') >= 2


def test_render_html_collapses_cosmetic_changes() -> None:
    page = render_html(substantive_report())
    details = page[page.index("<details") : page.index("</details>")]
    assert "Cosmetic changes: 2" in details
    assert "punctuation only" in details
    assert "Annex › Cookies" in details
    assert "retention period changed" not in details


def test_render_html_escapes_policy_text_everywhere() -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    before = f"We keep data for 2 years. {evil}"
    after = f"We keep data for 3 years. {evil}"
    change = Change(
        section=[f"Retention {evil}"],
        kind="modified",
        substantive=True,
        categories=["retention"],
        severity="high",
        reason=f"changed {evil}",
        before=before,
        after=after,
        before_spans=[(span_of(before, "2")[0], len(before))],
        after_spans=[span_of(after, "3")],
    )
    report = DiffReport(
        substantive=True,
        categories=["retention"],
        severity="high",
        suspect=True,
        suspect_reason=evil,
        changes=[change, Change(section=[evil], kind="modified", substantive=False, reason=evil)],
        summary=evil,
    )
    page = render_html(report, title=evil, old_label=evil, new_label=evil)
    parsed = parse(page)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;" in page
    assert parsed.errors == []


def test_suspect_reports_do_not_call_the_captured_differences_cosmetic() -> None:
    report = suspect_report()
    report.changes = [rights_change()]
    report.changes[0].substantive = False
    assert "Cosmetic" not in render_text(report) and "Cosmetic" not in render_html(report)
    assert "suspect capture (not counted as changes) (1)" in render_text(report)


def test_render_html_suspect_warning() -> None:
    page = render_html(suspect_report())
    assert 'class="suspect-warning"' in page
    assert "3% of the old one&#x27;s words" in page
    assert '<header class="suspect">' in page


def test_render_html_cosmetic_report_has_no_substantive_sections() -> None:
    page = render_html(cosmetic_report())
    assert "No substantive change" in page
    assert 'class="group"' not in page
    assert '<header class="cosmetic">' in page


def test_render_html_uses_documents_for_title_and_word_counts() -> None:
    old_b, new_b = DocumentBuilder(), DocumentBuilder()
    old_b.heading("Accounts", 1)
    old_b.block("p", RETENTION_BEFORE)
    new_b.heading("Accounts", 1)
    new_b.block("p", RETENTION_AFTER + " Extra words here.")
    old, new = old_b.build("Old Quillfeather policy"), new_b.build("Quillfeather policy")
    page = render_html(substantive_report(), old, new)
    assert "<h1>Quillfeather policy</h1>" in page
    assert f"{old.word_count:,} words" in page and f"{new.word_count:,} words" in page
    assert "title changed from" in page


@pytest.mark.parametrize("report", [substantive_report(), cosmetic_report(), suspect_report()])
def test_all_renderers_accept_every_report_shape(report: DiffReport) -> None:
    assert render_text(report).strip()
    assert render_text(report, color=True).strip()
    assert parse(render_html(report)).errors == []
    assert json.loads(render_json(report))["substantive"] is report.substantive
