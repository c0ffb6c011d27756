"""Section alignment: renamed, moved, split, merged, added and removed sections."""

from monitor.document import Block, Section
from monitor.sections import align_sections, heading_key


def sec(heading: str, *texts: str) -> Section:
    return Section((heading,), tuple(Block("p", t) for t in texts))


A = sec("What we collect", "We collect your name and delivery address when you order from Quillby.")
B = sec("How long we keep it", "Quillby keeps order records for six years after the last purchase.")
C = sec("Your rights", "You may ask Quillby for a copy of your data or for its deletion at any time.")
D = sec("Contact", "Write to Quillby Ltd, 4 Mill Lane, Eastbury.")


def pairs_by_new_heading(pairs):
    return {p.new.heading if p.new else None: p for p in pairs}


def test_identical_documents_align_one_to_one_in_order():
    pairs = align_sections([A, B, C], [A, B, C])
    assert [(p.old_index, p.new_index, p.moved) for p in pairs] == [
        (0, 0, False),
        (1, 1, False),
        (2, 2, False),
    ]


def test_renamed_section_matches_by_content():
    renamed = sec("Data retention", *[b.text for b in B.blocks])
    pairs = align_sections([A, B, C], [A, renamed, C])
    p = pairs_by_new_heading(pairs)["Data retention"]
    assert p.old is B and p.renamed and not p.moved


def test_numbering_and_case_do_not_rename():
    assert heading_key(("3. Your Rights",)) == heading_key(("your rights",))


def test_moved_section_is_marked_moved_and_others_are_not():
    pairs = align_sections([A, B, C, D], [A, C, D, B])
    moved = [p.new.heading for p in pairs if p.moved]
    assert moved == ["How long we keep it"]
    assert all(p.old is not None and p.new is not None for p in pairs)


def test_added_and_removed_sections():
    pairs = align_sections([A, B, D], [A, C, D])
    kinds = [(p.old.heading if p.old else None, p.new.heading if p.new else None) for p in pairs]
    assert ("How long we keep it", None) in kinds
    assert (None, "Your rights") in kinds
    assert kinds[0] == ("What we collect", "What we collect") and kinds[-1] == ("Contact", "Contact")


def test_edited_section_under_same_heading_still_matches():
    edited = sec("How long we keep it", "Quillby keeps order records for ten years after the last purchase.")
    p = pairs_by_new_heading(align_sections([A, B], [A, edited]))["How long we keep it"]
    assert p.old is B


def test_split_section_keeps_heading_match_and_adds_the_rest():
    merged = sec("Your data", A.blocks[0].text, B.blocks[0].text)
    first = sec("Your data", A.blocks[0].text)
    second = sec("Keeping it", B.blocks[0].text)
    pairs = align_sections([merged], [first, second])
    assert pairs[0].old is merged and pairs[0].new is first
    assert pairs[1].old is None and pairs[1].new is second


def test_similar_content_under_new_heading_matches():
    old = sec(
        "Sharing", "We share order data with Parcelly GmbH to deliver parcels and with Paynook for payments."
    )
    new = sec(
        "Recipients",
        "We share order data with Parcelly GmbH to deliver parcels and with Paynook Inc. for payments.",
    )
    pairs = align_sections([A, old], [A, new])
    assert pairs_by_new_heading(pairs)["Recipients"].old is old


def test_many_sections_align_without_quadratic_blowup():
    old = [sec(f"Part {i}", f"Clause {i} of the Quillby notice covers topic number {i}.") for i in range(800)]
    new = list(reversed(old))
    pairs = align_sections(old, new)
    assert len(pairs) == 800 and all(p.old is p.new for p in pairs)
