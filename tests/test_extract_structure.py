"""Document structure from real-page markup (issue 8): emphasis is not a heading, several documents on
one page stay apart, FAQ questions are headings. Every input is a fictional page written for these
tests."""

from __future__ import annotations

import pytest

from monitor.diff import compare
from monitor.extract import bold_may_be_heading, extract_html, extract_markdown


def page(body: str) -> str:
    return f"<html><head><title>Privacy | Tidewick</title></head><body><main>{body}</main></body></html>"


# -- item 10: a sentence that gains emphasis stays a sentence ----------------------------------------

SECTIONS = """
<h1>Tidewick Gardens privacy notice</h1>
<h2>1. What we record</h2>
<p>{a}</p>
<p>We record the plants you order and where they are delivered.</p>
<h2>2. Sharing</h2>
<p>Our couriers get your address and nothing else.</p>
<p>{b}</p>
<h2>3. Your rights</h2>
<p>{c}</p>
<ul><li>see your data;</li><li>have it corrected;</li><li>take it elsewhere;</li></ul>
<p>Write to rights@tidewick.example to use them.</p>
"""
SENTENCES = {
    "a": "Read this part with care.",
    "b": "Tidewick will never sell your data!",
    "c": "You have these rights under the law:",
}


def variant(bold: str, **edit: str) -> str:
    texts = dict(SENTENCES, **edit)
    wrapped = {k: (f"<{bold}>{v}</{bold}>" if bold else v) for k, v in texts.items()}
    return page(SECTIONS.format(**wrapped))


@pytest.mark.parametrize("bold", ["strong", "b"])
def test_emphasised_sentences_do_not_become_headings(bold: str) -> None:
    old, new = extract_html(variant("")), extract_html(variant(bold))
    assert new == old
    assert [s.path for s in new.sections] == [s.path for s in old.sections]
    assert not compare(old, new).substantive


def test_edit_under_an_emphasised_lead_in_is_reported_in_its_section() -> None:
    old = extract_html(variant(""))
    new = extract_html(variant("strong").replace("<li>take it elsewhere;</li>", ""))
    report = compare(old, new)
    subs = [c for c in report.changes if c.substantive]
    assert len(subs) == 1 and subs[0].section[-1] == "3. Your rights"
    assert "take it elsewhere" in (subs[0].before or "")


@pytest.mark.parametrize(
    ("text", "heading"),
    [
        ("Payment data", True),
        ("Contact details:", True),
        ("What do we collect?", True),  # questions head FAQ-style sections
        ("We never sell your data!", False),
        ("You have the following rights:", False),
        ("Please read this carefully.", False),
        ("Note;", False),
        ("", False),
    ],
)
def test_bold_may_be_heading(text: str, heading: bool) -> None:
    assert bold_may_be_heading(text) is heading


def test_bold_label_paragraphs_still_head_sections() -> None:
    doc = extract_html(
        page(
            "<h2>Data we hold</h2><p><strong>Order data</strong></p><p>Kept for six years.</p>"
            "<p><b>Contact details:</b></p><p>Kept until you close your account.</p>"
        )
    )
    assert [s.path for s in doc.sections] == [
        ("Data we hold",),
        ("Data we hold", "Order data"),
        ("Data we hold", "Contact details:"),
    ]


def test_markdown_bold_sentence_is_not_a_heading() -> None:
    md = "# Notice\n\n## Rights\n\n**You have these rights under the law:**\n\n- see your data\n"
    doc = extract_markdown(md)
    assert [s.path for s in doc.sections] == [("Rights",)]
    assert doc.sections[0].blocks[0].text == "You have these rights under the law:"
