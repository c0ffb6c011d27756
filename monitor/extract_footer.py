"""A site footer nested inside the policy's own last container, found by what it is.

Templates often put the site footer inside the same element as the policy's last section, where
rules by position (a `<footer>` outside the main content) and by name (class="footer") both miss
it, or would also hit the article's own footer. `strip_trailing_footer(root)` looks only at the
end of the content and removes trailing blocks while they read as site chrome, by evidence that
holds in any language and template:

- a run of navigation links: three or more links to the same site (relative addresses), making
  up most of the block's text, with only separators and a label between them (a sentence has
  words between its links);
- a language selector: two or more links marked with `hreflang`/`lang`, making up most of the text;
- a copyright line: a short block with "©" or "(c)"/"copyright" next to a year.

It stops at the first trailing block that is none of these (the policy's last paragraph), so a
contact address in the last section stays policy text, and nothing before the end is touched.
"""

from __future__ import annotations

import re

from monitor.document import clean_text
from monitor.extract_tree import Node as Tag
from monitor.extract_tree import decompose, find_first, get_text, iter_text_strings, tags_under

MAX_STEPS = 400  # each step removes a block or goes one level down: bounded by size and depth
MIN_NAV_LINKS = 3
MAX_COPYRIGHT_WORDS = 40
_COPYRIGHT = re.compile(r"©|\(c\)\s*(?:19|20)\d\d|\bcopyright\b\W{0,3}(?:©\s*)?(?:19|20)\d\d", re.IGNORECASE)
_BLOCKS = frozenset({"p", "div", "section", "article", "ul", "ol", "li", "table", "h1", "h2", "h3", "h4", "h5", "h6"})
_LEAF_BLOCKS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "table", "pre", "blockquote", "dt", "dd", "summary"}
)


def is_copyright_line(text: str) -> bool:
    text = clean_text(text)
    return bool(text) and len(text.split()) <= MAX_COPYRIGHT_WORDS and bool(_COPYRIGHT.search(text))


def _is_internal(href: str) -> bool:
    href = href.strip().lower()
    if href.startswith(("mailto:", "tel:", "#", "javascript:")):
        return False
    return not re.match(r"^[a-z][a-z0-9+.-]*:|^//", href)  # no scheme, no host: this site


def _links(tag: Tag) -> tuple[list[Tag], int]:
    """The links under `tag` that have text, and the characters of their (cleaned) text."""
    texts = [(a, clean_text(get_text(a, " "))) for a in tags_under(tag) if a.name == "a"]
    return [a for a, text in texts if text], sum(len(text) for _, text in texts)


def _outside_links(tag: Tag) -> list[str]:
    """The text runs of `tag` that are not inside a link (a link around `tag` does not count)."""
    runs: list[str] = []

    def visit(node: Tag, in_link: bool) -> None:
        for child in node.children:
            if type(child) is Tag:
                visit(child, in_link or child.name == "a")
            elif not in_link:
                text = clean_text(child)  # type: ignore[arg-type]
                if text:
                    runs.append(text)

    visit(tag, False)
    return runs


def _clean_text_unless_long(tag: Tag, max_chars: int) -> str | None:
    """`clean_text(get_text(tag, " "))`, or None once it is known to have more than
    `MAX_COPYRIGHT_WORDS` words and more than `max_chars` characters (the text of a whole policy
    need not be built to see that it is no footer). The cleaned text of strings joined by spaces is
    the non-empty cleaned strings joined by single spaces, so it is built piece by piece."""
    pieces: list[str] = []
    chars = words = 0
    for string in iter_text_strings(tag):
        piece = clean_text(string)
        if not piece:
            continue
        chars += len(piece) + (1 if pieces else 0)
        words += piece.count(" ") + 1
        pieces.append(piece)
        if words > MAX_COPYRIGHT_WORDS and chars > max_chars:
            return None
    return " ".join(pieces)


def is_footer_like(tag: Tag) -> bool:
    """Whether `tag` reads as site chrome by the evidence in the module docstring."""
    links, link_chars = _links(tag)
    text = _clean_text_unless_long(tag, 2 * link_chars)
    if text is None:
        return False  # too long for a copyright line, too little of it in links
    if not text:
        return True  # an empty wrapper left behind
    if is_copyright_line(text) and find_first(tag, _BLOCKS) is None:
        return True  # a line of its own (a container holding one is looked into instead)
    if not links:
        return False
    if link_chars < 0.5 * len(text):
        return False
    # Between footer links there are separators and a label or two; between a sentence's links, words.
    outside = [w for run in _outside_links(tag) for w in run.split() if any(c.isalnum() for c in w)]
    if len(outside) > max(1, len(links) // 2):
        return False
    languages = [a for a in links if a.get("hreflang") or a.get("lang")]
    if len(languages) >= 2:
        return True
    internal = [a for a in links if _is_internal(str(a.get("href") or ""))]
    return len(links) >= MIN_NAV_LINKS and len(internal) >= 2 / 3 * len(links)


def _last_child(node: Tag) -> int | None:
    """The index of the last child element or non-blank string of `node`."""
    for k in range(len(node.children) - 1, -1, -1):
        child = node.children[k]
        if type(child) is Tag or clean_text(child):  # type: ignore[arg-type]
            return k
    return None


def strip_trailing_footer(root: Tag) -> None:
    """Remove site-chrome blocks from the end of `root` (changes the tree)."""
    node = root
    for _ in range(MAX_STEPS):
        index = _last_child(node)
        if index is None:
            if node is root or node.parent is None:
                return
            parent = node.parent
            decompose(node)  # emptied by the removals below it
            node = parent
            continue
        last = node.children[index]
        if type(last) is not Tag:
            if is_copyright_line(last):  # type: ignore[arg-type]
                del node.children[index]
                continue
            return
        if is_footer_like(last):
            decompose(last)
            continue
        if last.name in _LEAF_BLOCKS or not any(type(c) is Tag for c in last.children):
            return
        node = last
