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


# -- item 11: several documents on one page stay apart ----------------------------------------------

TERMS = """<article class="doc"><h1>Terms of Use</h1>
<h2>1. The service</h2><p>Lanternfield Rail sells train tickets through this site and its apps.</p>
<h2>2. Refunds</h2><p>A ticket can be refunded up to {refund} before departure, minus a small fee.</p>
<h2>3. Disputes</h2><p>Any dispute about these terms is decided by the courts of the place you live in.</p>
</article>"""
PRIVACY = """<article class="doc"><h1>Privacy Notice</h1>
<h2>1. What we keep</h2><p>We keep your name, your journeys and the card you paid with for each ticket.</p>
<h2>2. How long</h2><p>Journey records are deleted two years after the journey, unless a claim is open.</p>
<h2>3. Sharing</h2><p>Train operators receive the names on the tickets they must check on board.</p>
</article>"""
SMALL = """<article class="doc"><h1>Copyright</h1><p>Report copied timetables to us.</p></article>"""


def legal_page(refund: str = "one hour", order: tuple[str, ...] = ("terms", "privacy", "small")) -> str:
    parts = {"terms": TERMS.format(refund=refund), "privacy": PRIVACY, "small": SMALL}
    docs = "".join(parts[k] for k in order)
    return (
        "<html><head><title>Legal | Lanternfield</title></head><body><nav><a href='/'>Home</a></nav>"
        f"<div class='legal'><p>This page holds our terms, privacy notice and copyright notice.</p>{docs}"
        "</div><footer><a href='/jobs'>Jobs</a></footer></body></html>"
    )


def test_every_document_on_a_legal_page_is_read_under_its_own_title() -> None:
    doc = extract_html(legal_page())
    tops = {s.path[0] for s in doc.sections if s.path}
    assert {"Terms of Use", "Privacy Notice", "Copyright"} <= tops
    assert ("Privacy Notice", "2. How long") in [s.path for s in doc.sections]
    assert "Jobs" not in doc.to_markdown() and "Home" not in doc.to_markdown()


def test_edit_in_one_document_is_reported_there_and_only_there() -> None:
    old = extract_html(legal_page())
    # The edit makes the terms the largest document: that must not switch which one is watched.
    new = extract_html(legal_page(refund="ten minutes, and only for tickets bought with a railcard,"))
    report = compare(old, new)
    assert not report.suspect
    assert report.changes and all(c.section[0] == "Terms of Use" for c in report.changes)
    assert any("ten minutes" in (c.after or "") for c in report.changes)


def test_one_article_with_a_small_aside_article_is_still_one_document() -> None:
    teaser = "<article class='teaser'><h2>Read our blog</h2><p>Ten tips for travelling light.</p></article>"
    html = legal_page(order=("privacy",)).replace("</div><footer>", teaser + "</div><footer>")
    doc = extract_html(html)
    assert doc.title == "Privacy Notice"
    assert "travelling light" not in doc.to_markdown()


# -- item 12: FAQ questions are headings, control buttons are chrome ---------------------------------

ANSWERS = {
    "What do you record when I book a lesson?": "Your name, the lesson and the instructor you chose.",
    "How long do you keep my bookings?": "Bookings are kept for three years after the lesson date.",
    "Do you send my data abroad?": "No, all bookings stay on servers inside the European Union.",
    "Can I have my data removed?": "Yes, write to us and we remove it within one month.",
}


def faq_page(markup: str, rename: dict[str, str] | None = None) -> str:
    rename = rename or {}
    items = []
    for k, (question, answer) in enumerate(ANSWERS.items()):
        q = rename.get(question, question)
        panel = f"<p>{answer} We tell you in advance about any change to this answer.</p>"
        if markup == "summary":
            items.append(f"<details open><summary>{q}</summary>{panel}</details>")
        elif markup == "heading-button":
            items.append(
                f"<h3><button aria-expanded='true' aria-controls='a{k}'>{q}</button></h3>"
                f"<div id='a{k}' role='region'>{panel}</div>"
            )
        elif markup == "bare-button":
            items.append(f"<div class='qa'><button class='q' aria-expanded='true'>{q}</button>{panel}</div>")
        elif markup == "dl":
            items.append(f"<dl><dt>{q}</dt><dd>{panel}</dd></dl>")
    tools = (
        "<div class='tools'><button type='button'>Open every answer</button> "
        "<button onclick='print()'>Print</button> <button aria-expanded='false'>Show more</button></div>"
    )
    return page(f"<h1>Lesson booking privacy</h1>{tools}<h2>Questions</h2>{''.join(items)}")


@pytest.mark.parametrize("markup", ["summary", "heading-button", "bare-button", "dl"])
def test_faq_questions_are_headings_and_controls_are_not_text(markup: str) -> None:
    doc = extract_html(faq_page(markup))
    paths = [s.path for s in doc.sections]
    for question in ANSWERS:
        assert ("Questions", question) in paths, (markup, paths)
    md = doc.to_markdown()
    assert "Open every answer" not in md and "Print" not in md and "Show more" not in md
    assert "within one month" in md


@pytest.mark.parametrize("markup", ["summary", "heading-button", "bare-button", "dl"])
def test_reworded_faq_question_is_reported(markup: str) -> None:
    old = extract_html(faq_page(markup))
    reworded = "Can I have my data removed at any time?"
    new = extract_html(faq_page(markup, {"Can I have my data removed?": reworded}))
    report = compare(old, new)
    assert report.changes
    assert any(reworded in " ".join(c.section) or reworded in (c.after or "") for c in report.changes)


def test_buttons_with_sentences_are_kept_as_text_and_commands_dropped() -> None:
    html = page(
        "<h2>Marketing</h2><p>We send offers only if you ask for them.</p>"
        "<button>I agree that Tidewick may e-mail me offers about new seeds</button>"
        "<button>Subscribe</button><button aria-expanded='false' aria-controls='a b c'>Expand all</button>"
    )
    md = extract_html(html).to_markdown()
    assert "I agree that Tidewick may e-mail me offers about new seeds" in md
    assert "Subscribe" not in md and "Expand all" not in md


def test_definition_lists_that_are_not_questions_stay_text() -> None:
    doc = extract_html(
        page("<h2>Terms used</h2><dl><dt>Account data</dt><dd>Your name and e-mail.</dd></dl>")
    )
    assert [s.path for s in doc.sections] == [("Terms used",)]
    assert "Account data" in doc.to_markdown()


def test_documents_whose_titles_share_the_section_tag_still_head_their_sections() -> None:
    def same_level(html: str) -> str:
        return html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")

    old = extract_html(same_level(legal_page()))
    paths = [s.path for s in old.sections]
    assert ("Terms of Use", "2. Refunds") in paths and ("Privacy Notice", "2. How long") in paths
    new = extract_html(same_level(legal_page(refund="ten minutes")))
    changes = compare(old, new).changes
    assert changes and all(c.section[:1] == ["Terms of Use"] for c in changes)
