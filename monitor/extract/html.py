"""HTML -> `Document`.

lxml's parser builds a small `Node` tree (`monitor.extract_tree`); page chrome is removed from
it (`monitor.extract_chrome`, `monitor.extract_faq`, `monitor.extract_footer`), the element(s)
holding the policy are found (`<main>`/`<article>` landmarks, else the element holding nearly all
the prose), and `_HtmlWalker` reads them in order, emitting heading and block events.

A watch's `select`/`remove` CSS selectors are matched by soupsieve on a BeautifulSoup tree of the same
page (only for a watch that has them): both trees come from the same parser events, so the n-th
element of one is the n-th element of the other.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from monitor.document import Document, clean_text
from monitor.extract.common import (
    BOLD_LEVEL,
    Event,
    ExtractError,
    bold_may_be_heading,
    build,
    decode_cf_email,
    format_link,
    split_title,
)
from monitor.extract_bounds import TIME_BUDGET, Deadline
from monitor.extract_chrome import BLOCK_TAGS, HEADINGS, is_prose, strip_chrome
from monitor.extract_faq import DISCLOSURE_ATTR
from monitor.extract_footer import strip_trailing_footer
from monitor.extract_tree import (
    Node,
    child_tags,
    decompose,
    find_first,
    find_parent,
    get_text,
    parse_html,
    tags_under,
)

_LISTS = frozenset({"ul", "ol"})
_LAYOUT_MARKERS = frozenset({"table", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "p"})
DOCUMENT_SHARE = 0.15  # a landmark with this share of the page's prose is a document of its own
TITLE_LEVEL_ATTR = "data-pm-level"
_VISIBLE = re.compile(r"[^\s\u200b\u200c\u200d\ufeff]")  # a character clean_text keeps


# ---------------------------------------------------------------------------------------------------
# CSS selectors (a watch's `select` / `remove`)
# ---------------------------------------------------------------------------------------------------


class _Selection:
    """soupsieve's CSS selectors over a BeautifulSoup twin of the `Node` tree (see the module
    docstring). Removals are applied to both trees so later selectors see the page as it is."""

    def __init__(self, html: str, root: Node) -> None:
        from monitor.extract_bounds import BoundedSoup  # BeautifulSoup: only for watches with selectors

        self.soup = BoundedSoup(html)
        tags = self.soup.find_all(True)
        nodes = tags_under(root)
        if len(tags) != len(nodes) or any(t.name != n.name for t, n in zip(tags, nodes, strict=False)):
            raise ExtractError("the page reads differently to the CSS selector engine; cannot apply selectors")
        self.nodes: dict[int, tuple[Any, Node]] = {id(t): (t, n) for t, n in zip(tags, nodes, strict=True)}

    def select(self, selector: str) -> list[tuple[Any, Node]]:
        try:
            found = self.soup.select(selector)
        except Exception as exc:  # soupsieve raises its own SelectorSyntaxError
            raise ExtractError(f"invalid CSS selector {selector!r}: {exc}") from exc
        return [self.nodes[id(t)] for t in found]

    def remove(self, selector: str) -> None:
        from monitor.extract_bounds import is_gone

        for tag, node in self.select(selector):
            if not is_gone(tag):
                tag.decompose()
            if not node.gone:
                decompose(node)


def _selected_roots(root: Node, selection: _Selection, select: list[str]) -> list[Node]:
    found: list[Node] = []
    for selector in select:
        found.extend(node for _, node in selection.select(selector))
    if not found:
        raise ExtractError(f"the select selectors {select!r} match nothing on the page")
    ids = {id(t) for t in found}
    roots: list[Node] = []
    seen: set[int] = set()
    for tag in tags_under(root):  # document order; a match inside another match is not repeated
        if id(tag) in ids and id(tag) not in seen and not any(id(p) in ids for p in tag.parents):
            roots.append(tag)
            seen.add(id(tag))
    return roots


# ---------------------------------------------------------------------------------------------------
# Where the policy is
# ---------------------------------------------------------------------------------------------------


def _prose_lengths(scope: Node, tags: list[Node] | None = None) -> dict[int, int]:
    """`prose_len` (monitor.extract_chrome) of every element under `scope`, by id, in one pass:
    each string counts towards its parent, each element passes its sum up, so the cost is linear
    in the size of the page whatever its depth (the tree is at most `MAX_DEPTH` deep). `tags`, when
    given, gets every element under `scope` in document order (= `tags_under`) from the same walk."""
    sizes: dict[int, int] = {}
    listed = tags if tags is not None else []

    def visit(node: Node) -> int:
        total = 0
        for child in node.children:
            if type(child) is Node:
                listed.append(child)
                if child.children:
                    total += visit(child)
            elif is_prose(child):  # type: ignore[arg-type]
                total += len(child.strip())
        if total:
            sizes[id(node)] = total
        return total

    visit(scope)
    return sizes


def _main_roots(body: Node) -> list[Node]:
    """The element(s) holding the policy text, in document order.

    A `<main>` (or role=main), else an `<article>`, holding enough of the prose. A page with several
    such landmarks side by side (a "Legal" page with terms, privacy and copyright, one `<article>`
    each) is read whole, from the element holding them all: choosing the largest would make the
    watch jump from one document to another when their sizes change, and the documents' own
    headings keep them apart in the section paths.
    """
    tags: list[Node] = []
    sizes = _prose_lengths(body, tags)

    def prose(tag: Node) -> int:
        return sizes.get(id(tag), 0)

    total = prose(body)
    candidates = [t for t in tags if t.name == "main"] + [t for t in tags if t.attrs.get("role") == "main"]
    if not candidates:
        candidates = [t for t in tags if t.name == "article"]
    if candidates:
        ids = {id(c) for c in candidates}
        # Document order, each once (<main role="main"> is found twice), nested ones inside theirs.
        outermost = [t for t in tags if id(t) in ids and not any(id(p) in ids for p in t.parents)]
        documents = [c for c in outermost if total and prose(c) >= DOCUMENT_SHARE * total]
        if len(documents) >= 2:
            for document in outermost:
                _raise_document_title(document)
            return [_common_ancestor(documents)]  # with any smaller document and intro between
        best = max(candidates, key=prose)
        if total == 0 or prose(best) >= 0.3 * total:
            return [best]
    return [_descend(body, prose)]


def _raise_document_title(document: Node) -> None:
    """One of several documents on a page: its first heading is its title, so it must sit above the
    document's other headings, or its sections would not be under it in the paths (templates often
    give the title and the sections the same tag)."""
    headings = [t for t in tags_under(document) if t.name in HEADINGS and clean_text(get_text(t, " "))]
    if len(headings) < 2:
        return
    title_level = int(headings[0].name[1])
    top = min(int(h.name[1]) for h in headings[1:])
    if title_level >= top:
        headings[0][TITLE_LEVEL_ATTR] = str(top - 1)  # may be 0: above every h1


def _common_ancestor(tags: list[Node]) -> Node:
    """The innermost element holding all of `tags` (at least one tag)."""
    chain = [tags[0], *tags[0].parents]
    ids = [{id(t), *(id(p) for p in t.parents)} for t in tags[1:]]
    for node in chain:
        if all(id(node) in s for s in ids):
            return node
    return chain[-1]


def _descend(body: Node, prose: Callable[[Node], int]) -> Node:
    # No usable landmark: descend while one child holds nearly all of the prose.
    node = body
    while True:
        children = child_tags(node)
        if not children:
            return node
        here = prose(node)
        best = max(children, key=prose)
        if here == 0 or prose(best) < 0.85 * here:
            return node
        node = best


def _page_title(root: Node) -> str:
    title_tag = find_first(root, "title")
    if title_tag is None:
        return ""
    title = clean_text(get_text(title_tag, " "))
    # "Privacy Policy | Acme - widgets for all": the site name part is chrome.
    return re.split(r"\s+[|–—·]\s+|\s+-\s+", title)[0].strip()


# ---------------------------------------------------------------------------------------------------
# Reading the content
# ---------------------------------------------------------------------------------------------------


def _has_block(tag: Node) -> bool:
    return find_first(tag, BLOCK_TAGS) is not None


class _HtmlWalker:
    """Walks the content in reading order and emits heading and block events."""

    def __init__(self, deadline: Deadline | None = None) -> None:
        self.events: list[Event] = []
        self.deadline = deadline
        self.base_level = 0  # level of the last real heading: disclosure labels go one under it

    # -- inline text ------------------------------------------------------------------------------
    def inline(self, node: Node, links: bool = True) -> str:
        parts: list[str] = []
        for child in node.children:
            if type(child) is Node:
                parts.append(self._inline_tag(child, links))
            else:
                parts.append(child)  # type: ignore[arg-type]
        return "".join(parts)

    def _inline_tag(self, tag: Node, links: bool) -> str:
        name = tag.name
        if name in ("br", "hr", "wbr"):
            return " " if name != "wbr" else ""
        if name in ("img", "picture", "source"):
            return ""
        cfemail = tag.attrs.get("data-cfemail")
        if cfemail is not None:
            email = decode_cf_email(str(cfemail))
            if email:
                return email
        if name == "a":
            text = self.inline(tag, links=False)
            return format_link(text, tag.attrs.get("href")) if links else text
        text = self.inline(tag, links)
        return f" {text} " if name in BLOCK_TAGS else text

    # -- blocks -----------------------------------------------------------------------------------
    def emit(self, kind: str, text: str, level: int = 0) -> None:
        """An event for `text` unless it reads as nothing. The text is kept as read: the builder
        cleans it (`build`), and cleaning it here as well would clean every block twice."""
        if _VISIBLE.search(text):  # what clean_text(text) would not make empty
            self.events.append((kind, text, level))

    def container(self, node: Node) -> None:
        if self.deadline is not None:
            self.deadline.check()
        run: list[Node | str] = []
        for child in list(node.children):
            if type(child) is Node and (child.name in BLOCK_TAGS or _has_block(child)):
                self._flush_run(run)
                run = []
                self.block(child)
            else:
                run.append(child)
        self._flush_run(run)

    def _flush_run(self, run: list[Node | str]) -> None:
        if not run:
            return
        if len(run) == 1:  # most runs: one string (or one inline element) between two blocks
            only = run[0]
            if type(only) is not Node and only.isspace():  # type: ignore[union-attr]
                return  # the white space between two blocks: it reads as nothing
        elif all(type(n) is not Node and n.isspace() for n in run):  # type: ignore[union-attr]
            return
        heading = _bold_heading(run)
        if heading:
            self.emit("h", heading, BOLD_LEVEL)
            return
        text = "".join(self._inline_tag(n, links=True) if type(n) is Node else n for n in run)  # type: ignore[misc]
        self.emit("p", text)

    def block(self, tag: Node) -> None:
        name = tag.name
        if tag.attrs.get(DISCLOSURE_ATTR) is not None and not _has_block(tag):
            # A FAQ question (<summary>, accordion button, question <dt>): a heading under the last
            # real one, whatever tag level the template gave it, so its peers nest alike.
            self.emit("h", self.inline(tag, links=False), self.base_level + 1)
        elif name in HEADINGS:
            text = self.inline(tag, links=False)
            level = int(str(tag.attrs.get(TITLE_LEVEL_ATTR) or name[1]))
            if clean_text(text):
                self.base_level = level
            self.emit("h", text, level)
        elif name in ("ul", "ol"):
            self.list(tag, 0)
        elif name == "li":  # a stray item outside a list
            self.item(tag, 0)
        elif name == "table":
            self.table(tag)
        elif name == "pre":
            self.emit("p", get_text(tag, " "))
        elif name in ("hr",):
            return
        else:  # p, div, section, dl/dt/dd, blockquote, figure, header/footer kept inside main, ...
            self.container(tag)

    def list(self, tag: Node, level: int) -> None:
        for child in tag.children:
            if type(child) is not Node:
                self.emit("li", child, level)  # type: ignore[arg-type]
            elif child.name == "li":
                self.item(child, level)
            elif child.name in ("ul", "ol"):
                self.list(child, level + 1)
            else:
                self.item(child, level)

    def item(self, tag: Node, level: int) -> None:
        nested: list[Node] = []
        parts: list[str] = []
        for child in tag.children:
            if type(child) is not Node:
                parts.append(child)  # type: ignore[arg-type]
            elif child.name in ("ul", "ol", "table"):
                nested.append(child)
            elif child.name in BLOCK_TAGS and find_first(child, _LISTS) is not None:
                parts.append(self._inline_skipping_lists(child, nested))
            else:
                parts.append(self._inline_tag(child, links=True))
        self.emit("li", " ".join(parts), level)
        for sub in nested:
            if sub.name == "table":
                self.table(sub)
            else:
                self.list(sub, level + 1)

    def _inline_skipping_lists(self, node: Node, nested: list[Node]) -> str:
        parts: list[str] = []
        for child in node.children:
            if type(child) is not Node:
                parts.append(child)  # type: ignore[arg-type]
            elif child.name in ("ul", "ol", "table"):
                nested.append(child)
            elif find_first(child, _LISTS) is not None:
                parts.append(self._inline_skipping_lists(child, nested))
            else:
                parts.append(" " + self._inline_tag(child, links=True) + " ")
        return " ".join(parts)

    def table(self, table: Node) -> None:
        rows = [tr for tr in tags_under(table) if tr.name == "tr" and find_parent(tr, "table") is table]
        layout = find_first(table, _LAYOUT_MARKERS) is not None and len(rows) <= 3
        if layout:  # a table used for page layout: its cells are ordinary content
            for tr in rows:
                for cell in child_tags(tr, ("td", "th")):
                    self.container(cell)
            return
        caption = find_first(table, "caption")
        if caption is not None:
            self.emit("p", self.inline(caption))
        for tr in rows:
            cells = [clean_text(self.inline(c)) for c in child_tags(tr, ("td", "th"))]
            if any(cells):
                self.emit("row", " | ".join(cells))


def _bold_heading(run: list[Node | str]) -> str | None:
    """The text of a short run that is entirely bold/strong (a heading in disguise), else None."""
    if any(type(n) is not Node and _VISIBLE.search(n) for n in run):  # type: ignore[arg-type]
        return None  # text outside any bold element (the loop below would say so after more work)
    text = clean_text("".join(get_text(n, " ") if type(n) is Node else n for n in run))  # type: ignore[misc]
    if not bold_may_be_heading(text):
        return None
    bold: list[str] = []
    for node in run:
        if type(node) is Node:
            if node.name in ("b", "strong"):
                bold.append(get_text(node, " "))
            elif node.name == "p" or (len(run) == 1 and node.name in ("span", "div", "font")):
                inner = _bold_heading(node.children)
                if inner is None:
                    return None
                bold.append(inner)
            elif clean_text(get_text(node, " ")):
                return None
        elif clean_text(node):  # type: ignore[arg-type]
            return None
    return text if clean_text(" ".join(bold)) == text else None


def extract_html(
    html: str,
    *,
    select: list[str] | None = None,
    remove: list[str] | None = None,
    time_budget: float | None = TIME_BUDGET,
) -> Document:
    """HTML -> Document. Raises ExtractError for a bad selector, or when reading the page takes
    longer than `time_budget` seconds (None: no limit); nesting depth is bounded while parsing."""
    deadline = Deadline(time_budget, ExtractError)
    root = parse_html(html)
    page_title = _page_title(root)
    selection = _Selection(html, root) if select or remove else None
    for selector in remove or []:
        selection.remove(selector)  # type: ignore[union-attr]
    if select:
        roots = _selected_roots(root, selection, select)  # type: ignore[arg-type]
        for content in roots:
            strip_chrome(content, deadline)
    else:
        strip_chrome(find_first(root, "body") or root, deadline)
        roots = _main_roots(find_first(root, "body") or root)
    if roots:
        strip_trailing_footer(roots[-1])  # a site footer inside the policy's last container
    walker = _HtmlWalker(deadline)
    for content in roots:
        if content.name in HEADINGS or content.name in ("ul", "ol", "table", "li"):
            walker.block(content)
        else:
            walker.container(content)
    title, events = split_title(walker.events)
    return build(events, title or page_title)
