"""The lean HTML tree (monitor.extract_tree) against the BeautifulSoup tree it replaced: the same
elements, attributes and strings (with their kinds), so extraction reads the same page."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.document import clean_text
from monitor.extract_bounds import BoundedSoup
from monitor.extract_tree import HiddenText, Node, decompose, get_text, parse_html, stripped_strings, unwrap

SAMPLES = Path(__file__).resolve().parents[1] / "monitor" / "samples"


def soup_shape(tag) -> tuple:  # type: ignore[no-untyped-def]
    """(name, attrs, children) of a bs4 tree, strings as (kind, text); comments etc. left out."""
    from bs4 import NavigableString, Tag
    from bs4.element import PreformattedString

    children: list[object] = []
    for child in tag.contents:
        if isinstance(child, Tag):
            children.append(soup_shape(child))
        elif isinstance(child, PreformattedString):
            continue
        elif isinstance(child, NavigableString):
            children.append(("text" if type(child) is NavigableString else "hidden", str(child)))
    return (tag.name, dict(tag.attrs), children)


def node_shape(node: Node) -> tuple:
    children: list[object] = []
    for child in node.children:
        if type(child) is Node:
            children.append(node_shape(child))
        else:
            children.append(("hidden" if isinstance(child, HiddenText) else "text", str(child)))
    return (node.name, dict(node.attrs), children)


PAGES = [
    "<p class='a  b\tc'>one<!-- c -->two <b>three</b>\n\n  <i> </i></p>",
    "<html><head><title>T | x</title><script>var a = '<p>';</script><style>p{}</style></head>"
    "<body><ruby>漢<rt>kan</rt><rp>(</rp></ruby><template><p>tpl</p></template><pre>  a\n  b </pre></body></html>",
    "<?xml version='1.0'?><!DOCTYPE html><div hidden><p>x<br>y</p></div><textarea>  </textarea>",
    "",
    "   ",
    "plain words only",
    "<table><tr><td>a<td>b</table><ul><li>one<li>two</ul>",
    "<div>" * 300 + "<p>deep <b>text</b></p>" + "</div>" * 300 + "after",
    '<div role="main">' + "<section>" * 150 + "x" + "</section>" * 150 + "</div>",
]


@pytest.mark.filterwarnings("ignore::bs4.XMLParsedAsHTMLWarning")
@pytest.mark.parametrize("page", PAGES + [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.html"))])
def test_tree_matches_beautifulsoup(page: str) -> None:
    assert node_shape(parse_html(page)) == soup_shape(BoundedSoup(page))


def test_strings_stay_apart_where_a_comment_or_removed_element_was() -> None:
    root = parse_html("<p>one<!-- x -->two<span>drop</span>three</p>")
    p = root.children[0].children[0].children[0]  # html > body > p
    assert p.name == "p"
    decompose(p.children[2])  # type: ignore[arg-type]
    assert get_text(p, " ") == "one two three"  # word boundaries kept, as in the old tree
    assert "".join(s for s in p.children if isinstance(s, str)) == "onetwothree"


def test_get_text_skips_script_and_ruby_annotations_but_they_stay_in_the_tree() -> None:
    root = parse_html("<div><ruby>漢<rt>kan</rt></ruby> <script>x=1</script>end</div>")
    div = root.children[0].children[0].children[0]
    assert clean_text(get_text(div, " ")) == "漢 end"
    assert stripped_strings(div) == ["漢", "end"]
    rt = div.children[0].children[1]  # type: ignore[union-attr]
    assert get_text(rt) == "kan"  # a string container reads its own strings


def test_unwrap_keeps_children_in_place() -> None:
    root = parse_html("<div>a<form>b<i>c</i></form>d</div>")
    div = root.children[0].children[0].children[0]
    form = div.children[1]
    unwrap(form)  # type: ignore[arg-type]
    assert [c if isinstance(c, str) else c.name for c in div.children] == ["a", "b", "i", "d"]
    assert div.children[2].parent is div  # type: ignore[union-attr]
    assert form.parent is None and form.children == []  # type: ignore[union-attr]


def test_clean_text_collapses_every_unicode_space() -> None:
    spaces = "".join(chr(c) for c in range(sys.maxunicode + 1) if re.fullmatch(r"\s", chr(c)))
    assert clean_text(f"{spaces}a{spaces}b\u200b{spaces}") == "a b"
    assert clean_text("a\xa0\u2003b\u200c\ufeffc") == "a bc"


def test_reading_a_page_does_not_import_beautifulsoup() -> None:
    code = (
        "import sys; from monitor.extract import extract_html; "
        "extract_html('<main><h1>T</h1><p>some words of a policy here</p></main>'); "
        "print('bs4' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_each_element_keeps_attributes_of_its_own() -> None:
    # The builder keeps the dict lxml hands it for a start tag (no copy): that must be one dict per
    # element, and its list attributes split as BeautifulSoup split them.
    root = parse_html("<p class='a  b' id='x'>one</p><p class='a  b' id='x'>two</p><a rel='nofollow noopener'>3</a>")
    first, second = [n for n in root.children[0].children[0].children if type(n) is Node and n.name == "p"]
    assert first.attrs == second.attrs == {"class": ["a", "b"], "id": "x"}
    assert first.attrs is not second.attrs
    first["id"] = "changed"
    first["class"].append("c")
    assert second.attrs == {"class": ["a", "b"], "id": "x"}
    (link,) = [n for n in root.children[0].children[0].children if type(n) is Node and n.name == "a"]
    assert link["rel"] == ["nofollow", "noopener"]
