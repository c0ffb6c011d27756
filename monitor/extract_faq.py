"""Questions of FAQ-style policies: disclosure labels are headings, control buttons are chrome.

FAQ-style policies put their questions in `<summary>`, in accordion buttons (bare, or inside an
`<h3>`), or in `<dt>`. Those are the headings a reader sees. A `<button>` is chrome only when it is
a control ("Accept all", "Print this page", "Expand all answers"): a short command. It is content
when its text is a question, when it is the label of one disclosure panel (`aria-expanded` with a
single `aria-controls` target, or inside a heading), or when it is long text.

`mark_disclosures(scope)` runs before chrome removal: it marks disclosure labels with
`DISCLOSURE_ATTR` (the walker makes them headings one level under the last real heading), turns
content buttons into plain elements, and leaves control buttons to be dropped with the chrome.
"""

from __future__ import annotations

from monitor.document import clean_text
from monitor.extract_tree import Node as Tag
from monitor.extract_tree import find_parent, get_text, tags_under, unwrap

DISCLOSURE_ATTR = "data-pm-disclosure"
LONG_TEXT_WORDS = 6  # a command is a few words; a button with a sentence on it is content
MAX_LABEL_CHARS = 200
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def is_question(text: str) -> bool:
    """Ends with a question mark (Latin, full-width or Arabic)."""
    return text.rstrip().endswith(("?", "？", "؟"))


def _toggles_one_panel(button: Tag, ids: dict[str, Tag]) -> bool:
    if button.get("aria-expanded") is None:
        return False
    targets = str(button.get("aria-controls") or "").split()
    if len(targets) != 1:
        return False  # "Expand all" controls many panels (or says nothing about which)
    panel = ids.get(targets[0])
    return panel is not None and len(clean_text(get_text(panel, " ")).split()) >= LONG_TEXT_WORDS


def _is_control(text: str, in_heading: bool, toggles: bool) -> bool:
    if not text:
        return True
    if in_heading or toggles or is_question(text):
        return False
    return len(text.split()) < LONG_TEXT_WORDS


def mark_disclosures(scope: Tag) -> list[Tag]:
    """Mark disclosure labels and keep content buttons, inside `scope` (changes the tree).
    Returns the elements under `scope` afterwards, in document order (= `tags_under(scope)`, for
    the caller's next walk): the same as before but for the buttons unwrapped into their heading."""
    tags = tags_under(scope)
    unwrapped: set[int] = set()
    ids: dict[str, Tag] = {}  # one index, not a search of the page per button
    for tag in tags:
        key = tag.get("id")
        if isinstance(key, str) and key not in ids:
            ids[key] = tag
    for tag in tags:
        if tag.gone:
            continue
        if tag.name == "summary" or (tag.name == "dt" and is_question(clean_text(get_text(tag, " ")))):
            tag[DISCLOSURE_ATTR] = "1"
        elif tag.name == "button" and _button(tag, ids):
            unwrapped.add(id(tag))
    return [t for t in tags if id(t) not in unwrapped] if unwrapped else tags


def _button(button: Tag, ids: dict[str, Tag]) -> bool:
    """Keep a content button as content; True when it was unwrapped (its children took its place)."""
    text = clean_text(get_text(button, " "))
    heading = find_parent(button, _HEADINGS)
    toggles = _toggles_one_panel(button, ids)
    if _is_control(text, heading is not None, toggles):
        return False  # left for chrome removal
    if heading is not None:
        if toggles or button.get("aria-expanded") is not None:
            heading[DISCLOSURE_ATTR] = "1"
        unwrap(button)
        return True
    if (toggles or is_question(text)) and len(text) <= MAX_LABEL_CHARS:
        button.name = "summary"  # a disclosure label, read like <summary>
        button.attrs = {DISCLOSURE_ATTR: "1"}
    else:
        button.name = "span"  # long text on a button: ordinary inline text
        button.attrs = {}
    return False
