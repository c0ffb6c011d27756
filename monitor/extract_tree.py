"""HTML as a small tree of `Node`s, built straight from lxml's parser (libxml2).

lxml parses in C and reports start tags, end tags and text to `_Builder` (lxml's parser-target
interface); the builder keeps only what extraction reads: element names, attributes, children
(elements and strings) and the parent. It replaces BeautifulSoup on the hot path, and is built to
give the same tree BeautifulSoup's lxml builder gave, so the extracted Documents stay the same:

- the same parser events in the same order (libxml2's HTML parser, recover mode);
- every text run between two tags is one string; strings stay separate when a tag between them
  is removed (word boundaries do not move), and whitespace-only runs outside `<pre>`/`<textarea>`
  become " " or "\\n";
- text inside `<script>`, `<style>`, `<template>`, `<rt>`, `<rp>` is a `str` subclass that
  `get_text` of an outer element skips (as BeautifulSoup's string containers did);
- comments, processing instructions and the doctype end a text run and are not kept (extraction
  removed them anyway);
- `class` (and the other attributes BeautifulSoup reads as lists) is a list of names; other
  attributes are strings;
- nesting is bounded while parsing, as `monitor.extract_bounds` describes: past `WRAPPER_DEPTH`
  generic wrappers are not made into elements, past `MAX_DEPTH` no element is.

Shapes: `parse_html(str) -> Node` (the document node, named "[document]"). Never raises on bad
markup (libxml2 recovers); an empty or blank page is a document node without children.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from lxml import etree

from monitor.extract_bounds import MAX_DEPTH, WRAPPER_DEPTH

ROOT_NAME = "[document]"


class HiddenText(str):
    """Text inside a string-container element (script, style, template, rt, rp)."""

    __slots__ = ()


class ScriptText(HiddenText):
    __slots__ = ()


class StyleText(HiddenText):
    __slots__ = ()


class TemplateText(HiddenText):
    __slots__ = ()


class RubyText(HiddenText):
    __slots__ = ()


class RubyParenText(HiddenText):
    __slots__ = ()


_CONTAINERS: dict[str, type[str]] = {
    "script": ScriptText,
    "style": StyleText,
    "template": TemplateText,
    "rt": RubyText,
    "rp": RubyParenText,
}
_PRESERVE_WHITESPACE = frozenset({"pre", "textarea"})
_ASCII_SPACES = "\x20\x0a\x09\x0c\x0d"
# Attributes holding a list of names (BeautifulSoup's HTML table); extraction reads `class`.
_LIST_ATTRS = frozenset({"class", "accesskey", "dropzone"})
_TAG_LIST_ATTRS = {
    tag: _LIST_ATTRS | names
    for tag, names in {
        "a": {"rel", "rev"},
        "link": {"rel", "rev"},
        "td": {"headers"},
        "th": {"headers"},
        "form": {"accept-charset"},
        "object": {"archive"},
        "area": {"rel"},
        "icon": {"sizes"},
        "iframe": {"sandbox"},
        "output": {"for"},
    }.items()
}
_WRAPPERS = frozenset({"div", "span", "section", "font", "center", "small", "big", "o:p"})
_MEANINGFUL_ATTRS = ("role", "hidden", "aria-hidden", "style")


class Node:
    """One element. `children` holds `Node`s and strings in document order; `gone` is True once
    the element (or an element around it) was removed with `decompose`."""

    __slots__ = ("name", "attrs", "children", "parent", "gone", "text_type")

    def __init__(self, name: str, attrs: dict[str, Any], parent: Node | None) -> None:
        self.name = name
        self.attrs = attrs
        self.children: list[Node | str] = []
        self.parent = parent
        self.gone = False
        # The strings `get_text` reads: plain ones, or a string container's own (fixed at parse).
        self.text_type: type[str] = _CONTAINERS.get(name, str)

    def get(self, key: str, default: Any = None) -> Any:
        return self.attrs.get(key, default)

    def __getitem__(self, key: str) -> Any:
        return self.attrs[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.attrs[key] = value

    def __repr__(self) -> str:
        return f"<Node {self.name} {len(self.children)} children>"

    @property
    def parents(self) -> Iterator[Node]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


# ---------------------------------------------------------------------------------------------------
# Reading the tree
# ---------------------------------------------------------------------------------------------------


def descendants(scope: Node) -> Iterator[Node | str]:
    """Elements and strings under `scope` (not `scope` itself), in document order."""
    stack: list[Iterator[Node | str]] = [iter(scope.children)]
    while stack:
        for child in stack[-1]:
            yield child
            if type(child) is Node and child.children:
                stack.append(iter(child.children))
                break
        else:
            stack.pop()


def tags_under(scope: Node) -> list[Node]:
    """The elements under `scope` in document order (a list: callers change the tree)."""
    out: list[Node] = []
    _collect(scope, out)
    return out


def _collect(node: Node, out: list[Node]) -> None:
    for child in node.children:
        if type(child) is Node:
            out.append(child)
            if child.children:
                _collect(child, out)


def strings(scope: Node) -> Iterator[str]:
    """Every string under `scope`, of any kind, in document order."""
    for item in descendants(scope):
        if type(item) is not Node:
            yield item  # type: ignore[misc]


def _gather(node: Node, want: type[str], out: list[str]) -> None:
    for child in node.children:
        if type(child) is Node:
            if child.children:
                _gather(child, want, out)
        elif type(child) is want:
            out.append(child)  # type: ignore[arg-type]


def text_strings(scope: Node) -> list[str]:
    """The strings `get_text` joins: those of `scope`'s own kind (plain text for most elements)."""
    out: list[str] = []
    _gather(scope, scope.text_type, out)
    return out


def iter_text_strings(scope: Node) -> Iterator[str]:
    """`text_strings`, one at a time."""
    want = scope.text_type
    return (s for s in strings(scope) if type(s) is want)


def get_text(scope: Node, separator: str = "") -> str:
    return separator.join(text_strings(scope))


def stripped_strings(scope: Node) -> list[str]:
    return [t for t in (s.strip() for s in text_strings(scope)) if t]


def _names(names: Iterable[str] | str) -> frozenset[str] | set[str]:
    if isinstance(names, (set, frozenset)):
        return names
    return frozenset((names,)) if isinstance(names, str) else frozenset(names)


def find_first(scope: Node, names: Iterable[str] | str) -> Node | None:
    """The first element under `scope` (document order) whose name is in `names`."""
    return _find_first(scope, _names(names))


def _find_first(scope: Node, wanted: frozenset[str] | set[str]) -> Node | None:
    for child in scope.children:
        if type(child) is Node:
            if child.name in wanted:
                return child
            if child.children:
                found = _find_first(child, wanted)
                if found is not None:
                    return found
    return None


def find_all(scope: Node, names: Iterable[str] | str) -> list[Node]:
    wanted = _names(names)
    return [t for t in tags_under(scope) if t.name in wanted]


def has_descendant(scope: Node, names: frozenset[str] | set[str]) -> bool:
    return find_first(scope, names) is not None


def child_tags(node: Node, names: Iterable[str] | None = None) -> list[Node]:
    wanted = None if names is None else set(names)
    return [c for c in node.children if type(c) is Node and (wanted is None or c.name in wanted)]


def find_parent(node: Node, names: Iterable[str] | str) -> Node | None:
    wanted = _names(names)
    for parent in node.parents:
        if parent.name in wanted:
            return parent
    return None


def is_within(inner: Node, outer: Node) -> bool:
    """Whether `outer` is a proper ancestor of `inner`."""
    return any(p is outer for p in inner.parents)


# ---------------------------------------------------------------------------------------------------
# Changing the tree
# ---------------------------------------------------------------------------------------------------


def decompose(node: Node) -> None:
    """Remove `node` and everything in it; all of them read as gone afterwards."""
    parent = node.parent
    if parent is not None:
        _remove_child(parent, node)
        node.parent = None
    _mark_gone(node)


def _mark_gone(node: Node) -> None:
    node.gone = True
    for child in node.children:
        if type(child) is Node:
            _mark_gone(child)


def _remove_child(parent: Node, node: Node) -> None:
    for k, child in enumerate(parent.children):
        if child is node:
            del parent.children[k]
            return


def unwrap(node: Node) -> None:
    """Replace `node` by its children (which stay separate strings and elements)."""
    parent = node.parent
    if parent is None:
        return
    k = next((i for i, child in enumerate(parent.children) if child is node), None)
    if k is None:
        return
    moved = node.children
    for child in moved:
        if type(child) is Node:
            child.parent = parent
    parent.children[k : k + 1] = moved
    node.children = []
    node.parent = None


# ---------------------------------------------------------------------------------------------------
# Building the tree
# ---------------------------------------------------------------------------------------------------


# Elements whose start and end change how the builder reads text (see `_Builder._opened`).
_SPECIAL = _PRESERVE_WHITESPACE | frozenset(_CONTAINERS)


class _Builder:
    """lxml parser target: start/end/data/comment/pi/doctype events -> `Node` tree.

    lxml calls these methods once per event from C (about 1,600 a bench page), so the usual path of
    each is kept short: `data` is the buffer's own `list.append` (no Python frame per text event),
    an element's attributes are lxml's dict for it (a new one per start tag), not a copy."""

    __slots__ = (
        "root", "stack", "made", "buf", "data", "preserve", "containers", "wrapper_depth", "max_depth", "flattened"
    )

    def __init__(self, wrapper_depth: int, max_depth: int) -> None:
        self.root = Node(ROOT_NAME, {}, None)
        self.stack: list[Node] = [self.root]
        self.made: list[bool] = []
        self.buf: list[str] = []  # the text run so far: emptied in place, never replaced
        self.data = self.buf.append  # lxml's `data(text)` event
        self.preserve = 0  # open <pre>/<textarea> elements
        self.containers: list[Node] = []  # open string-container elements
        self.wrapper_depth = wrapper_depth
        self.max_depth = max_depth
        self.flattened = 0

    def _end_data(self) -> None:
        buf = self.buf
        if not buf:
            return
        text = "".join(buf)
        buf.clear()
        if not self.preserve and not text.strip(_ASCII_SPACES):
            text = "\n" if "\n" in text else " "
        if self.containers:
            text = _CONTAINERS[self.containers[-1].name](text)
        self.stack[-1].children.append(text)

    def _space(self) -> None:
        """An element that was not made still separates words (see monitor.extract_bounds)."""
        if self.buf:
            if not self.buf[-1][-1:].isspace():
                self.buf.append(" ")
            return
        contents = self.stack[-1].children
        last = contents[-1] if contents else None
        if last is not None and not (isinstance(last, str) and last[-1:].isspace()):
            self.buf.append(" ")

    def start(self, tag: str, attrib: Any, nsmap: Any = None) -> None:
        stack = self.stack
        depth = len(stack)
        if (depth > self.wrapper_depth or depth > self.max_depth) and (
            depth > self.max_depth
            or (tag in _WRAPPERS and not any(key in attrib for key in _MEANINGFUL_ATTRS))
        ):
            self.made.append(False)
            self.flattened += 1
            self._space()
            return
        if self.buf:
            self._end_data()
        if attrib:
            # lxml hands each start tag with attributes a dict of its own: kept, not copied.
            attrs = attrib if type(attrib) is dict else dict(attrib)
            for key in _TAG_LIST_ATTRS.get(tag, _LIST_ATTRS):
                if key in attrs:
                    attrs[key] = attrs[key].split()  # = re.findall(r"\S+"): split() splits at exactly `\s`
        else:
            attrs = {}  # lxml's shared empty mapping: copying it costs more than a new dict
        parent = stack[-1]
        node = Node(tag, attrs, parent)
        parent.children.append(node)
        stack.append(node)
        self.made.append(True)
        if tag in _SPECIAL:
            self._opened(node)

    def _opened(self, node: Node) -> None:
        if node.name in _PRESERVE_WHITESPACE:
            self.preserve += 1
        if node.name in _CONTAINERS:
            self.containers.append(node)

    def end(self, tag: str) -> None:
        if self.buf:
            self._end_data()
        made = self.made
        if made and not made.pop():
            self._space()
            return
        stack = self.stack
        if stack[-1].name == tag and len(stack) > 1:  # the usual case: the innermost one
            node = stack.pop()
            if tag in _SPECIAL:
                self._closed(node)
            return
        for k in range(len(stack) - 1, 0, -1):  # pop up to the most recent element of that name
            if stack[k].name == tag:
                while len(stack) > k:
                    self._closed(stack.pop())
                return

    def _closed(self, node: Node) -> None:
        if node.name in _PRESERVE_WHITESPACE:
            self.preserve -= 1
        if self.containers and node is self.containers[-1]:
            self.containers.pop()

    def comment(self, text: str) -> None:
        self._end_data()

    def pi(self, target: str, data: str | None = None) -> None:
        self._end_data()

    def doctype(self, *args: Any) -> None:
        self._end_data()

    def close(self) -> Node:
        self._end_data()
        return self.root


def parse_html(markup: str, *, wrapper_depth: int = WRAPPER_DEPTH, max_depth: int = MAX_DEPTH) -> Node:
    """Parse `markup` into a `Node` tree (see the module docstring)."""
    if markup[:1] == "\ufeff":
        markup = markup[1:]
    builder = _Builder(wrapper_depth, max_depth)
    parser = etree.HTMLParser(target=builder, recover=True)
    try:
        parser.feed(markup)
        parser.close()
    except (etree.ParserError, etree.XMLSyntaxError):
        pass  # nothing libxml2 could read (an empty page): whatever was built so far
    return builder.close()
