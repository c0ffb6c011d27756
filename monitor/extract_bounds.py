"""Bounds on the work HTML extraction may do: nesting depth and time.

A monitor reads pages it does not control. Markup nested tens of thousands of levels deep (broken
page builders, hostile pages) must neither exhaust Python's recursion nor make the tree walks
quadratic, so the tree is bounded while it is being parsed (`monitor.extract_tree` for extraction;
`BoundedSoup`, the same rules on a BeautifulSoup tree, for CSS selectors):

- past `WRAPPER_DEPTH` levels, generic wrappers (`<div>`, `<span>`, ...) without a role or a
  hidden marker are not made into elements at all (their content goes to the enclosing element:
  a chain of empty wrappers carries no text, so nothing is lost);
- past `MAX_DEPTH` levels no element is made, whatever it is; its text is kept in the deepest
  element there is (structure that deep is not readable anyway, the words are kept).

Every walk over the tree then recurses at most `MAX_DEPTH` levels. `Deadline` is the backstop for
any other input that is slow to read: extraction stops with an `ExtractError` once the document's
time budget is spent, so a check reports an error instead of hanging.
"""

from __future__ import annotations

import time
from typing import Any

WRAPPER_DEPTH = 120  # real pages stay well under this (deepest seen in the corpus: ~60)
MAX_DEPTH = 180  # every recursive walk of the tree stays within Python's default recursion limit
TIME_BUDGET = 20.0  # seconds of extraction per document

_WRAPPERS = frozenset({"div", "span", "section", "font", "center", "small", "big", "o:p"})
_MEANINGFUL_ATTRS = ("role", "hidden", "aria-hidden", "style")


def _bounded_soup_class() -> type:
    """BoundedSoup, made on first use: BeautifulSoup is imported only where it is still used (a
    watch's CSS selectors, tests), not by every process that reads a page."""
    from bs4 import BeautifulSoup, NavigableString

    class BoundedSoup(BeautifulSoup):
        """A BeautifulSoup tree (lxml parser) whose element nesting never exceeds `MAX_DEPTH`.

        The lxml tree builder reports every start tag with a matching end tag, so a stack of "was this
        element made?" flags tells which end tags to ignore. Shape: as `BeautifulSoup(markup, "lxml")`.
        """

        def __init__(self, markup: str, *, wrapper_depth: int = WRAPPER_DEPTH, max_depth: int = MAX_DEPTH):
            self._wrapper_depth = wrapper_depth
            self._max_depth = max_depth
            self._made: list[bool] = []
            self.flattened = 0  # how many elements were not made (for tests and diagnostics)
            super().__init__(markup, "lxml")

        def _skip(self, name: str, attrs: Any) -> bool:
            depth = len(self.tagStack)
            if depth > self._max_depth:
                return True
            if depth <= self._wrapper_depth or name not in _WRAPPERS:
                return False
            return not any(key in (attrs or {}) for key in _MEANINGFUL_ATTRS)

        def _space(self) -> None:
            """An element boundary still separates words: add one space where the text does not already
            end in one. Never a string per boundary: thousands of sibling strings cost bs4 quadratic time."""
            if self.current_data:
                if not self.current_data[-1][-1:].isspace():
                    self.current_data.append(" ")
                return
            contents = self.currentTag.contents
            last = contents[-1] if contents else None
            if last is not None and not (isinstance(last, NavigableString) and last[-1:].isspace()):
                self.current_data.append(" ")

        def handle_starttag(  # type: ignore[override]
            self, name: str, namespace: Any, nsprefix: Any, attrs: Any, *args: Any, **kw: Any
        ) -> Any:
            if self._skip(name, attrs):
                self._made.append(False)
                self.flattened += 1
                self._space()
                return None
            self._made.append(True)
            return super().handle_starttag(name, namespace, nsprefix, attrs, *args, **kw)

        def handle_endtag(self, name: str, nsprefix: Any = None) -> None:
            if self._made and not self._made.pop():
                self._space()
                return
            super().handle_endtag(name, nsprefix)

    BoundedSoup.__qualname__ = "BoundedSoup"
    return BoundedSoup


def __getattr__(name: str) -> Any:
    if name == "BoundedSoup":
        cls = _bounded_soup_class()
        globals()["BoundedSoup"] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def is_gone(tag: Any) -> bool:
    """`tag.decomposed` without its cost: bs4 reads the flag with getattr, and a Tag that lacks the
    attribute answers through `__getattr__`, i.e. a search of its whole subtree for a child tag of
    that name."""
    return bool(tag.__dict__.get("_decomposed", False))


class Deadline:
    """A time budget for one document. `check()` raises `error_type(message)` once it is spent.

    Only the failure depends on the clock: an extraction that finishes is the same whatever the
    budget was.
    """

    def __init__(self, seconds: float | None, error_type: type[Exception], *, every: int = 64):
        self.seconds = seconds
        self._end = None if seconds is None else time.monotonic() + seconds
        self._error_type = error_type
        self._every = every  # read the clock on every n-th call: per element it costs more than the walk
        self._calls = 0

    def check(self) -> None:
        self._calls += 1
        if self._end is None or self._calls % self._every:
            return
        if time.monotonic() >= self._end:  # ">=": a zero budget always runs out
            raise self._error_type(
                f"the page took longer than {self.seconds:g} s to read (too large or too deeply nested)"
            )
