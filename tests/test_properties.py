"""Properties of the diff engine on generated, fictional policy-like documents.

Noise never makes a change of substance: a document against itself, against a re-wrapped copy
(white space and line breaks), or against a re-typographed copy (quotes, dashes, non-breaking
spaces, ellipses). And the smallest real edit, a number inside a sentence, always does.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.changes import DiffReport
from monitor.diff import compare
from monitor.document import Document, DocumentBuilder
from monitor.extract import extract_markdown, extract_text

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- a fictional policy vocabulary -------------------------------------------------------------
# Sentences carry ASCII typography (' " - ...) so a style can later re-typeset them one way or the other.

COMPANIES = [
    "Quillfeather Ltd",
    "Brambleworks GmbH",
    "Nimbus Harbor Inc.",
    "Lanternfish B.V.",
    "Cobaltmoss S.A.",
]
PRODUCTS = ["Quillpad", "Brambleboard", "Harborcast", "Lanternly"]
DATA = [
    "email address",
    "billing address",
    "IP address",
    "device identifiers",
    "support messages",
    "payment card details",
    "usage statistics",
    "voice recordings",
    "profile photo",
]
PURPOSES = [
    "to provide the service",
    "to prevent fraud",
    "to send you product news",
    "to improve our recommendation models",
    "to answer support requests",
    "to meet our tax obligations",
]
RECIPIENTS = [
    "our hosting provider",
    "payment processors",
    "our affiliates",
    "external auditors",
    "courier firms",
]
COUNTRIES = ["Ireland", "Canada", "Singapore", "Brazil", "Norway", "New Zealand"]
UNITS = ["days", "months", "years"]
HEADINGS = [
    "Information we collect",
    "How we use your information",
    "Who we share it with",
    "International transfers",
    "How long we keep your data",
    "Your rights",
    "Children",
    "Cookies and similar technologies",
    "Security",
    "Contact us",
    "Changes to this policy",
]

TEMPLATES = [
    "{company} keeps your {data} for {n} {unit} after your account is closed.",
    "We collect your {data} when you use {product} - for example, when you're signing up.",
    "We share your {data} with {recipient} {purpose}.",
    "Your {data} may be stored in {country} and handled by {company}'s support staff.",
    'We use your "{data}" {purpose}, and for similar reasons...',
    "Children under {age} may not use {product} without a parent's consent.",
    "You can ask for a copy of your {data}; we answer within {n} days of your request.",
    "Our cookies expire after {n} {unit} - you can delete them at any time.",
    "We protect your {data} with encryption and review access every {n} months.",
    'Write to {company} at privacy@{domain}.example if you have questions about "{data}".',
    "We don't sell your {data}, and we won't use it {purpose} without asking first.",
]
DURATION = re.compile(r"\b(\d+) (days|months|years)\b")


@st.composite
def sentences(draw: st.DrawFn, template: str | None = None) -> str:
    company = draw(st.sampled_from(COMPANIES))
    fields = {
        "company": company,
        "product": draw(st.sampled_from(PRODUCTS)),
        "data": draw(st.sampled_from(DATA)),
        "purpose": draw(st.sampled_from(PURPOSES)),
        "recipient": draw(st.sampled_from(RECIPIENTS)),
        "country": draw(st.sampled_from(COUNTRIES)),
        "n": draw(st.integers(1, 400)),
        "unit": draw(st.sampled_from(UNITS)),
        "age": draw(st.sampled_from([13, 14, 16, 18])),
        "domain": company.split()[0].lower(),
    }
    return (template or draw(st.sampled_from(TEMPLATES))).format(**fields)


@st.composite
def paragraphs(draw: st.DrawFn) -> str:
    return " ".join(draw(st.lists(sentences(), min_size=1, max_size=3)))


@dataclass(frozen=True)
class Source:
    """A policy before it becomes a Document: sections of (kind, text) blocks, ASCII typography."""

    title: str
    sections: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]


@st.composite
def sources(draw: st.DrawFn) -> Source:
    # Policy-sized (well over the near-empty threshold below which a capture counts as failed).
    headings = draw(st.lists(st.sampled_from(HEADINGS), min_size=3, max_size=7, unique=True))
    sections = []
    for heading in headings:
        blocks = draw(
            st.lists(st.tuples(st.sampled_from(["p", "p", "li"]), paragraphs()), min_size=2, max_size=4)
        )
        sections.append((heading, tuple(blocks)))
    company = draw(st.sampled_from(COMPANIES))
    return Source(f"{company} privacy policy", tuple(sections))


@st.composite
def sources_with_a_duration(draw: st.DrawFn) -> Source:
    """A source that certainly has one "N days/months/years" sentence somewhere."""
    src = draw(sources())
    where = draw(st.integers(0, len(src.sections) - 1))
    sentence = draw(sentences(template=TEMPLATES[0]))
    heading, blocks = src.sections[where]
    pos = draw(st.integers(0, len(blocks)))
    blocks = blocks[:pos] + (("p", sentence),) + blocks[pos:]
    sections = src.sections[:where] + ((heading, blocks),) + src.sections[where + 1 :]
    return Source(src.title, sections)


# -- typography and white-space styles ----------------------------------------------------------


@dataclass(frozen=True)
class Typography:
    curly_quotes: bool
    dash: str  # what " - " becomes: " - ", " – ", " — " or "—"
    ellipsis: bool  # "..." -> "…"
    nbsp_every: int  # 0: none; else every n-th space becomes a non-breaking one

    def apply(self, text: str) -> str:
        if self.curly_quotes:
            text = re.sub(r'"([^"]*)"', "\u201c\\1\u201d", text)
            text = text.replace("'", "\u2019")
        text = text.replace(" - ", self.dash)
        if self.ellipsis:
            text = text.replace("...", "\u2026")
        if self.nbsp_every:
            parts = text.split(" ")
            text = "".join(
                p + ("" if i == len(parts) - 1 else "\xa0" if i % self.nbsp_every == 0 else " ")
                for i, p in enumerate(parts)
            )
        return text


typographies = st.builds(
    Typography,
    curly_quotes=st.booleans(),
    dash=st.sampled_from([" - ", " \u2013 ", " \u2014 ", "\u2014"]),
    ellipsis=st.booleans(),
    nbsp_every=st.sampled_from([0, 0, 2, 3, 7]),
)


@dataclass(frozen=True)
class Layout:
    """How the source is laid out as text: line width, extra blank lines, line endings, padding."""

    width: int  # 0: one line per paragraph
    blank_lines: int
    crlf: bool
    trailing_spaces: bool

    def wrap(self, text: str, indent: str = "") -> list[str]:
        if not self.width:
            return [indent + text]
        lines = textwrap.wrap(text, self.width, break_long_words=False, break_on_hyphens=False)
        return [indent + lines[0]] + [" " * len(indent) + line for line in lines[1:]]

    def finish(self, lines: list[str]) -> str:
        if self.trailing_spaces:
            lines = [line + "  " if line and not line.endswith("  ") else line for line in lines]
        text = "\n".join(lines) + "\n"
        return text.replace("\n", "\r\n") if self.crlf else text


layouts = st.builds(
    Layout,
    width=st.sampled_from([0, 0, 40, 60, 72, 100]),
    blank_lines=st.integers(1, 3),
    crlf=st.booleans(),
    trailing_spaces=st.booleans(),
)


def to_document(src: Source, typo: Typography | None = None) -> Document:
    style = typo.apply if typo else (lambda s: s)
    b = DocumentBuilder()
    for heading, blocks in src.sections:
        b.heading(style(heading), 1)
        for kind, text in blocks:
            b.block(kind, style(text))  # type: ignore[arg-type]
    return b.build(style(src.title))


def to_markdown(src: Source, layout: Layout, typo: Typography | None = None) -> str:
    """The source as ordinary (not canonical) markdown, laid out per `layout`. Markdown joins
    the wrapped lines of a paragraph, so any layout says the same thing."""
    style = typo.apply if typo else (lambda s: s)
    gap = [""] * layout.blank_lines
    lines = ["# " + style(src.title)]
    for heading, blocks in src.sections:
        lines += gap + ["## " + style(heading)] + gap
        prev = None
        for kind, text in blocks:
            if prev is not None and (kind != "li" or prev != "li"):
                lines += gap
            lines += layout.wrap(style(text), "- " if kind == "li" else "")
            prev = kind
    return layout.finish(lines)


def to_plain_text(src: Source, layout: Layout, typo: Typography | None = None) -> str:
    """The source as plain text: headings and paragraphs on their own lines between blank lines,
    list items as bullets. Only the lines inside a paragraph are re-wrapped."""
    style = typo.apply if typo else (lambda s: s)
    gap = [""] * layout.blank_lines
    lines = [style(src.title)]
    for heading, blocks in src.sections:
        lines += gap + [style(heading)] + gap
        for kind, text in blocks:
            lines += layout.wrap(style(text), "\u2022 " if kind == "li" else "") + gap
    return layout.finish(lines)


def describe(report: DiffReport) -> str:
    """What a failing example prints: the substantive changes, short."""
    return "\n".join(
        f"{c.kind} {c.section} {c.categories} {c.reason!r}: {c.before!r} -> {c.after!r}"
        for c in report.substantive_changes
    )


def assert_not_substantive(report: DiffReport) -> None:
    assert not report.substantive, describe(report)
    assert report.categories == [] and report.severity is None, describe(report)
    assert not report.suspect, report.suspect_reason


# -- noise is never substantive ----------------------------------------------------------------


@SETTINGS
@given(src=sources())
def test_a_document_against_itself_has_no_changes(src: Source) -> None:
    doc = to_document(src)
    report = compare(doc, doc)
    assert_not_substantive(report)
    assert report.changes == []


@SETTINGS
@given(src=sources(), a=typographies, b=typographies)
def test_retypographed_documents_are_not_substantive(src: Source, a: Typography, b: Typography) -> None:
    assert_not_substantive(compare(to_document(src, a), to_document(src, b)))


@SETTINGS
@given(src=sources(), a=layouts, b=layouts)
def test_rewrapped_markdown_is_not_substantive(src: Source, a: Layout, b: Layout) -> None:
    old, new = extract_markdown(to_markdown(src, a)), extract_markdown(to_markdown(src, b))
    assert_not_substantive(compare(old, new))


@SETTINGS
@given(src=sources(), a=layouts, b=layouts)
def test_rewrapped_plain_text_is_not_substantive(src: Source, a: Layout, b: Layout) -> None:
    old, new = extract_text(to_plain_text(src, a)), extract_text(to_plain_text(src, b))
    assert_not_substantive(compare(old, new))


@SETTINGS
@given(src=sources(), la=layouts, lb=layouts, ta=typographies, tb=typographies)
def test_rewrapped_and_retypographed_markdown_is_not_substantive(
    src: Source, la: Layout, lb: Layout, ta: Typography, tb: Typography
) -> None:
    old, new = extract_markdown(to_markdown(src, la, ta)), extract_markdown(to_markdown(src, lb, tb))
    assert_not_substantive(compare(old, new))


def test_the_generators_do_produce_typographic_differences() -> None:
    # Guards the properties above against passing vacuously: the styles really change the text.
    src = Source(
        "Quillfeather privacy policy",
        (("Cookies", (("p", 'We don\'t use "trackers" - or anything else...'),)),),
    )
    plain = Typography(False, " - ", False, 0)
    fancy = Typography(True, "\u2014", True, 2)
    assert to_document(src, plain).to_markdown() != to_document(src, fancy).to_markdown()
    wide, narrow = Layout(0, 1, False, False), Layout(20, 2, True, True)
    assert to_markdown(src, wide) != to_markdown(src, narrow)


# -- a changed number is substantive -----------------------------------------------------------


@SETTINGS
@given(src=sources_with_a_duration(), data=st.data())
def test_changing_a_number_in_a_sentence_is_substantive(src: Source, data: st.DataObject) -> None:
    doc = to_document(src)
    spots = [
        (si, bi, m)
        for si, (_, blocks) in enumerate(src.sections)
        for bi, (_, text) in enumerate(blocks)
        for m in DURATION.finditer(text)
    ]
    si, bi, m = data.draw(st.sampled_from(spots))
    old_n = int(m.group(1))
    new_n = data.draw(st.integers(1, 400).filter(lambda n: n != old_n))
    heading, blocks = src.sections[si]
    kind, text = blocks[bi]
    edited = text[: m.start(1)] + str(new_n) + text[m.end(1) :]
    blocks = blocks[:bi] + ((kind, edited),) + blocks[bi + 1 :]
    changed = Source(src.title, src.sections[:si] + ((heading, blocks),) + src.sections[si + 1 :])

    report = compare(doc, to_document(changed))
    assert report.substantive, [(c.kind, c.reason, c.before, c.after) for c in report.changes]
    assert report.severity is not None
    assert not report.suspect
    hit = [c for c in report.substantive_changes if str(new_n) in c.after and str(old_n) in c.before]
    assert hit, describe(report)
