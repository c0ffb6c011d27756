"""Fast paths on the extraction hot path give exactly what the slow paths they skip would give.

Each fast path is checked against a plain reference (the code as it was before the fast path) on
tricky inputs: white space of every kind, zero-width characters, soft hyphens, NBSP, mojibake.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from urllib.parse import urlsplit, urlunsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor import normalize as N
from monitor.document import clean_text
from monitor.extract import common, extract_html
from monitor.extract.common import clean_url
from monitor.extract.html import _VISIBLE, _HtmlWalker
from monitor.extract_chrome import (
    BLOCK_TAGS,
    DROP_TAGS,
    PROSE_WORDS,
    _is_chrome_hint,
    _is_hidden,
    _is_skip_link,
    is_prose,
)
from monitor.extract_faq import mark_disclosures
from monitor.extract_tree import Node, parse_html, tags_under

ZERO_WIDTH = "\u200b\u200c\u200d\ufeff"
TRICKY = [
    "",
    " ",
    "a",
    "plain words here",
    " leading",
    "trailing ",
    "two  spaces",
    "tab\there",
    "new\nline",
    "\r\n",
    "nbsp\xa0here",
    "thin\u2009space and narrow\u202fnbsp",
    "ideographic\u3000space",
    "line\u2028separator",
    "next\x85line",
    "unit\x1fseparator",
    "zero\u200bwidth",
    "\u200b",
    " \u200b ",
    "a \u200b b",
    "joiner\u200djoined\u200cnon",
    "\ufeffbom",
    "soft\u00adhyphen",
    "word\u2060joiner",
    "mojibake â€™ Ã© Ã¼",
    "curly ’quotes“ – dash…",
    "e\u0301 combining",
    "ﬁ ligature",
    "中文 文本",
    "control\x00char",
    "\x7fdel",
]


def reference_clean_text(text: str) -> str:
    """clean_text without its fast path."""
    for zw in ZERO_WIDTH:
        text = text.replace(zw, "")
    return " ".join(text.split())


def test_clean_text_agrees_with_reference_on_tricky_inputs() -> None:
    for text in TRICKY:
        assert clean_text(text) == reference_clean_text(text), repr(text)
        assert clean_text(text + " " + text) == reference_clean_text(text + " " + text), repr(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .,’é中") + [c for t in TRICKY for c in t])))
def test_clean_text_agrees_with_reference_on_generated_text(text: str) -> None:
    assert clean_text(text) == reference_clean_text(text)


def test_what_the_clean_text_fast_path_relies_on() -> None:
    # The fast path returns a printable text without double, leading or trailing spaces as it is:
    # that is right only while no white space but " " and no zero-width character is printable.
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if char != " " and (char.isspace() or char in ZERO_WIDTH):
            assert not char.isprintable(), hex(code)


def test_is_prose_counts_words_as_a_full_split_does() -> None:
    words = ["w", "two", "\u200b", "â€™", "soft\u00adhyphen", "中文"]
    spaces = [" ", "  ", "\t", "\n", "\xa0", "\u2009", "\u3000", "\u2028", "\x85", "\x1f", "\u200b"]
    for n in range(0, 9):
        for k, space in enumerate(spaces):
            text = space.join(words[(i + k) % len(words)] for i in range(n))
            for variant in (text, space + text, text + space, text + space + space):
                assert is_prose(variant) == (len(variant.split()) >= PROSE_WORDS), repr(variant)


def test_a_run_of_white_space_between_blocks_reads_as_nothing_and_only_that() -> None:
    # _flush_run skips a run of white-space strings without reading it; any other run of strings
    # is a paragraph, unless its cleaned text is empty (as the slow path reads it).
    pieces = ["\n", " ", "\xa0", "\u2028", "\x85", "\u3000", "\t\n", "\u200b", "\u00ad", "x", "â€™", ""]
    for a in pieces:
        for b in pieces:
            walker = _HtmlWalker()
            walker._flush_run([a, b])
            expected = [("p", a + b, 0)] if clean_text(a + b) else []  # events keep the text as read
            assert walker.events == expected, repr(a + b)


def test_the_walker_emits_exactly_what_cleans_to_something() -> None:
    # emit() keeps a text when _VISIBLE finds a character in it, instead of cleaning it: the two
    # must agree for every character and for the tricky texts.
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        assert bool(_VISIBLE.search(char)) == bool(clean_text(char)), hex(code)
    for text in TRICKY:
        walker = _HtmlWalker()
        walker.emit("p", text)
        assert walker.events == ([("p", text, 0)] if clean_text(text) else []), repr(text)


def test_strip_chrome_skips_only_elements_no_rule_could_drop() -> None:
    # strip_chrome passes over an element without attributes unless its name is in _CHROME_BY_NAME:
    # every other rule must read an attribute, so none may hold for such an element.
    names = sorted(BLOCK_TAGS | set(DROP_TAGS) | {"a", "span", "b", "strong", "em", "img", "small", "font"})
    for name in names:
        tag = Node(name, {}, None)
        ruled = _is_hidden(tag) or _is_chrome_hint(tag) or _is_skip_link(tag) or bool(tag.get("role"))
        assert not ruled, name
    # ... and the ones it does look at are dropped without any attribute (no landmark: the body is read).
    html = "<body><header>Site</header><p>{0}</p><form>Search</form><p>{0}</p><footer>Foot</footer></body>"
    doc = extract_html(html.format("Policy text that is long enough to be read as prose. " * 5))
    assert "Site" not in doc.to_markdown() and "Search" not in doc.to_markdown()
    assert "Foot" not in doc.to_markdown() and "Policy text" in doc.to_markdown()


def test_mark_disclosures_returns_the_elements_as_they_are_afterwards() -> None:
    # strip_chrome walks the list mark_disclosures returns instead of listing the page again.
    html = (
        "<body><h3><button aria-expanded='false'><span>What do we collect?</span></button></h3>"
        "<div id='p1'>We collect your name, your address and your order history.</div>"
        "<h3><button><b>Who</b> sees it?</button></h3><button>Accept all</button>"
        "<button aria-expanded='true' aria-controls='p1'>Do we sell it?</button>"
        "<button>A long text on a button that is ordinary inline text</button>"
        "<dl><dt>Is it kept?</dt><dd>No.</dd></dl><details><summary>More</summary></details></body>"
    )
    scope = parse_html(html)
    returned = mark_disclosures(scope)
    assert [id(t) for t in returned] == [id(t) for t in tags_under(scope)]
    assert sum(t.name == "button" for t in tags_under(parse_html(html))) == 5
    assert sum(t.name == "button" for t in returned) == 1  # two unwrapped, two made summary/span


# -- display_text and typography ---------------------------------------------------------------


def reference_typography(text: str) -> str:
    """typography without its fast path."""
    return unicodedata.normalize("NFC", text).translate(N._TYPOGRAPHY)


def reference_display_text(text: str) -> str:
    """display_text without its fast paths."""
    text = reference_typography(text)
    text = N._IMAGE.sub(lambda m: m.group(1), text)
    for _ in range(2):
        text = N._LINK.sub(lambda m: m.group(1), text)
    text = N._REF_LINK.sub(lambda m: m.group(1), text)
    text = N._AUTOLINK.sub(lambda m: m.group(1).removeprefix("mailto:"), text)
    text = N._LINK_DEBRIS.sub(" ", text)
    text = N._HTML_TAG.sub(" ", text)
    text = N._MD_ESCAPE.sub(lambda m: m.group(1), text)
    text = N._EMPHASIS.sub("", text)
    text = N._A11Y.sub("", text)
    text = N._OBF_EMAIL_TEXT.sub("[email-protected]", text)
    return re.sub(r"[ \t]+", " ", text).strip()


MARKUP = [
    "See [our partners](https://example.com/p?utm=1) and ![logo](/l.png).",
    "[![badge](/b.png)](https://x.org)",
    "a [ref][1] link, <https://example.com> and <mailto:dpo@example.com>",
    "stray ](https://x.org/a) debris [ ] and [",
    "  [  ",
    "<b>bold</b> and \\*escaped\\* and **strong** _em_ `code` ~~gone~~",
    "Contact us (opens in a new window) or (external link).",
    "Contact us (Opens In A New Tab) or Opens email client here.",
    "written op**en** s new window after emphasis",
    "(link is external) and (New Window)",
    "Our partners (New Window)",
    "Our partners (External Link)",
    "[email protected] and [EMAIL\xa0PROTECTED] and email  protected",
    "emaıl protected and ema\u0131l protected",
    "Email Protec**ted** after emphasis",
    "openſ in new window, Kelvin \u212a, long ſ",
    "tab\tand  double  spaces\t\t",
    "soft\u00adhyphen word\u2060joiner \u00a0nbsp\u202fnarrow \u2009thin",
    "curly ’quotes’ “double” – dash — long … ellipsis ` backtick",
    "mojibake â€™ Ã© and e\u0301 combining and ﬁ ligature",
    "\ufeffbom \u200bzero\u200cwidth\u200djoiner",
    "",
    "   ",
]


def test_typography_agrees_with_reference() -> None:
    for code in range(128):
        assert N.typography(chr(code) + "ab c") == reference_typography(chr(code) + "ab c"), code
    for text in TRICKY + MARKUP:
        assert N.typography(text) == reference_typography(text), repr(text)


def test_display_text_agrees_with_reference_on_tricky_inputs() -> None:
    for text in TRICKY + MARKUP:
        assert N.display_text(text) == reference_display_text(text), repr(text)
        joined = text + " " + MARKUP[len(text) % len(MARKUP)]
        assert N.display_text(joined) == reference_display_text(joined), repr(joined)


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["open", "OPEN", "s", " ", "  ", "\t", "in", "a", "new", "window", "tab", "(", ")", "[", "]", "!",
             "email", "EMAIL", "protected", "**", "_", "`", "\\", "<", ">", "https://x.org", "mailto:", "/",
             "ı", "ſ", "\xa0", "\u00ad", "\u2060", "’", "external", "link", "client", "e-mail", "site", "is",
             "](", "][", "~", "~~", "![", "*", "</b>", "<https://x.org>", "\\*", "x"]
        ),
        max_size=25,
    )
)
def test_display_text_agrees_with_reference_on_generated_text(parts: list[str]) -> None:
    text = "".join(parts)
    assert N.display_text(text) == reference_display_text(text)


def test_what_the_display_text_guards_rely_on() -> None:
    # A guard looks for its words in text.lower(): right only while each of their letters matches,
    # case-insensitively, nothing but itself and its upper case (unlike "i", "s" and "k").
    letters = set("".join(N._A11Y_WORDS + N._OBF_EMAIL_WORDS))
    for letter in letters:
        pattern = re.compile(re.escape(letter), re.IGNORECASE)
        for code in range(sys.maxunicode + 1):
            if pattern.fullmatch(chr(code)):
                assert chr(code).lower() == letter, (letter, hex(code))



def reference_clean_url(href: str | None) -> str | None:
    """clean_url without its fast path."""
    href = clean_text(href or "")
    if not href or href.startswith("#") or href.lower().startswith("javascript:"):
        return None
    parts = urlsplit(href)
    if parts.query:
        segments = [s for s in parts.query.split("&") if s]
        kept = [s for s in segments if not common._is_tracking(s.split("=", 1)[0])]
        if len(kept) != len(segments):
            href = urlunsplit(parts._replace(query="&".join(kept)))
    return href


def test_clean_url_agrees_with_reference() -> None:
    # clean_url skips urlsplit when there is no "?": urlsplit finds a query string only after one.
    urls = ["https://a.example/utm_source=x", "https://a.example/p#x?utm_source=1", "/p;utm_source=1",
            "https://a.example/p\t?utm_source=1", "mailto:dpo@example.com", "https://a.example/p?utm_source=1",
            "https://a.example/p?", "//a.example/?gclid=1#f", "p?\u200butm_source=1", "#top", " ", None,
            "https://a.example/p?id=1&_hsenc=z#frag", "https://a.example/p\n?utm_medium=1&x=2"]
    for url in urls:
        assert clean_url(url) == reference_clean_url(url), url


# -- word keys ---------------------------------------------------------------------------------


def reference_token_key(token: str) -> str:
    """token_key without its shortcuts (no `isalnum` of the whole word, `_URL` tried on every word)."""
    if not token.isascii():
        token = unicodedata.normalize("NFKC", token)
    t = N.typography(token)
    if "email-protected" in t.lower() or "email protected" in t.lower():
        return N.OBFUSCATED_EMAIL
    t = t.strip(N._EDGE_PUNCT)
    if not t or not any(c.isalnum() or c in N._MEANINGFUL_SYMBOLS for c in t):
        return ""
    if N._URL.match(t):
        t = re.sub(r"^https?://", "", t, flags=re.I)
        t = re.split(r"[?#]", t, maxsplit=1)[0].rstrip("/")
        return t.lower().removeprefix("www.")
    return t.lower()


def reference_word_key(token: str) -> str:
    from monitor.tokens import token_key as tk

    key = tk(token if token.isascii() else unicodedata.normalize("NFKC", token))
    return "" if key and all(unicodedata.category(ch).startswith("P") for ch in key) else key


_KEY_TOKENS = ["HTTPS://Example.com/a?x=1", "Www.x.org/", "httpſ://x.org#f", "(https://x.org)", "wWw.a.b", "h",
               "Data's", "２４", "ﬁles", "€5", "→", "…", "«»", "、", "「個人」", "[email\xa0protected]", "e-mail",
               "10%", "§3", "—", "•", "Ⅻ", "x²", "ⅷ.", "", "..", "'", "_a_", "\u0301", "a\u0301"]


def test_url_shortcut_letters_are_all_the_pattern_starts_with() -> None:
    first = re.compile("[hw]", re.IGNORECASE)
    assert [chr(c) for c in range(sys.maxunicode + 1) if first.fullmatch(chr(c))] == list("HWhw")


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_KEY_TOKENS + list("hw.:/?#'\"()[]%€-") + ["ttps", "ww", "protected", "email"]),
                max_size=6))
def test_word_keys_agree_with_the_reference(parts: list[str]) -> None:
    from monitor.tokens import word_key

    token = "".join(parts)
    assert N.token_key(token) == reference_token_key(token), token
    assert word_key.__wrapped__(token) == reference_word_key(token), token


_UNIT_PIECES = ["word", "two words", "—", "•", "-", "中文", "個人情報", "ข้อมูล", "２４", "a\u3000b", "x\xa0y", "\u2028", "ok.", ""]


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(["", "Privacy", "個人情報", "— ·"]),
    st.lists(
        st.tuples(
            st.sampled_from([(), ("Heading",), ("A", "中文"), ("—",)]),
            st.lists(st.lists(st.sampled_from(_UNIT_PIECES), max_size=4), max_size=4),
        ),
        max_size=4,
    ),
)
def test_word_count_is_the_word_units_of_the_whole_text(title: str, sections: list) -> None:  # type: ignore[type-arg]
    # Document.word_count sums its parts' counts (shared with the guard's shape) where no unspaced
    # script is present; the reference is the whole text counted at once, as it was.
    from monitor.document import Block, Document, Section
    from monitor.guard import shape
    from monitor.language import word_units

    doc = Document(
        title,
        tuple(
            Section(path, tuple(Block("p", clean_text(" ".join(b))) for b in blocks if clean_text(" ".join(b))))
            for path, blocks in sections
        ),
    )
    assert doc.word_count == word_units(doc.text), doc
    assert shape(doc).body_units == sum(word_units(b.text) for s in doc.sections for b in s.blocks)


def test_a_lone_string_between_blocks_reads_as_the_slow_path_reads_it() -> None:
    # _flush_run's shortcut for a run of one string, against the same text read as a paragraph.
    pieces = ["\n", " ", "\xa0", "\u2028", "\x85", "\u3000", "\t\n", "\u200b", "\u00ad", "x", "â€™", "", " a "]
    for a in pieces:
        walker = _HtmlWalker()
        walker._flush_run([a])
        assert walker.events == ([("p", a, 0)] if clean_text(a) else []), repr(a)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("a1 *~-_.中\u0301²") + ["\xa0", "\u200b"]), max_size=12))
def test_is_separator_agrees_with_reference(text: str) -> None:
    assert common.is_separator(text) == (not any(ch.isalnum() for ch in text)), repr(text)
