"""Extraction faults met on real pages (issue 8): hidden page wrappers, hostile nesting, PDF ligatures
and line-end hyphens. Every input here is a fictional page written for these tests."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from monitor.extract import ExtractError, extract_html, extract_pdf
from monitor.extract_bounds import MAX_DEPTH, BoundedSoup
from monitor.extract_pdf_text import Dehyphenator, fold_pdf_text

POLICY = """
<h1>Privacy Notice of Quillhaven Bakeries</h1>
<h2>1. What we collect</h2>
<p>We collect your name, your delivery address and the orders you place with our bakery shops.</p>
<h2>2. How long we keep it</h2>
<p>Order records are kept for {keep} after your last order, then they are deleted for good.</p>
<h2>3. Your rights</h2>
<p>You may ask for a copy of your data, have it corrected or deleted, and complain to a regulator.</p>
"""


def policy(keep: str = "18 months") -> str:
    return POLICY.format(keep=keep)


def texts(doc) -> str:  # type: ignore[no-untyped-def]
    return doc.to_markdown()


# -- item 8: a hidden marker on the wrapper that holds the page --------------------------------------


@pytest.mark.parametrize(
    "wrapper",
    [
        "<div id='root' aria-hidden='true'><main>{}</main></div>",
        "<div id='root' aria-hidden='true'><div class='page'>{}</div></div>",
        "<div class='smooth-scroll' data-scroll hidden><div class='content'>{}</div></div>",
        "<div class='viewport' style='visibility: hidden'><article>{}</article></div>",
        "<div style='display:none' class='app-shell'>{}</div>",
    ],
)
def test_hidden_wrapper_of_the_whole_page_is_read(wrapper: str) -> None:
    dialog = (
        "<div role='dialog' aria-modal='true'><h2>Cookies</h2><p>We use cookies.</p>"
        "<button>Accept</button></div>"
    )
    page = f"<html><body>{wrapper.format(policy())}{dialog}</body></html>"
    plain = extract_html(f"<html><body><main>{policy()}</main></body></html>")
    doc = extract_html(page)
    assert doc == plain
    assert "Cookies" not in texts(doc)


def test_hidden_parts_that_are_not_the_page_are_still_dropped() -> None:
    page = (
        "<html><body><main>" + policy() + "<div aria-hidden='true'><p>Decorative quote</p></div>"
        "<div hidden class='mobile-menu'><a href='/a'>Shop</a> <a href='/b'>Careers</a></div>"
        "</main><div class='modal' hidden>"
        + "<p>Sign up to our newsletter for bread news.</p>" * 40
        + "</div></body></html>"
    )
    doc = extract_html(page)
    md = texts(doc)
    assert "Order records are kept for 18 months" in md
    assert "Decorative quote" not in md and "Careers" not in md and "newsletter" not in md


def test_hidden_wrapper_edit_is_seen() -> None:
    from monitor.diff import compare

    wrap = "<html><body><div id='app' aria-hidden='true'>{}</div></body></html>"
    old, new = extract_html(wrap.format(policy())), extract_html(wrap.format(policy("6 years")))
    report = compare(old, new)
    assert report.substantive
    assert any("6 years" in (c.after or "") for c in report.changes)


# -- item 13: hostile nesting is bounded ------------------------------------------------------------


def nested(depth: int, open_tag: str, close_tag: str, inner: str) -> str:
    return f"<html><body>{open_tag * depth}{inner}{close_tag * depth}</body></html>"


def test_fifty_thousand_nested_divs_read_like_the_plain_page() -> None:
    plain = extract_html(f"<html><body>{policy()}</body></html>")
    doc = extract_html(nested(50_000, "<div class='x'>", "</div>", policy()))
    assert doc == plain


@pytest.mark.parametrize(
    ("open_tag", "close_tag"),
    [
        ("<span>", "</span>"),
        ("<b>", "</b>"),
        ("<ul><li>", "</li></ul>"),
        ("<table><tr><td>", "</td></tr></table>"),
        ("<blockquote>", "</blockquote>"),
        ("<div hidden>", "</div>"),
        ("<section class='privacy-banner'>w ", "</section>"),
    ],
)
def test_any_deep_nesting_ends_without_a_traceback(open_tag: str, close_tag: str) -> None:
    # Recursion is bounded by the parse, not by the interpreter's limit: run with a low limit to
    # prove that no walk goes deeper than the bounded tree.
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(MAX_DEPTH * 4 + 200)
    try:
        doc = extract_html(nested(20_000, open_tag, close_tag, policy()))
    except ExtractError:
        return  # a clear refusal is a right answer too
    finally:
        sys.setrecursionlimit(old)
    assert "after your last order" in texts(doc) or doc.word_count >= 0


def test_bounded_soup_keeps_depth_and_words() -> None:
    soup = BoundedSoup(nested(5_000, "<div>", "</div>", "<p>alpha <b>beta</b></p>gamma"))
    depth, node = 0, soup.find("p")
    while node is not None:
        depth, node = depth + 1, node.parent
    assert depth <= MAX_DEPTH + 2
    assert " ".join(soup.get_text(" ").split()) == "alpha beta gamma"
    shallow = BoundedSoup("<div><div><p>one</p></div><div>two</div></div>")
    assert shallow.flattened == 0 and len(shallow.find_all("div")) == 3


def test_wrappers_past_the_bound_still_separate_words() -> None:
    soup = BoundedSoup(nested(300, "<div>", "</div>", "<div>left</div><div>right</div>"))
    assert "leftright" not in soup.get_text()


def test_time_budget_gives_a_clear_error() -> None:
    page = "<html><body>" + "<p>One short line of a long page.</p>" * 30_000 + "</body></html>"
    with pytest.raises(ExtractError, match="took longer than"):
        extract_html(page, time_budget=0.0)
    assert extract_html(page, time_budget=None).word_count > 1000


# -- item 14: PDF ligatures and line-end hyphens ----------------------------------------------------


def test_fold_pdf_text() -> None:
    assert fold_pdf_text("\ufb01les \ufb02ow o\ufb03ce sta\ufb00 \uff12\uff14 months") == (
        "files flow office staff 24 months"
    )


def test_dehyphenator_joins_syllables_and_keeps_compounds() -> None:
    lines = [
        "Marrowby Tea keeps your opt-out choice and your orders.",
        "Our third-party couriers never see more than an address.",
        "Our bank is known to you and it serves you well.",
        "Marrowby is a company in Leeds. We re-",
        "view this every year. You can opt-",
        "out at any time; your orders stay with Marrow-",
        "by. We use third-",
        "party couriers and a well-",
        "known bank. Infor-",
        "mation about deliv-",
        "ery is kept. The Anglo-",
        "Irish office answers.",
    ]
    d = Dehyphenator(lines)
    assert d.join("with Marrow-", "by. We") == "with Marrowby. We"  # known joined form
    assert d.join("can opt-", "out at") == "can opt-out at"  # known compound
    assert d.join("use third-", "party couriers") == "use third-party couriers"
    assert d.join("a well-", "known bank") == "a well-known bank"  # two words of their own
    assert d.join("about deliv-", "ery is kept") == "about delivery is kept"  # syllables
    assert d.join("The Anglo-", "Irish office") == "The Anglo-Irish office"  # a capital goes on
    assert d.join("costs 10-", "20 pounds") is None  # no word broken here
    assert d.join("a plain line", "goes on") is None


def _pdf(lines_per_page: list[list[str]], font: str = "Helvetica") -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for lines in lines_per_page:
        c.setFont(font, 11)
        y = A4[1] - 72
        for line in lines:
            if line:
                c.drawString(72, y, line)
            y -= 15
        c.showPage()
    c.save()
    return buf.getvalue()


PDF_RAGGED = [
    "Privacy Notice of Marrowby Tea",
    "",
    "1. Files we keep",
    "Marrowby Tea keeps the files of your orders for six years, because the tax",
    "office requires it. You can opt-out of marketing at any time by writing to us.",
    "",
    "2. Who sees them",
    "Our financial officer and our couriers see the files that Marrowby Tea keeps",
    "about you, and nobody else does.",
]
PDF_HYPHENATED = [
    "Privacy Notice of Marrowby Tea",
    "",
    "1. Files we keep",
    "Marrowby Tea keeps the files of your orders for six years, because the",
    "tax office requires it. You can opt-out of marketing at any time by writ-",
    "ing to us.",
    "",
    "2. Who sees them",
    "Our financial officer and our couriers see the files that Marrow-",
    "by Tea keeps about you, and nobody else does.",
]


def test_pdf_hyphenated_reexport_reads_the_same() -> None:
    pytest.importorskip("reportlab")
    old = extract_pdf(_pdf([PDF_RAGGED]))
    new = extract_pdf(_pdf([PDF_HYPHENATED]))
    assert old == new
    assert "opt-out" in texts(new) and "writing" in texts(new) and "Marrowby Tea keeps about" in texts(new)


FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.mark.skipif(not FONT.exists(), reason="needs a TrueType font with ligature glyphs (DejaVu Sans)")
def test_pdf_ligatures_read_as_plain_letters() -> None:
    pytest.importorskip("reportlab")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont("TestSans", str(FONT)))
    ligatured = [
        line.replace("fi", "\ufb01").replace("ffi", "\ufb03").replace("fl", "\ufb02") for line in PDF_RAGGED
    ]
    assert any("\ufb01" in line for line in ligatured)
    plain = extract_pdf(_pdf([PDF_RAGGED], "TestSans"))
    folded = extract_pdf(_pdf([ligatured], "TestSans"))
    assert folded == plain
    assert "\ufb01" not in texts(folded) and "files" in texts(folded)


def test_pdf_time_budget_gives_a_clear_error() -> None:
    pytest.importorskip("reportlab")
    data = _pdf([PDF_RAGGED, PDF_RAGGED])
    with pytest.raises(ExtractError, match="took longer than"):
        extract_pdf(data, time_budget=0.0)
    assert extract_pdf(data, time_budget=None).word_count > 20


def test_pdf_label_value_lines_stay_records_when_justified_narrow() -> None:
    pytest.importorskip("reportlab")
    records = [
        "Privacy Notice of Marrowby Tea",
        "",
        "3. How long we keep it",
        "We keep each kind of data only as long as we need it, and no longer.",
        "Order data: until your account closes, then 30 days",
        "Tasting notes: {notes} after you write them",
        "Invoices: 7 years after the end of the tax year",
    ]
    doc = extract_pdf(_pdf([[line.format(notes="24 months") for line in records]]))
    blocks = [b.text for s in doc.sections for b in s.blocks]
    assert "Tasting notes: 24 months after you write them" in blocks
    assert "Order data: until your account closes, then 30 days" in blocks


def test_hidden_second_copy_of_the_policy_is_not_read_twice() -> None:
    page = (
        "<html><body><main>" + policy() + "</main>"
        "<div class='print-version' style='display:none'>" + policy() + "</div></body></html>"
    )
    doc = extract_html(page)
    assert doc.to_markdown().count("after your last order") == 1


def test_hidden_app_root_holding_the_only_main_is_read_beside_a_long_dialog() -> None:
    long_dialog = "<div role='dialog'>" + "<p>We and our 214 partners store cookies on your device.</p>" * 30
    page = f"<html><body><div id='app' aria-hidden='true'><main>{policy()}</main></div>{long_dialog}</div>"
    doc = extract_html(page + "</body></html>")
    assert "after your last order" in doc.to_markdown() and "partners" not in doc.to_markdown()


def test_is_gone_agrees_with_bs4_decomposed() -> None:
    from monitor.extract_bounds import is_gone

    soup = BoundedSoup("<div><p>one <b>two</b></p><p>three</p></div>")
    first, second = soup.find_all("p")
    bold = first.find("b")
    first.decompose()
    for tag in (first, bold, second):
        assert is_gone(tag) == tag.decomposed
    assert is_gone(first) and is_gone(bold) and not is_gone(second)
