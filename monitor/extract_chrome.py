"""Page chrome in HTML: what is furniture around the policy text, and is removed before reading.

`strip_chrome(scope)` removes, inside `scope`: scripts, styles, forms, embedded media and controls;
navigation, dialogs and other chrome roles; hidden elements (unless they are collapsed policy text
or the wrapper that holds the whole page); page header/footer outside the main content; elements
whose id/class name them as cookie banners, newsletters and the like; and site-footer-like blocks
found by their shape (see `monitor.extract_footer`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from monitor.document import clean_text
from monitor.extract_bounds import Deadline
from monitor.extract_faq import mark_disclosures
from monitor.extract_tree import Node as Tag
from monitor.extract_tree import decompose, get_text, stripped_strings, text_strings, unwrap
from monitor.extract_tree import tags_under as tags_under

DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "svg",
    "button",
    "object",
    "embed",
    "canvas",
    "video",
    "audio",
    "map",
    "link",
    "meta",
    "input",
    "select",
    "textarea",
    "dialog",
    "nav",
    "aside",
    "menu",
)
_CHROME_ROLES = frozenset(
    {"navigation", "complementary", "dialog", "alertdialog", "search", "menu", "menubar", "toolbar"}
)
_PAGE_ROLES = frozenset({"banner", "contentinfo"})  # chrome only outside the main content
_CHROME_BY_NAME = frozenset({"header", "footer", "form"})  # chrome (or not) without any attribute
BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "center",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "caption",
    }
)
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# Words in id/class/aria-label that mark chrome on their own ...
_CHROME_WORDS = frozenset(
    {
        "onetrust",
        "cookiebot",
        "cookiebanner",
        "cookieconsent",
        "cookienotice",
        "cookiebar",
        "cookielaw",
        "cookiewall",
        "newsletter",
        "modal",
        "popup",
        "breadcrumb",
        "breadcrumbs",
        "skiplink",
        "skiplinks",
        "osano",
        "didomi",
        "usercentrics",
        "truste",
        "trustarc",
        "qc-cmp2",
        "cmp",
    }
)
# ... and words that mark chrome only next to a second word (a policy's own section may be id="cookies").
_CHROME_SUBJECTS = frozenset({"cookie", "cookies", "consent", "gdpr", "cc", "ot", "privacy", "skip", "share"})
_CHROME_SHAPES = frozenset(
    {
        "banner",
        "bar",
        "notice",
        "popup",
        "dialog",
        "modal",
        "overlay",
        "wall",
        "alert",
        "message",
        "prompt",
        "manager",
        "sdk",
        "window",
        "consent",
        "law",
        "box",
        "link",
        "links",
        "to",
        "buttons",
        "widget",
        "settings",
        "preferences",
    }
)


def _tokens(value: str) -> set[str]:
    value = re.sub(r"([a-z])([A-Z])", r"\1 \2", value)  # camelCase -> camel Case
    return {t for t in re.split(r"[^a-z0-9]+", value.lower()) if t}


def _hint_tokens(tag: Tag) -> set[str]:
    attrs = tag.attrs or {}
    classes = attrs.get("class") or []
    if isinstance(classes, str):
        classes = [classes]
    raw = " ".join([str(attrs.get("id") or ""), *classes, str(attrs.get("aria-label") or "")])
    tokens = _tokens(raw)
    # Joined forms catch "cookieBanner"/"cookie-banner"/"cookie_banner" alike.
    tokens |= {re.sub(r"[^a-z0-9]", "", c.lower()) for c in classes} | {
        re.sub(r"[^a-z0-9]", "", str(attrs.get("id") or "").lower())
    }
    return tokens


def _is_chrome_hint(tag: Tag) -> bool:
    attrs = tag.attrs
    if not (attrs.get("id") or attrs.get("class") or attrs.get("aria-label")):
        return False  # nothing to read (and the common case: most elements have neither)
    tokens = _hint_tokens(tag)
    if tokens & _CHROME_WORDS:
        return True
    return bool(tokens & _CHROME_SUBJECTS and tokens & _CHROME_SHAPES)


def _is_hidden(tag: Tag) -> bool:
    attrs = tag.attrs or {}
    if "hidden" in attrs:
        return True
    if str(attrs.get("aria-hidden", "")).strip().lower() == "true":
        return True
    return bool(_HIDDEN_STYLE.search(str(attrs.get("style") or "")))


def _is_collapsed_policy_text(tag: Tag) -> bool:
    """A hidden block of prose inside the main content is a collapsed accordion panel: policy text
    the reader opens with a click, not page furniture. Dropping it would lose whole sections."""
    return _in_main(tag) and not _is_chrome_hint(tag) and prose_len(tag) >= 200


PAGE_WRAPPER_SHARE = 0.6


def _is_page_wrapper(tag: Tag, total: Callable[[], int]) -> bool:
    """A hidden marker on an element that holds the page itself (most of the page's text) is a
    rendering state: an app root hidden from screen readers while a dialog is
    open, a scroll container a script un-hides on load. Everyone sees that content: keep it.
    Chrome stays chrome (a hidden cookie dialog holding a long cookie text is still a dialog)."""
    if _is_chrome_hint(tag) or str(tag.get("role") or "").lower() in _CHROME_ROLES:
        return False
    # Most of the text, so that a hidden second copy of the policy (a print or mobile version
    # next to the visible one, half of the text) is still dropped; or the page's only main landmark
    # (a long consent dialog outside the wrapper may hold much of the text).
    if text_len(tag) >= PAGE_WRAPPER_SHARE * total():
        return True
    if not any(d.name in ("main", "article") for d in tags_under(tag)):
        return False
    root = next((p for p in tag.parents if p.parent is None), tag)
    landmarks = (d for d in tags_under(root) if d.name in ("main", "article"))
    return all(_within(m, tag) for m in landmarks)


def _within(inner: Tag, outer: Tag) -> bool:
    return any(p is outer for p in inner.parents)


def _in_main(tag: Tag) -> bool:
    return any(p.name in ("main", "article") or p.get("role") == "main" for p in tag.parents)


def _holds_main(tag: Tag) -> bool:
    return tag.name in ("main", "article") or any(d.name in ("main", "article") for d in tags_under(tag))


def text_len(tag: Tag) -> int:
    return len(clean_text(get_text(tag, " ")))


PROSE_WORDS = 6


def is_prose(text: str) -> bool:
    """Whether `text` has `PROSE_WORDS` words or more (words as `str.split` finds them). Only
    that many words are cut out, not all of them: a long paragraph costs no more than a short one."""
    return len(text.split(maxsplit=PROSE_WORDS - 1)) == PROSE_WORDS


def prose_len(tag: Tag) -> int:
    """Characters of prose-like text (runs of six words or more): menus and link lists score ~0."""
    return sum(len(s) for s in stripped_strings(tag) if is_prose(s))


class _TextLength:
    """`max(text_len(scope), 1)` for `scope` as it is when this is made, computed on first call.

    Most pages never need it (only hidden elements, forms and chrome-named elements are weighed
    against the page), and cleaning the whole page's text costs about as much as the rest of
    `strip_chrome`. The page's strings are kept (not the tree, which `strip_chrome` changes), so
    a late answer is the one an early computation would have given."""

    def __init__(self, scope: Tag) -> None:
        self._strings = text_strings(scope)  # what get_text(scope, " ") joins
        self._value: int | None = None

    def __call__(self) -> int:
        if self._value is None:
            self._value = max(len(clean_text(" ".join(self._strings))), 1)
        return self._value


def strip_chrome(scope: Tag, deadline: Deadline | None = None) -> None:
    """Remove everything that is page furniture rather than policy text, inside `scope`."""
    # Comments, CDATA, the doctype and processing instructions are not in the tree (monitor.extract_tree).
    tags = mark_disclosures(scope)  # FAQ questions on buttons are content; control buttons stay chrome
    for tag in tags:
        if tag.name in DROP_TAGS and not tag.gone:
            decompose(tag)
    tags = [t for t in tags if not t.gone]  # what is left of the page, still in document order
    total = _TextLength(scope)
    for tag in tags:
        if deadline is not None:
            deadline.check()
        if tag.gone or (not tag.attrs and tag.name not in _CHROME_BY_NAME):
            continue  # the other rules all read an attribute (role, hidden, style, id, class, href)
        role = str(tag.get("role") or "").lower()
        if (
            _is_hidden(tag) and not _is_collapsed_policy_text(tag) and not _is_page_wrapper(tag, total)
        ) or role in _CHROME_ROLES:
            decompose(tag)
        elif tag.name in ("header", "footer") or role in _PAGE_ROLES:
            if not _in_main(tag) and not _holds_main(tag):
                decompose(tag)
        elif tag.name == "form":
            # Some frameworks wrap the whole page in one <form>: keep its content, drop real forms.
            if _holds_main(tag) or text_len(tag) > 0.4 * total():
                unwrap(tag)
            else:
                decompose(tag)
        elif _is_skip_link(tag) or (
            _is_chrome_hint(tag) and not _holds_main(tag) and text_len(tag) < 0.5 * total()
        ):
            decompose(tag)


def _is_skip_link(tag: Tag) -> bool:
    if tag.name != "a" or not str(tag.get("href") or "").startswith("#"):
        return False
    text = clean_text(get_text(tag, " ")).lower()
    return text.startswith(("skip to", "skip navigation", "jump to content", "back to top"))
