"""The diff engine on real policies (the shared seeds), edited programmatically.

The seed texts are read at run time from the shared reference folder and never copied here; the
edits are found by pattern (a retention duration, a right, a revision date), so the tests say what
kind of wording they need, not what the wording is.
"""

from __future__ import annotations

import os
import re
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from monitor.changes import DiffReport
from monitor.diff import compare
from monitor.document import Block, Document, Section
from monitor.extract import extract_text


def shared_dir() -> Path:
    env = os.environ.get("MONITOR_SHARED_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared"


SEEDS = shared_dir() / "seeds"
ALL_SEEDS = [
    "cequens-privacy-policy.txt",
    "thechatcenter-privacy-policy.txt",
    "trengo-2024-privacy-policy.txt",
    "trengo-older-privacy-statement.txt",
    "trueconf-2022-privacy-policy.txt",
]

NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "ten": 10,
    "twelve": 12,
}
RETENTION_WORDING = re.compile(r"\b(retain|retention|keep|kept|store|stored|storage|delete|deleted)\b", re.I)
DURATION = re.compile(r"\b(\d+|" + "|".join(NUMBER_WORDS) + r")\s+(years?|months?|weeks?|days?)\b", re.I)
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
DATE = re.compile(rf"\b(\d{{1,2}} (?:{MONTHS}) \d{{4}}|(?:{MONTHS}) \d{{1,2}}, \d{{4}})\b")
REVISION_WORDING = re.compile(r"\b(last updated|updated on|revised|effective( date)?)\b", re.I)


def read_seed(name: str) -> str:
    path = SEEDS / name
    if not path.is_file():
        pytest.skip(f"shared seed {path} not found (set MONITOR_SHARED_DIR to the shared reference folder)")
    return path.read_text(encoding="utf-8")


def seed_document(name: str) -> Document:
    return extract_text(read_seed(name))


def describe(report: DiffReport) -> str:
    """Enough of a report to see why an assertion failed."""
    rows = [
        f"substantive={report.substantive} categories={report.categories} suspect={report.suspect_reason}"
    ]
    for c in report.changes[:15]:
        rows.append(
            f"  {c.kind} sub={c.substantive} {c.categories} {' > '.join(c.section)!r}: {c.reason!r}"
            f" | {c.before[:100]!r} -> {c.after[:100]!r}"
        )
    return "\n".join(rows)


def replace_block(doc: Document, si: int, bi: int, text: str | None) -> Document:
    """`doc` with block `bi` of section `si` replaced by `text` (or dropped when None)."""
    section = doc.sections[si]
    blocks = list(section.blocks)
    if text is None:
        del blocks[bi]
    else:
        blocks[bi] = replace(blocks[bi], text=text)
    sections = list(doc.sections)
    sections[si] = Section(section.path, tuple(blocks))
    return Document(doc.title, tuple(sections))


def find_blocks(doc: Document, pattern: re.Pattern[str]) -> list[tuple[int, int, Block]]:
    return [
        (si, bi, block)
        for si, section in enumerate(doc.sections)
        for bi, block in enumerate(section.blocks)
        if pattern.search(block.text)
    ]


# -- a retention period changed ----------------------------------------------------------------


@pytest.mark.parametrize("seed", ["trengo-2024-privacy-policy.txt", "trueconf-2022-privacy-policy.txt"])
def test_changed_retention_period_is_substantive_retention_and_the_reason_names_both(seed: str) -> None:
    doc = seed_document(seed)
    candidates = [
        (si, bi, block, m)
        for si, bi, block in find_blocks(doc, RETENTION_WORDING)
        for m in DURATION.finditer(block.text)
    ]
    assert candidates, f"{seed}: no retention wording with a duration found in the extracted document"
    si, bi, block, m = candidates[0]
    raw = m.group(1).lower()
    old_n = NUMBER_WORDS.get(raw) or int(raw)
    new_n = old_n + 4
    unit = m.group(2).rstrip("s").lower() + "s"
    edited = block.text[: m.start()] + f"{new_n} {unit}" + block.text[m.end() :]
    report = compare(doc, replace_block(doc, si, bi, edited))

    assert report.substantive, describe(report)
    assert "retention" in report.categories, describe(report)
    assert not report.suspect, describe(report)
    hits = [c for c in report.substantive_changes if "retention" in c.categories]
    assert hits, describe(report)
    reason = hits[0].reason
    assert re.search(rf"\b{re.escape(m.group(1))}\b", reason, re.I), (m.group(1), reason)
    assert re.search(rf"\b{new_n}\b", reason), (new_n, reason)


# -- a right removed ---------------------------------------------------------------------------

PORTABILITY = re.compile(r"portab", re.I)


@pytest.mark.parametrize("seed", ["trengo-2024-privacy-policy.txt", "cequens-privacy-policy.txt"])
def test_removing_the_portability_right_is_substantive_rights(seed: str) -> None:
    doc = seed_document(seed)
    # Drop every section headed by the right and every block that names it: the right is gone.
    sections = [
        Section(s.path, tuple(b for b in s.blocks if not PORTABILITY.search(b.text)))
        for s in doc.sections
        if not PORTABILITY.search(s.heading)
    ]
    edited = Document(doc.title, tuple(s for s in sections if s.blocks or not s.path))
    assert edited != doc, f"{seed}: nothing mentions portability in the extracted document"
    report = compare(doc, edited)

    assert report.substantive, describe(report)
    assert "rights" in report.categories, describe(report)
    assert not report.suspect, describe(report)
    hits = [
        c
        for c in report.substantive_changes
        if "rights" in c.categories and PORTABILITY.search(c.before + " " + " ".join(c.section))
    ]
    assert hits, describe(report)
    assert all(c.kind in {"removed", "modified"} for c in hits), describe(report)


# -- two sections swapped ----------------------------------------------------------------------


def adjacent_sibling_pair(doc: Document) -> int:
    """Index i of the two adjacent same-level sections (i, i+1) with the most text between them,
    neither with subsections, so that swapping them keeps every heading path valid."""
    best, best_words = -1, 0
    for i in range(len(doc.sections) - 1):
        a, b = doc.sections[i], doc.sections[i + 1]
        if not a.path or a.level != b.level or a.path[:-1] != b.path[:-1] or a.text == b.text:
            continue
        after = doc.sections[i + 2] if i + 2 < len(doc.sections) else None
        if after is not None and after.path[: b.level] == b.path and after.level > b.level:
            continue  # b has subsections
        words = min(len(a.text.split()), len(b.text.split()))
        if words > best_words:
            best, best_words = i, words
    return best


@pytest.mark.parametrize("seed", ["cequens-privacy-policy.txt", "trengo-2024-privacy-policy.txt"])
def test_swapping_two_sections_is_not_substantive_but_moved(seed: str) -> None:
    doc = seed_document(seed)
    i = adjacent_sibling_pair(doc)
    assert i >= 0, f"{seed}: no two adjacent sibling sections with text ({len(doc.sections)} sections)"
    sections = list(doc.sections)
    sections[i], sections[i + 1] = sections[i + 1], sections[i]
    report = compare(doc, Document(doc.title, tuple(sections)))

    assert not report.substantive, describe(report)
    assert report.categories == [], describe(report)
    assert not report.suspect, describe(report)
    assert any(c.kind == "moved" for c in report.changes), describe(report)


# -- white space reflowed ----------------------------------------------------------------------


def reflow(text: str) -> str:
    """The same text laid out differently: long lines hard-wrapped (then followed by a blank line,
    as hard-wrapped text separates paragraphs), runs of spaces, trailing spaces, tabs for
    indentation, doubled blank lines, CRLF line endings."""
    out: list[str] = []
    for line in text.splitlines():
        indent = line[: len(line) - len(line.lstrip())].replace("  ", "\t")
        body = line.strip().replace(". ", ".  ")
        if not body:
            out += ["", ""]
        elif len(body) > 100:
            wrapped = textwrap.wrap(body, 76, break_on_hyphens=False)
            # continuation lines hang under the text, past a bullet if there is one
            hang = indent + ("  " if wrapped[0][:1] in "•-*" else "")
            out += [indent + wrapped[0] + "   "] + [hang + w + "   " for w in wrapped[1:]]
            # a blank line after it keeps the paragraph's end visible once its lines are wrapped
            out.append("")
        else:
            out.append(indent + body + " ")
    return "\r\n".join(out) + "\r\n"


@pytest.mark.parametrize("seed", ALL_SEEDS)
def test_reflowed_whitespace_is_not_substantive(seed: str) -> None:
    text = read_seed(seed)
    assert reflow(text) != text
    report = compare(extract_text(text), extract_text(reflow(text)))
    assert not report.substantive, describe(report)
    assert not report.suspect, describe(report)


# -- only the revision date changed ------------------------------------------------------------


@pytest.mark.parametrize("seed", ["trengo-2024-privacy-policy.txt", "trueconf-2022-privacy-policy.txt"])
def test_changing_only_the_revision_date_is_not_substantive(seed: str) -> None:
    doc = seed_document(seed)
    found = [(si, bi, b) for si, bi, b in find_blocks(doc, REVISION_WORDING) if DATE.search(b.text)]
    if not found:  # the date may have been read as a heading
        assert any(REVISION_WORDING.search(s.heading) and DATE.search(s.heading) for s in doc.sections), (
            f"{seed}: no revision/effective date found"
        )
        pytest.fail(f"{seed}: the revision date was extracted as a heading, not a block")
    si, bi, block = found[0]
    old_date = DATE.search(block.text).group(0)  # type: ignore[union-attr]
    new_date = "12 September 2025" if old_date[0].isdigit() else "September 12, 2025"
    assert new_date != old_date
    report = compare(doc, replace_block(doc, si, bi, block.text.replace(old_date, new_date)))

    assert report.changes, "the date edit produced no change at all"
    assert not report.substantive, describe(report)
    assert report.categories == [], describe(report)


# -- two real versions -------------------------------------------------------------------------


def test_the_two_real_trengo_versions_differ_in_substance_in_several_categories() -> None:
    old = seed_document("trengo-older-privacy-statement.txt")
    new = seed_document("trengo-2024-privacy-policy.txt")
    report = compare(old, new)

    assert report.substantive, describe(report)
    assert not report.suspect, describe(report)
    assert report.severity is not None
    # The newer version states retention periods the older one never had, and moved the company
    # to another address; beyond those two, only "several" is asserted.
    assert {"retention", "contact"} <= set(report.categories), describe(report)
    assert len(report.categories) >= 3, describe(report)
    assert all(c.categories for c in report.substantive_changes), describe(report)
