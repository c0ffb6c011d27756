"""The diff engine: two Documents in, one DiffReport out.

Sections are aligned first (monitor.sections); only pairs whose words differ are diffed. Inside a
pair, words are mapped to single characters (diff-match-patch's line-mode trick applied to words)
so `diff_main` + `diff_cleanupSemantic` work on word sequences. Changed words are grouped with the
sentences they touch: sentences linked by an unchanged word or by one replace-hunk form one edit,
so `Change.before`/`after` always carry whole sentences. Each edit is then judged by
monitor.classify.
"""

from __future__ import annotations

from collections.abc import Container
from functools import cache

from monitor.category_decision import DECISION_LANGUAGE, Decision, Narrow, default_decision
from monitor.changes import Change, DiffReport, max_severity, severity_rank
from monitor.chrome import ChromeContext
from monitor.classify import Edit, Verdict, classify_edit
from monitor.diff_sides import (
    _groups,
    _is_lead_in,
    _join,
    _mostly,
    _novel_text,
    _prepare,
    _Side,
    _still_changed,
    _table_header,
)
from monitor.document import Document
from monitor.fact_diff import OtherFacts
from monitor.facts import Fact, extract_facts
from monitor.guard import capture_problem
from monitor.language import base_language, detect
from monitor.moves import pair_moved_passages
from monitor.sections import SectionPair, align_sections, heading_key
from monitor.version_text import VersionText, version_text
from monitor.veto import Veto, default_veto
from monitor.whole import EVERYTHING, Position, changed_in_document, completes_cut_capture, rewrite_summary


def _edits_for_pair(
    pair: SectionPair,
    old: _Side,
    new: _Side,
    old_doc: VersionText,
    new_doc: VersionText,
    vocabulary: frozenset[str],
    doc_changed: tuple[Container[Position], Container[Position]],
    doc_facts: tuple[OtherFacts, OtherFacts],
) -> list[tuple[Edit, Change]]:
    out: list[tuple[Edit, Change]] = []
    path = list((pair.new or pair.old).path)  # type: ignore[union-attr]
    old_path = list(pair.old.path) if pair.old is not None and pair.new is not None else None
    if old_path == path:
        old_path = None
    for g in _groups(old, new):
        # Only words that also differ in the whole-document reading are changed wording.
        layout_only = bool(g.removed or g.added)
        kept_r = [x for x in g.removed if (pair.old_index, x) in doc_changed[0]]
        kept_a = [y for y in g.added if (pair.new_index, y) in doc_changed[1]]
        layout_only = layout_only and not kept_r and not kept_a
        if not layout_only and (len(kept_r) < len(g.removed) or len(kept_a) < len(g.added)):
            # Sentences that joined the group only through words read in place elsewhere (a
            # section re-cut) are context, not the change: quoting them would blame unchanged text.
            g.old_sentences = _still_changed(old, g.old_sentences, g.removed, kept_r)
            g.new_sentences = _still_changed(new, g.new_sentences, g.added, kept_a)
        g.removed, g.added = kept_r, kept_a
        # Words in chrome blocks never make a change substantive; the change is still listed.
        wording = [x for x in g.removed if not old.in_chrome(x)], [y for y in g.added if not new.in_chrome(y)]
        chrome = bool(g.removed or g.added) and not wording[0] and not wording[1]
        before, before_spans = _join(old, g.old_sentences, g.removed)
        after, after_spans = _join(new, g.new_sentences, g.added)
        removed_set, added_set = set(g.removed), set(g.added)
        # A sentence edited in place (most of its words kept: "1 day" -> "2 days") is a change even
        # where a copy of either wording stands elsewhere, unless every copy is still there; a
        # passage replaced whole is a move when its text exists anywhere in the other version.
        sentence_words = sum(len(old.sentences[s].tokens) for s in g.old_sentences) + sum(
            len(new.sentences[s].tokens) for s in g.new_sentences
        )
        in_place = bool(g.removed and g.added) and 2 * (len(g.removed) + len(g.added)) < sentence_words

        # Sentences with changed words that do not exist anywhere in the other version.
        fresh_old = [
            s
            for s in g.old_sentences
            if any(t in removed_set for t in old.sentences[s].tokens)
            and not new_doc.holds(old.sentence_key(s), old_doc, in_place)
        ]
        fresh_new = [
            s
            for s in g.new_sentences
            if any(t in added_set for t in new.sentences[s].tokens)
            and not old_doc.holds(new.sentence_key(s), new_doc, in_place)
        ]
        # A whole sentence inserted or dropped inside a modified passage that the other version
        # states reworded elsewhere moved there ("on-line" -> "online", to the top of the next section).
        whole_moved = [
            s for s in fresh_old if _mostly(old.sentences[s].tokens, removed_set) and new_doc.reworded(old.sentence_key(s))
        ] + [
            s for s in fresh_new if _mostly(new.sentences[s].tokens, added_set) and old_doc.reworded(new.sentence_key(s))
        ]
        if not (before and after):
            whole_moved = []  # a passage wholly added or removed is paired with its move below
        relocated = (len(whole_moved) == len(fresh_old) + len(fresh_new)) or layout_only
        novel = None
        if not before:
            novel = _novel_text(new, fresh_new, old_doc)
        elif not after:
            novel = _novel_text(old, fresh_old, new_doc)
        lead_in = not relocated and not fresh_old and all(_is_lead_in(new, s, added_set) for s in fresh_new)
        if not chrome:
            # The classifier reads policy text only: chrome sentences and their words are left out.
            g.old_sentences = [s for s in g.old_sentences if not old.block_chrome[old.sentences[s].block]]
            g.new_sentences = [s for s in g.new_sentences if not new.block_chrome[new.sentences[s].block]]
            g.removed, g.added = wording
            fresh_old = [s for s in fresh_old if s in g.old_sentences]
            fresh_new = [s for s in fresh_new if s in g.new_sentences]
            if not before or not after:
                novel = _novel_text(new, fresh_new, old_doc) if not before else _novel_text(old, fresh_old, new_doc)
        edit = Edit(
            section=tuple(path),
            table_header=_table_header(old, g.old_sentences, new, g.new_sentences),
            before=_join(old, g.old_sentences, [])[0] if before else "",
            after=_join(new, g.new_sentences, [])[0] if after else "",
            removed=tuple(old.words[x] for x in g.removed),
            added=tuple(new.words[y] for y in g.added),
            relocated=relocated,
            lead_in=lead_in,
            renamed_throughout=all(old.words[x].key not in new_doc.words for x in g.removed),
            vocabulary=vocabulary,
            novel=novel,
            old_words=old_doc.words,
            old_version=old_doc,
            chrome=chrome,
            other_facts=doc_facts[1] if not before else doc_facts[0] if not after else None,
        )
        if pair.old is None:
            kind = "added"
        elif pair.new is None:
            kind = "removed"
        else:
            kind = "modified"
        change = Change(
            section=path,
            kind=kind,
            substantive=False,
            before=before,
            after=after,
            before_spans=before_spans,
            after_spans=after_spans,
            old_section=old_path,
        )
        out.append((edit, change))
    return out


def _whole_section_edit(
    pair: SectionPair,
    side: _Side,
    other_doc: VersionText,
    added: bool,
    vocabulary: frozenset[str],
    doc_changed: Container[Position],
    other_facts: OtherFacts,
) -> list[tuple[Edit, Change]]:
    """An added or removed section is one change; only its sentences not found elsewhere, and not
    read in the same place of the whole other document, count."""
    if not side.words:
        return []  # an empty heading is layout
    section = pair.new if added else pair.old
    index = pair.new_index if added else pair.old_index
    assert section is not None
    every = list(range(len(side.sentences)))
    text, _ = _join(side, every, [])
    fresh = [
        s
        for s in every
        if side.sentence_key(s) not in other_doc.keys
        and any((index, t) in doc_changed for t in side.sentences[s].tokens)
    ]
    wording = [s for s in fresh if not side.block_chrome[side.sentences[s].block]]
    chrome = bool(fresh) and not wording
    fresh = wording or fresh
    fresh_text, _ = _join(side, fresh, [])
    fresh_words = tuple(side.words[t] for s in fresh for t in side.sentences[s].tokens)
    heading = section.path[-1:] if section.path else ()
    full = (heading[0] + "\n" if heading else "") + text
    edit = Edit(
        section=tuple(section.path),
        before="" if added else fresh_text,
        after=fresh_text if added else "",
        removed=() if added else fresh_words,
        added=fresh_words if added else (),
        relocated=not fresh,
        vocabulary=vocabulary,
        novel=_novel_text(side, fresh, other_doc),
        old_words=other_doc.words if added else None,
        old_version=other_doc if added else None,
        chrome=chrome,
        other_facts=other_facts,
    )
    change = Change(
        section=list(section.path),
        kind="added" if added else "removed",
        substantive=False,
        before="" if added else full,
        after=full if added else "",
        before_spans=[] if added else [(0, len(full))],
        after_spans=[(0, len(full))] if added else [],
    )
    return [(edit, change)]


_LANGUAGE_SAMPLE = 1500  # characters of the changed clauses read to tell their language


def _classified(edits: list[Edit], veto: Veto | None, decision: Decision | None) -> list[Verdict]:
    """Each edit's verdict. With a decision, the rules' candidates of every substantive edit are
    read by the model first, the report's categories are decided once over all of them, and only
    the edits that name a category the report does not keep are classified again, narrowed.
    The decision speaks only for English clauses (monitor.language on the changed clauses): the
    clause model learned from English policies, and elsewhere its low probabilities would drop
    categories the rules found for good reason; there each change keeps its own veto."""
    if decision is None or veto is None:
        return [classify_edit(e, veto) for e in edits]
    first = [classify_edit(e) for e in edits]
    substantive = [v for v in first if v.substantive]
    sample = "\n".join(v.clause for v in substantive)[:_LANGUAGE_SAMPLE]
    if not substantive or base_language(detect(sample)) != DECISION_LANGUAGE:
        return [classify_edit(e, veto) if v.substantive else v for e, v in zip(edits, first, strict=True)]
    kept = decision.keep(
        substantive,
        [veto.probabilities(v.clause) for v in substantive],
        [veto.sentence_probabilities(v.clause) for v in substantive],
    )
    narrow = Narrow(frozenset(kept))
    return [
        classify_edit(e, narrow) if v.substantive and not set(v.candidates) <= kept else v
        for e, v in zip(edits, first, strict=True)
    ]


def _apply(change: Change, verdict: Verdict) -> Change:
    change.substantive = verdict.substantive
    change.categories = list(verdict.categories) if verdict.substantive else []
    change.severity = verdict.severity if verdict.substantive else None
    change.reason = verdict.reason
    return change


_COMPLETION_SUMMARY = "no substantive change: the previous capture was cut off and this one completes it"
_EMPTY_BEFORE_SUMMARY = "no substantive change: the previous capture was empty and this one holds the policy"


def _summary(
    report_changes: list[Change], categories: list[str], suspect_reason: str | None, rewrite: str | None = None
) -> str:
    if suspect_reason:
        return f"suspect capture: {suspect_reason}"
    n = sum(1 for c in report_changes if c.substantive)
    if n:
        line = f"{n} substantive change{'s' if n != 1 else ''}"
        line += f": {', '.join(categories)}" if categories else ""
        return f"{rewrite}. {line}" if rewrite else line
    if report_changes:
        k = len(report_changes)
        return f"no substantive change ({k} cosmetic change{'s' if k != 1 else ''})"
    return "no change"


def _facts_of(doc: Document) -> OtherFacts:
    """The named facts of a whole version, extracted on first use (only a passage stating a fact asks)."""

    @cache
    def facts() -> frozenset[Fact]:
        return extract_facts(doc.text)

    return facts


_SHIPPED = "shipped"


def compare(
    old: Document,
    new: Document,
    context: ChromeContext | None = None,
    veto: Veto | None | str = _SHIPPED,
    decision: Decision | None | str = _SHIPPED,
    *,
    completion: bool = True,
) -> DiffReport:
    """Compare two versions of a policy. Pure: no I/O, no clock.

    `context`: evidence about page chrome from outside the two versions (monitor.chrome).
    `veto`: the learned category veto (monitor.veto); by default the one shipped with the package,
    None for the vocabulary rules alone. `decision`: the report-level category decision
    (monitor.category_decision), by default the shipped one when there is a veto; with it the veto's
    model reads each changed clause and the decision, not the per-category thresholds, narrows.
    `completion`: whether a new capture that completes a cut-off (or empty) old one is read as no
    change. False when the recipients were told of the old version's loss (monitor.returns): what
    comes back is then a change like any other, classified on its own."""
    return compare_verdicts(old, new, context, veto, decision, completion=completion)[0]


def compare_verdicts(
    old: Document,
    new: Document,
    context: ChromeContext | None = None,
    veto: Veto | None | str = _SHIPPED,
    decision: Decision | None | str = _SHIPPED,
    *,
    completion: bool = True,
) -> tuple[DiffReport, list[Verdict]]:
    """`compare`, with the verdict behind each change that came from an edit (for tuning)."""
    if veto == _SHIPPED:
        veto = default_veto()
    if veto is None:
        decision = None  # the decision reads the veto's model
    elif decision == _SHIPPED:
        decision = default_decision()
    verdicts: list[Verdict] = []
    suspect_reason = capture_problem(new, old)
    if suspect_reason and new.is_empty():
        # Nothing was captured: listing every old sentence as removed would only bury the reason.
        return DiffReport(
            False,
            [],
            None,
            True,
            suspect_reason,
            [],
            _summary([], [], suspect_reason),
            old.word_count,
            new.word_count,
        ), verdicts
    pairs = align_sections(old.sections, new.sections)
    # Word-level sides only for sections that differ; the whole-document lookups come from the
    # cached block tokens, so an unchanged section costs one cache hit per block.
    old_sides: dict[int, _Side] = {}
    new_sides: dict[int, _Side] = {}
    for p in pairs:
        if p.old is not None and p.new is not None and p.old.blocks == p.new.blocks:
            continue
        if p.old is not None:
            old_sides[p.old_index] = _prepare(p.old, context)  # type: ignore[index]
        if p.new is not None:
            new_sides[p.new_index] = _prepare(p.new, context)  # type: ignore[index]
    old_doc = version_text(old)
    new_doc = version_text(new)
    vocabulary = old_doc.lower_words | new_doc.lower_words
    # The whole reading filters only where sections were re-cut; otherwise it is the section diffs.
    restructured = any(
        p.old is None or p.new is None or p.moved or heading_key(p.old.path) != heading_key(p.new.path)
        for p in pairs
    )
    doc_changed = changed_in_document(old, new) if restructured else (EVERYTHING, EVERYTHING)
    doc_facts = (_facts_of(old), _facts_of(new))

    changes: list[Change] = []
    edits: list[tuple[Edit, Change]] = []
    for p in pairs:
        o = old_sides.get(p.old_index) if p.old is not None else None  # type: ignore[arg-type]
        n = new_sides.get(p.new_index) if p.new is not None else None  # type: ignore[arg-type]
        if o is None and n is not None:
            found = _whole_section_edit(p, n, old_doc, True, vocabulary, doc_changed[1], doc_facts[0])
        elif n is None and o is not None:
            found = _whole_section_edit(p, o, new_doc, False, vocabulary, doc_changed[0], doc_facts[1])
        elif o is None and n is None:  # identical blocks: at most a move or a new heading
            same_words = True
            found = []
        else:
            assert o is not None and n is not None
            same_words = [w.key for w in o.words] == [w.key for w in n.words]
            found = [] if same_words else _edits_for_pair(
                p, o, n, old_doc, new_doc, vocabulary, doc_changed, doc_facts
            )
        if (
            p.old is not None
            and p.new is not None
            and (p.moved or (same_words and heading_key(p.old.path) != heading_key(p.new.path)))
        ):
            changes.append(
                Change(
                    section=list(p.new.path),
                    kind="moved" if p.moved else "modified",
                    substantive=False,
                    reason="section moved" if p.moved else "heading renamed",
                    before=p.old.heading if not p.moved else "",
                    after=p.new.heading if not p.moved else "",
                    old_section=list(p.old.path),
                )
            )
        edits.extend(found)

    moved = list(pair_moved_passages(edits))
    verdicts = _classified([e for e, _ in moved], veto, decision)  # type: ignore[arg-type]
    changes.extend(_apply(change, verdict) for (_, change), verdict in zip(moved, verdicts, strict=True))

    # An empty previous capture held no policy to compare with: the first real one is no change.
    completion = completion and suspect_reason is None and (
        old.is_empty()
        or completes_cut_capture(
            old, new, lambda: changed_in_document(old, new)[0] if not restructured else doc_changed[0]  # type: ignore[return-value]
        )
    )
    changed_words = sum(len(e.removed) + len(e.added) for e, _ in edits)
    share = changed_words / max(1, old.word_count + new.word_count)
    rewrite = None if suspect_reason or completion else rewrite_summary(old, new, share)
    if suspect_reason or completion:
        for c in changes:
            c.substantive, c.categories, c.severity = False, [], None
    # Substantive first, most severe first; otherwise document order (the sort is stable).
    changes.sort(key=lambda c: (not c.substantive, -severity_rank(c.severity)))
    substantive = [c for c in changes if c.substantive]
    categories = sorted({cat for c in substantive for cat in c.categories})
    return DiffReport(
        substantive=bool(substantive),
        categories=categories,
        severity=max_severity([c.severity for c in substantive]),
        suspect=suspect_reason is not None,
        suspect_reason=suspect_reason,
        changes=changes,
        summary=(_EMPTY_BEFORE_SUMMARY if old.is_empty() else _COMPLETION_SUMMARY) if completion else _summary(changes, categories, suspect_reason, rewrite),
        old_words=old.word_count,
        new_words=new.word_count,
    ), verdicts


def clear_caches() -> None:
    """Forget tokenized blocks, heading keys, vocabulary hits and facts (benchmarks time a cold comparison)."""
    from monitor import facts, sections, tokens, vocabulary

    tokens.clear_caches()
    sections.clear_caches()
    vocabulary.clear_caches()
    facts.clear_caches()
