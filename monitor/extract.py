"""Turn a fetched page (HTML, plain text, markdown, PDF) into a `Document`.

Every format ends in the same `DocumentBuilder`, so they give the same shape. The promise that
matters most: two captures of the same policy text give the same Document (same `content_hash()`)
whatever the page around it did: menus, footers, cookie banners, scripts, inline styles, tracking
parameters on links and Cloudflare-obfuscated e-mail addresses are all taken out here.

Extraction is pure: no network, same input -> same output. Bump `EXTRACTOR_VERSION` whenever the
output for a given input changes, so stored versions can be re-derived without alerting. The only
use of the clock is the time budget of `extract_html` (`monitor.extract_bounds`): a page that
takes longer to read raises ExtractError; a page that finishes reads the same whatever the budget.
"""

from __future__ import annotations

import html as html_lib
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString

from monitor.document import Document, DocumentBuilder, clean_text
from monitor.extract_bounds import TIME_BUDGET, BoundedSoup, Deadline, is_gone
from monitor.extract_chrome import BLOCK_TAGS, HEADINGS, strip_chrome, tags_under
from monitor.extract_faq import DISCLOSURE_ATTR
from monitor.extract_footer import strip_trailing_footer
from monitor.extract_pdf_text import Dehyphenator, fold_pdf_text

# 2: hidden page wrappers kept, bounded nesting, several documents on a page, FAQ questions as
#    headings, site footers inside the last section dropped, bold sentences not headings, PDF
#    ligatures folded and line-end hyphens joined, separator paragraphs dropped.
EXTRACTOR_VERSION = "2"


class ExtractError(ValueError):
    """The body cannot be turned into a Document (unsupported type, unreadable PDF, bad selector)."""


# An event is ("h", text, level) for a heading or (kind, text, level) for a block; extractors emit
# events and `_build` feeds them to the builder, so the title rule lives in one place.
Event = tuple[str, str, int]
BOLD_LEVEL = 7  # a bold-only paragraph used as a heading nests under any real heading

# ---------------------------------------------------------------------------------------------------
# Links: tracking parameters, Cloudflare e-mail protection, mailto
# ---------------------------------------------------------------------------------------------------

_TRACKING_PREFIXES = ("utm_", "hsa_", "pk_", "mtm_", "vero_", "oly_")
_TRACKING_PARAMS = frozenset(
    {
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "fbclid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "li_fat_id",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "__hstc",
        "__hssc",
        "__hsfp",
        "hsctatracking",
        "_ga",
        "_gl",
        "mkt_tok",
        "wickedid",
        "s_kwcid",
        "ef_id",
        "_openstat",
    }
)
_CF_PLACEHOLDER = re.compile(r"^\[?email\s*protected\]?$", re.IGNORECASE)
_CF_PATH = "/cdn-cgi/l/email-protection"


def _is_tracking(name: str) -> bool:
    name = unquote(name).lower()
    return name in _TRACKING_PARAMS or name.startswith(_TRACKING_PREFIXES)


def clean_url(href: str | None) -> str | None:
    """The link target without tracking parameters; None when the link goes nowhere or only to
    another place on the same page (table-of-contents and accordion anchors are layout)."""
    href = clean_text(href or "")
    if not href or href.startswith("#") or href.lower().startswith("javascript:"):
        return None
    parts = urlsplit(href)
    if parts.query:
        # Filter the raw segments rather than re-encoding, so untouched parameters keep their bytes.
        segments = [s for s in parts.query.split("&") if s]
        kept = [s for s in segments if not _is_tracking(s.split("=", 1)[0])]
        if len(kept) != len(segments):
            href = urlunsplit(parts._replace(query="&".join(kept)))
    return href


def decode_cf_email(hex_string: str) -> str | None:
    """Decode Cloudflare's e-mail obfuscation: hex bytes, the first one XOR-ing the rest."""
    hex_string = hex_string.strip()
    if len(hex_string) < 4 or len(hex_string) % 2 or not re.fullmatch(r"[0-9a-fA-F]+", hex_string):
        return None
    data = bytes.fromhex(hex_string)
    try:
        decoded = bytes(b ^ data[0] for b in data[1:]).decode("utf-8")
    except UnicodeDecodeError:
        return None
    return decoded if "@" in decoded and decoded.isprintable() else None


def _cf_email_from_url(url: str) -> tuple[bool, str | None]:
    """(is a Cloudflare e-mail-protection link, the decoded address if its hex is there)."""
    parts = urlsplit(url)
    if not parts.path.endswith(_CF_PATH):
        return False, None
    return True, decode_cf_email(parts.fragment)


def format_link(text: str, href: str | None) -> str:
    """`[text](url)`, or just the text when the link carries nothing worth keeping.

    A mailto link whose text is its own address becomes the bare address, so a plain capture, an
    obfuscated one and a text-only one of the same address read the same.
    """
    text = clean_text(text)
    url = clean_url(href)
    if url is None:
        return text
    is_cf, email = _cf_email_from_url(url)
    if is_cf:
        if email is None:
            if _looks_like_email(text):
                return text
            return text  # the address is gone (e.g. "#removed"): only the placeholder text is left
        url = "mailto:" + email
        if not text or _CF_PLACEHOLDER.match(text):
            text = email
    if url.lower().startswith("mailto:"):
        address = unquote(url[7:].split("?", 1)[0])
        if not text or text.lower() == address.lower():
            return address
    if not text:
        return ""
    return f"[{text}]({url})"


def _looks_like_email(text: str) -> bool:
    return bool(re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text))


# ---------------------------------------------------------------------------------------------------
# Events -> Document
# ---------------------------------------------------------------------------------------------------


def _split_title(events: list[Event]) -> tuple[str, list[Event]]:
    """A lone top-level heading that opens the content is the document's title, not a section."""
    headings = [i for i, e in enumerate(events) if e[0] == "h"]
    if not headings:
        return "", events
    first = headings[0]
    kind, text, level = events[first]
    if level != 1 or any(events[i][2] == 1 for i in headings[1:]):
        return "", events
    if any(e[0] != "h" for e in events[:first]):
        return "", events
    return clean_text(text), events[:first] + events[first + 1 :]


def _is_separator(text: str) -> bool:
    """A paragraph without a letter or digit ("***", "* * *", "~ ~ ~"): a drawn separator."""
    return not any(c.isalnum() for c in text)


def _build(events: list[Event], title: str) -> Document:
    builder = DocumentBuilder()
    for kind, text, level in events:
        if kind == "h":
            builder.heading(text, level)
        elif kind == "p" and _is_separator(text):
            continue
        else:
            builder.block(kind, text, level)  # type: ignore[arg-type]
    return builder.build(title)


# ---------------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------------

def _content_roots(soup: BeautifulSoup, select: list[str] | None) -> list[Tag]:
    if select:
        found: list[Tag] = []
        for selector in select:
            try:
                found.extend(soup.select(selector))
            except Exception as exc:  # soupsieve raises its own SelectorSyntaxError
                raise ExtractError(f"invalid CSS selector {selector!r}: {exc}") from exc
        if not found:
            raise ExtractError(f"the select selectors {select!r} match nothing on the page")
        ids = {id(t) for t in found}
        roots: list[Tag] = []
        seen: set[int] = set()
        for tag in soup.find_all(True):  # document order; a match inside another match is not repeated
            if id(tag) in ids and id(tag) not in seen and not any(id(p) in ids for p in tag.parents):
                roots.append(tag)
                seen.add(id(tag))
        return roots
    body = soup.body or soup
    return _main_roots(body)


def _prose_lengths(scope: Tag) -> dict[int, int]:
    """`prose_len` (monitor.extract_chrome) of every element under `scope`, by id, in one pass:
    each string counts once towards its parent, and each element passes its sum up after all its
    descendants (reverse document order), so the cost is linear in the size of the page whatever
    its depth."""
    sizes: dict[int, int] = {}
    for node in scope.descendants:
        if isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
            text = node.strip()
            if text and len(text.split()) >= 6 and node.parent is not None:
                sizes[id(node.parent)] = sizes.get(id(node.parent), 0) + len(text)
    for tag in reversed([scope, *tags_under(scope)]):
        if tag is not scope and tag.parent is not None and id(tag) in sizes:
            sizes[id(tag.parent)] = sizes.get(id(tag.parent), 0) + sizes[id(tag)]
    return sizes


DOCUMENT_SHARE = 0.15  # a landmark with this share of the page's prose is a document of its own


def _main_roots(body: Tag) -> list[Tag]:
    """The element(s) holding the policy text, in document order.

    A `<main>` (or role=main), else an `<article>`, holding enough of the prose. A page with several
    such landmarks side by side (a "Legal" page with terms, privacy and copyright, one `<article>`
    each) is read whole, from the element holding them all: choosing the largest would make the
    watch jump from one document to another when their sizes change, and the documents' own
    headings keep them apart in the section paths.
    """
    sizes = _prose_lengths(body)

    def prose(tag: Tag) -> int:
        return sizes.get(id(tag), 0)

    total = prose(body)
    candidates = body.find_all("main") + body.find_all(attrs={"role": "main"})
    if not candidates:
        candidates = body.find_all("article")
    if candidates:
        ids = {id(c) for c in candidates}
        # Document order, each once (<main role="main"> is found twice), nested ones inside theirs.
        outermost = [
            t for t in tags_under(body) if id(t) in ids and not any(id(p) in ids for p in t.parents)
        ]
        documents = [c for c in outermost if total and prose(c) >= DOCUMENT_SHARE * total]
        if len(documents) >= 2:
            for document in outermost:
                _raise_document_title(document)
            return [_common_ancestor(documents)]  # with any smaller document and intro between
        best = max(candidates, key=prose)
        if total == 0 or prose(best) >= 0.3 * total:
            return [best]
    return [_descend(body, prose)]


TITLE_LEVEL_ATTR = "data-pm-level"


def _raise_document_title(document: Tag) -> None:
    """One of several documents on a page: its first heading is its title, so it must sit above the
    document's other headings, or its sections would not be under it in the paths (templates often
    give the title and the sections the same tag)."""
    headings = [t for t in tags_under(document) if t.name in HEADINGS and clean_text(t.get_text(" "))]
    if len(headings) < 2:
        return
    title_level = int(headings[0].name[1])
    top = min(int(h.name[1]) for h in headings[1:])
    if title_level >= top:
        headings[0][TITLE_LEVEL_ATTR] = str(top - 1)  # may be 0: above every h1


def _common_ancestor(tags: list[Tag]) -> Tag:
    """The innermost element holding all of `tags` (at least one tag)."""
    chain = [tags[0], *tags[0].parents]
    ids = [{id(t), *(id(p) for p in t.parents)} for t in tags[1:]]
    for node in chain:
        if all(id(node) in s for s in ids):
            return node
    return chain[-1]


def _descend(body: Tag, prose: Callable[[Tag], int]) -> Tag:
    # No usable landmark: descend while one child holds nearly all of the prose.
    node = body
    while True:
        children = [c for c in node.children if isinstance(c, Tag)]
        if not children:
            return node
        here = prose(node)
        best = max(children, key=prose)
        if here == 0 or prose(best) < 0.85 * here:
            return node
        node = best


def _page_title(soup: BeautifulSoup) -> str:
    if soup.title is None:
        return ""
    title = clean_text(soup.title.get_text(" "))
    # "Privacy Policy | Acme - widgets for all": the site name part is chrome.
    return re.split(r"\s+[|–—·]\s+|\s+-\s+", title)[0].strip()


class _HtmlWalker:
    """Walks the content in reading order and emits heading and block events."""

    def __init__(self, deadline: Deadline | None = None) -> None:
        self.events: list[Event] = []
        self.deadline = deadline
        self.base_level = 0  # level of the last real heading: disclosure labels go one under it

    # -- inline text ------------------------------------------------------------------------------
    def inline(self, node: Tag, links: bool = True) -> str:
        parts: list[str] = []
        for child in node.children:
            if isinstance(child, PreformattedString):
                continue
            if isinstance(child, NavigableString):
                parts.append(str(child))
            elif isinstance(child, Tag):
                parts.append(self._inline_tag(child, links))
        return "".join(parts)

    def _inline_tag(self, tag: Tag, links: bool) -> str:
        name = tag.name
        if name in ("br", "hr", "wbr"):
            return " " if name != "wbr" else ""
        if name in ("img", "picture", "source"):
            return ""
        if tag.get("data-cfemail") is not None:
            email = decode_cf_email(str(tag.get("data-cfemail")))
            if email:
                return email
        if name == "a":
            text = self.inline(tag, links=False)
            return format_link(text, tag.get("href")) if links else text
        text = self.inline(tag, links)
        return f" {text} " if name in BLOCK_TAGS else text

    # -- blocks -----------------------------------------------------------------------------------
    def emit(self, kind: str, text: str, level: int = 0) -> None:
        text = clean_text(text)
        if text:
            self.events.append((kind, text, level))

    def container(self, node: Tag) -> None:
        if self.deadline is not None:
            self.deadline.check()
        run: list[Tag | NavigableString] = []
        for child in list(node.children):
            if isinstance(child, PreformattedString):
                continue
            if isinstance(child, Tag) and (child.name in BLOCK_TAGS or _has_block(child)):
                self._flush_run(run)
                run = []
                self.block(child)
            elif isinstance(child, (Tag, NavigableString)):
                run.append(child)
        self._flush_run(run)

    def _flush_run(self, run: list[Tag | NavigableString]) -> None:
        if not run:
            return
        heading = _bold_heading(run)
        if heading:
            self.emit("h", heading, BOLD_LEVEL)
            return
        text = "".join(
            str(n) if isinstance(n, NavigableString) else self._inline_tag(n, links=True) for n in run
        )
        self.emit("p", text)

    def block(self, tag: Tag) -> None:
        name = tag.name
        if tag.get(DISCLOSURE_ATTR) is not None and not _has_block(tag):
            # A FAQ question (<summary>, accordion button, question <dt>): a heading under the last
            # real one, whatever tag level the template gave it, so its peers nest alike.
            self.emit("h", self.inline(tag, links=False), self.base_level + 1)
        elif name in HEADINGS:
            text = self.inline(tag, links=False)
            level = int(str(tag.get(TITLE_LEVEL_ATTR) or name[1]))
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
            self.emit("p", tag.get_text(" "))
        elif name in ("hr",):
            return
        else:  # p, div, section, dl/dt/dd, blockquote, figure, header/footer kept inside main, ...
            self.container(tag)

    def list(self, tag: Tag, level: int) -> None:
        for child in tag.children:
            if not isinstance(child, Tag):
                if isinstance(child, NavigableString) and not isinstance(child, PreformattedString):
                    self.emit("li", str(child), level)
                continue
            if child.name == "li":
                self.item(child, level)
            elif child.name in ("ul", "ol"):
                self.list(child, level + 1)
            else:
                self.item(child, level)

    def item(self, tag: Tag, level: int) -> None:
        nested: list[Tag] = []
        parts: list[str] = []
        for child in tag.children:
            if isinstance(child, PreformattedString):
                continue
            if isinstance(child, Tag) and child.name in ("ul", "ol", "table"):
                nested.append(child)
            elif isinstance(child, Tag) and child.name in BLOCK_TAGS and child.find(["ul", "ol"]):
                parts.append(self._inline_skipping_lists(child, nested))
            elif isinstance(child, Tag):
                parts.append(self._inline_tag(child, links=True))
            elif isinstance(child, NavigableString):
                parts.append(str(child))
        self.emit("li", " ".join(parts), level)
        for sub in nested:
            if sub.name == "table":
                self.table(sub)
            else:
                self.list(sub, level + 1)

    def _inline_skipping_lists(self, node: Tag, nested: list[Tag]) -> str:
        parts: list[str] = []
        for child in node.children:
            if isinstance(child, Tag) and child.name in ("ul", "ol", "table"):
                nested.append(child)
            elif isinstance(child, Tag) and child.find(["ul", "ol"]):
                parts.append(self._inline_skipping_lists(child, nested))
            elif isinstance(child, Tag):
                parts.append(" " + self._inline_tag(child, links=True) + " ")
            elif isinstance(child, NavigableString) and not isinstance(child, PreformattedString):
                parts.append(str(child))
        return " ".join(parts)

    def table(self, table: Tag) -> None:
        rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
        layout = table.find(["table", *HEADINGS, "ul", "ol", "p"]) is not None and len(rows) <= 3
        if layout:  # a table used for page layout: its cells are ordinary content
            for tr in rows:
                for cell in tr.find_all(["td", "th"], recursive=False):
                    self.container(cell)
            return
        caption = table.find("caption")
        if caption is not None:
            self.emit("p", self.inline(caption))
        for tr in rows:
            cells = [clean_text(self.inline(c)) for c in tr.find_all(["td", "th"], recursive=False)]
            if any(cells):
                self.emit("row", " | ".join(cells))


def _has_block(tag: Tag) -> bool:
    return any(isinstance(d, Tag) and d.name in BLOCK_TAGS for d in tag.descendants)


_SENTENCE_END = re.compile(r"[.;,]$")


_BOLD_SENTENCE_END = re.compile(r"[.;,!…]$")
MAX_LABEL_WORDS = 3  # "Contact details:" is a label; "You have the following rights:" a lead-in


def bold_may_be_heading(text: str) -> bool:
    """Whether an all-bold paragraph can be a heading in disguise. Emphasis alone must never turn a
    sentence into a heading (an editor bolding a sentence would move every section after it): a
    run that ends like a sentence (. ; , ! ...) is text, and so is a lead-in ending in a colon
    unless it is a short label. Questions stay possible headings (FAQ-style policies)."""
    words = len(text.split())
    if not text or len(text) > 120 or words > 14 or _BOLD_SENTENCE_END.search(text):
        return False
    return not (text.endswith(":") and words > MAX_LABEL_WORDS)


def _bold_heading(run: list[Tag | NavigableString]) -> str | None:
    """The text of a short run that is entirely bold/strong (a heading in disguise), else None."""
    text = clean_text("".join(n.get_text(" ") if isinstance(n, Tag) else str(n) for n in run))
    if not bold_may_be_heading(text):
        return None
    bold: list[str] = []
    for node in run:
        if isinstance(node, Tag):
            if node.name in ("b", "strong"):
                bold.append(node.get_text(" "))
            elif node.name == "p" or (len(run) == 1 and node.name in ("span", "div", "font")):
                inner = _bold_heading([c for c in node.children if isinstance(c, (Tag, NavigableString))])
                if inner is None:
                    return None
                bold.append(inner)
            elif clean_text(node.get_text(" ")):
                return None
        elif clean_text(str(node)):
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
    soup = BoundedSoup(html)
    page_title = _page_title(soup)
    for selector in remove or []:
        try:
            matches = soup.select(selector)
        except Exception as exc:
            raise ExtractError(f"invalid CSS selector {selector!r}: {exc}") from exc
        for tag in matches:
            if not is_gone(tag):
                tag.decompose()
    if select:
        roots = _content_roots(soup, select)
        for root in roots:
            strip_chrome(root, deadline)
    else:
        strip_chrome(soup.body or soup, deadline)
        roots = _content_roots(soup, None)
    if roots:
        strip_trailing_footer(roots[-1])  # a site footer inside the policy's last container
    walker = _HtmlWalker(deadline)
    for root in roots:
        if root.name in HEADINGS or root.name in ("ul", "ol", "table", "li"):
            walker.block(root)
        else:
            walker.container(root)
    title, events = _split_title(walker.events)
    return _build(events, title or page_title)


# ---------------------------------------------------------------------------------------------------
# Plain text
# ---------------------------------------------------------------------------------------------------

_BULLET = re.compile(
    r"^(?P<marker>[-*•●◦▪▫■□–·]|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)]|\(?(?:i{1,3}|iv|v|vi{1,3}|ix|x)[.)])\s+(?P<text>\S.*)$"
)
_NUMBERED_HEADING = re.compile(r"^(?P<num>\d{1,2}\.(?:\d{1,2}\.?)*)\s+(?P<text>\S.*)$")
_ARTICLE = re.compile(r"^(?P<word>article|section|chapter|part|art\.)\s+[\dIVXLC]+\b", re.IGNORECASE)
_TERMINAL = re.compile(r"[.!?;:,]$")
_TITLE_WORDS = re.compile(
    r"privacy|policy|statement|notice|terms|cookie|data protection|datenschutz|confidentialit|privacidad",
    re.IGNORECASE,
)


@dataclass
class _Unit:
    """One logical line: a hard-wrapped paragraph re-joined, or a single line."""

    text: str
    indent: int


def _words(text: str) -> int:
    return len(text.split())


def _is_bullet(text: str) -> bool:
    return bool(_BULLET.match(text)) and not _numbered_heading_text(text)


def _numbered_heading_text(text: str) -> bool:
    m = _NUMBERED_HEADING.match(text)
    if not m:
        return False
    rest = m.group("text")
    return _words(rest) <= 15 and len(rest) <= 100 and not _SENTENCE_END.search(rest) and rest[0].isupper()


def _is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters) and _words(text) <= 15 and len(text) <= 100


def _heading_like(text: str) -> bool:
    """Lines that must never be glued onto the line before them."""
    return _is_bullet(text) or _numbered_heading_text(text) or _is_caps(text) or _article_heading(text)


def _article_heading(text: str) -> bool:
    """ "Article 3 - Retention", not a sentence that starts with "Article 20(1) of the GDPR ..."."""
    return bool(_ARTICLE.match(text)) and _words(text) <= 12 and not _TERMINAL.search(text)


def _logical_lines(text: str, *, pdf: bool = False) -> list[_Unit]:
    lines = [x.expandtabs(4).rstrip() for x in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    width = None if pdf else _wrap_width([clean_text(x) for x in lines])
    dehyphenator = Dehyphenator([clean_text(x) for x in lines]) if pdf else None
    units: list[_Unit] = []
    group: list[str] = []
    for line in [*lines, ""]:
        if clean_text(line):
            group.append(line)
            continue
        units.extend(_join_group(group, pdf, width, dehyphenator))
        group = []
    return units


def _wrap_width(lines: list[str]) -> int | None:
    """The column the text was hard-wrapped at, or None. A line wrapped at width W is at most W long
    and its next word would not have fitted: W is where most line pairs agree."""
    votes: dict[int, int] = {}
    for a, b in zip(lines, lines[1:], strict=False):
        if not a or not b or len(a) > 150 or len(b) > 150:
            continue
        for w in range(max(len(a), 30), min(len(a) + 1 + len(b.split()[0]), 151)):
            votes[w] = votes.get(w, 0) + 1
    if not votes:
        return None
    width, count = max(votes.items(), key=lambda kv: (kv[1], kv[0]))
    return width if count >= 2 else None  # one pair agreeing is a coincidence


def _join_group(
    group: list[str], pdf: bool, wrap_width: int | None, dehyphenator: Dehyphenator | None = None
) -> list[_Unit]:
    """Re-join the hard-wrapped lines of one blank-line-separated group. With a `dehyphenator`
    (PDF), a word the typesetter broke at a line end loses its hyphen; a compound keeps it."""
    if not group:
        return []
    width = max(len(clean_text(line)) for line in group) if pdf else wrap_width
    wrapped = width is not None and 30 <= width <= 150
    units: list[_Unit] = []
    prev = ""
    for k, line in enumerate(group):
        stripped = clean_text(line)
        indent = len(line) - len(line.lstrip())
        nxt = clean_text(group[k + 1]) if k + 1 < len(group) else ""
        if units and wrapped and not _starts_records(prev, stripped, nxt) and _continues(
            prev, stripped, width or 0, pdf
        ):
            joined = units[-1].text
            rejoined = dehyphenator.join(joined, stripped) if dehyphenator else None
            if rejoined is not None:
                units[-1].text = rejoined
            elif re.search(r"[^\W\d_]-$", joined) and stripped[:1].isalpha():
                units[-1].text = joined + stripped  # a word broken at its hyphen
            else:
                units[-1].text = joined + " " + stripped
        else:
            units.append(_Unit(stripped, indent))
        prev = stripped
    return units


_LABEL = re.compile(r"^[^\W\d_][^:.!?]{0,40}:\s")  # "Usage events: 24 months", a record's label


def _is_record(text: str) -> bool:
    m = _LABEL.match(text)
    return bool(m) and text[:1].isupper() and _words(m.group(0)) <= 4


def _starts_records(prev: str, line: str, nxt: str) -> bool:
    """Consecutive "Label: value" lines are records (a table flattened to text), never one wrapped
    paragraph: `line` is one when it and a neighbour are, and `prev` is a record or ends a sentence."""
    if not _is_record(line):
        return False
    return _is_record(prev) or (_is_record(nxt) and bool(re.search(r"[.!?:]$", prev)))


def _continues(prev: str, line: str, width: int, pdf: bool) -> bool:
    if _heading_like(line):
        return False
    if _is_caps(prev) or _numbered_heading_text(prev):
        return False
    if not pdf and (len(prev) > width or len(line) > width):
        return False  # a line longer than the wrap width was never wrapped at it
    if line[:1].islower() and not re.search(r"[.!?:]$", prev):
        return True
    if len(prev) < 0.6 * width:
        return False
    first_word = line.split()[0]
    # With proportional fonts (PDF) a wrapped line is "long", not exactly as long as the widest.
    fits = len(prev) >= 0.75 * width if pdf else len(prev) + 1 + len(first_word) > width
    if not fits:
        return False
    # A full last line of a paragraph followed by a short heading-looking line: keep them apart.
    short_title = len(line) < 0.6 * width and line[:1].isupper() and not re.search(r"[.,;]$", line)
    return not (re.search(r"[.!?:]$", prev) and short_title)


def _is_prose(text: str) -> bool:
    return _words(text) >= 20 and bool(re.search(r"[.!?:;]", text))


def _is_menu_like(text: str) -> bool:
    return (
        _words(text) <= 8
        and len(text) <= 60
        and not _TERMINAL.search(text)
        and not _is_bullet(text)
        and not _numbered_heading_text(text)
    )


MENU_RUN = 8  # this many short lines in a row is navigation, not policy text


def _find_body(units: list[_Unit]) -> list[_Unit]:
    """Keep the stretch between menu runs that holds the most prose; give back a trailing title."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        if _is_menu_like(units[i].text):
            j = i
            while j < len(units) and _is_menu_like(units[j].text):
                j += 1
            if j - i >= MENU_RUN:
                runs.append((i, j))
            i = j
        else:
            i += 1
    if not runs:
        return units
    bounds = [0] + [x for run in runs for x in run] + [len(units)]
    segments = [(bounds[k], bounds[k + 1]) for k in range(0, len(bounds), 2)]

    def score(seg: tuple[int, int]) -> int:
        return sum(_words(u.text) for u in units[seg[0] : seg[1]] if _is_prose(u.text))

    best = max(range(len(segments)), key=lambda k: (score(segments[k]), -k))
    start, end = segments[best]
    # A neighbouring stretch with real prose is policy too (a table of contents split it off).
    while best > 0 and score(segments[best - 1]) >= 40:
        best -= 1
        start = segments[best][0]
    last = best
    while (
        last + 1 < len(segments)
        and score(segments[last + 1]) >= 40
        and _prose_count(units, segments[last + 1]) >= 2
    ):
        last += 1
        end = segments[last][1]
    # The policy's own title often sits at the very end of the menu run above it.
    for k in range(start - 1, max(start - 4, -1), -1):
        if k >= 0 and _TITLE_WORDS.search(units[k].text) and any(r[1] == start for r in runs):
            start = k
            break
    return units[start:end]


def _prose_count(units: list[_Unit], seg: tuple[int, int]) -> int:
    return sum(1 for u in units[seg[0] : seg[1]] if _is_prose(u.text))


def _is_body_text(text: str) -> bool:
    return not _is_bullet(text) and (_words(text) >= 8 or bool(re.search(r"[.!?]$", text)))


class _TextStructurer:
    """Decides which logical lines are headings, list items or paragraphs.

    Plain text has no heading levels, so they are inferred: numbered headings by their depth
    ("1.2" is level 2), Article/Chapter and ALL CAPS lines at the top (under the numbering when
    there is one), and other short heading lines one level under the last of those.
    """

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.strong = 0  # level of the last numbered / ALL CAPS / Article heading
        self.numbered = 0  # level of the last numbered heading
        self.seen_article = False
        self.generic_top = False  # a plain short line has been used as a top-level heading
        self.list_indents: list[int] = []

    def run(self, units: list[_Unit]) -> None:
        for k, unit in enumerate(units):
            nxt = units[k + 1].text if k + 1 < len(units) else ""
            self.unit(unit, nxt)

    def heading(self, text: str, level: int, strong: bool) -> None:
        self.list_indents = []
        if strong:
            self.strong = level
        self.events.append(("h", text, level))

    def unit(self, unit: _Unit, nxt: str) -> None:
        text = unit.text
        numbered = _NUMBERED_HEADING.match(text)
        # "1. Scope" followed by "2. Purpose" is a list; followed by text it is a heading.
        if numbered and _numbered_heading_text(text) and not _NUMBERED_HEADING.match(nxt):
            self.numbered = len([p for p in numbered.group("num").split(".") if p])
            self.heading(text, self.numbered, strong=True)
            return
        article = _ARTICLE.match(text)
        if article and _article_heading(text):
            word = article.group("word").lower()
            self.seen_article = self.seen_article or word.startswith("art")
            self.heading(text, 2 if word == "section" and self.seen_article else 1, strong=True)
            return
        if _is_caps(text) and not _BULLET.match(text) and not re.search(r"[.;,]$", text):
            # Once plain short lines serve as the top headings, a lone capitalised one is their peer.
            self.heading(text, 1, strong=not (self.generic_top and not self.numbered))
            return
        bullet = _BULLET.match(text)
        if bullet:
            self.item(bullet.group("text"), unit.indent)
            return
        if self._generic_heading(text, nxt):
            self.generic_top = self.generic_top or self.strong == 0
            self.heading(text, self.strong + 1, strong=False)
            return
        if self.list_indents and unit.indent > self.list_indents[-1]:
            # An indented line under a list item, without a marker: more of that item.
            self.events.append(("li", text, len(self.list_indents) - 1))
            return
        self.list_indents = []
        self.events.append(("p", text, 0))

    def _generic_heading(self, text: str, nxt: str) -> bool:
        if not text[:1].isupper() and not text[:1].isdigit():
            return False
        if "@" in text or "http" in text or _words(text) > 12 or len(text) > 100:
            return False
        if text.endswith(":"):
            return _words(text) <= 5 and bool(nxt) and _is_bullet(nxt)
        if re.search(r"[.,;!]$", text) or ":" in text:
            return False
        return bool(nxt) and _is_body_text(nxt)

    def item(self, text: str, indent: int) -> None:
        while self.list_indents and self.list_indents[-1] > indent:
            self.list_indents.pop()
        if not self.list_indents or self.list_indents[-1] < indent:
            self.list_indents.append(indent)
        self.events.append(("li", text, len(self.list_indents) - 1))


def _text_title(units: list[_Unit]) -> tuple[str, list[_Unit]]:
    """The first line is the title when it reads like one; a stray menu word or two before a
    line naming the policy ("More" / "Privacy Statement") goes."""
    for k, unit in enumerate(units[:3]):
        if _TITLE_WORDS.search(unit.text) and _title_like(unit.text):
            if all(_is_menu_like(u.text) for u in units[:k]):
                return unit.text, units[k + 1 :]
            break
    if units and _title_like(units[0].text):
        return units[0].text, units[1:]
    return "", units


def _title_like(text: str) -> bool:
    return (
        _words(text) <= 12
        and not _TERMINAL.search(text)
        and not _is_bullet(text)
        and not _NUMBERED_HEADING.match(text)
    )


def _extract_text(text: str, *, pdf: bool = False) -> Document:
    units = _find_body(_logical_lines(text, pdf=pdf))
    title, units = _text_title(units)
    structurer = _TextStructurer()
    structurer.run(units)
    return _build(structurer.events, title)


def extract_text(text: str) -> Document:
    return _extract_text(text)


# ---------------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------------

_MD_ATX = re.compile(r"^ {0,3}(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$")
_MD_HR = re.compile(r"^ {0,3}(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$")
_MD_ITEM = re.compile(r"^(?P<indent> *)(?P<marker>[*+-]|\d{1,9}[.)])(?:\s+(?P<text>.*))?$")
_MD_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_MD_TABLE_SEP = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_MD_IMAGE = re.compile(r"!\[[^\[\]]*\]\([^()]*(?:\([^()]*\)[^()]*)*\)")
_MD_LINK = re.compile(
    r"\[(?P<text>[^\[\]]*)\]\(\s*<?(?P<url>[^()\s<>]*(?:\([^()\s]*\)[^()\s<>]*)*)>?"
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
)
_MD_REF_LINK = re.compile(r"\[(?P<text>[^\[\]]+)\]\[[^\[\]]*\]")
_MD_AUTOLINK = re.compile(r"<((?:https?|mailto):[^<>\s]+)>", re.IGNORECASE)
_HTML_A = re.compile(r"<a\b(?P<attrs>[^<>]*)>(?P<text>.*?)</a\s*>", re.IGNORECASE | re.DOTALL)
_HTML_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_HTML_CFEMAIL = re.compile(
    r"<(?P<tag>[a-z]+)\b[^<>]*data-cfemail\s*=\s*[\"']?(?P<hex>[0-9a-fA-F]+)[\"']?[^<>]*>.*?</(?P=tag)\s*>",
    re.IGNORECASE | re.DOTALL,
)
_HTML_BREAK = re.compile(r"<(?:br|hr|/p|p|/div|div|/li|li)\b[^<>]*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_TOKEN = re.compile(r"\x00(\d+)\x00")


class _Tokens:
    """Placeholders that keep finished pieces (links, escaped characters) out of later rewrites."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, text: str) -> str:
        self.items.append(text)
        return f"\x00{len(self.items) - 1}\x00"

    def restore(self, text: str) -> str:
        for _ in range(10):  # tokens may hold tokens
            if "\x00" not in text:
                break
            text = _TOKEN.sub(lambda m: self.items[int(m.group(1))], text)
        return text


def _strip_emphasis(text: str) -> str:
    text = re.sub(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", r"\1", text)
    text = re.sub(r"(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)", r"\1", text)
    text = re.sub(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)", r"\1", text)
    text = re.sub(r"~~(?=\S)(.+?)(?<=\S)~~", r"\1", text)
    return text.replace("**", "")


def _md_inline(text: str) -> str:
    """Markdown/inline-HTML text -> plain text with `[text](url)` links."""
    tokens = _Tokens()
    text = _MD_ESCAPE.sub(lambda m: tokens.add(m.group(1)), text)
    text = re.sub(r"`([^`]+)`", lambda m: tokens.add(m.group(1)), text)
    text = _HTML_CFEMAIL.sub(
        lambda m: tokens.add(decode_cf_email(m.group("hex")) or "[email protected]"), text
    )

    def html_link(m: re.Match[str]) -> str:
        href = _HTML_HREF.search(m.group("attrs"))
        url = html_lib.unescape(next(g for g in href.groups() if g is not None)) if href else None
        inner = html_lib.unescape(_HTML_TAG.sub(" ", tokens.restore(m.group("text"))))
        return tokens.add(format_link(_strip_emphasis(inner), url))

    text = _HTML_A.sub(html_link, text)
    text = _MD_AUTOLINK.sub(lambda m: tokens.add(re.sub(r"(?i)^mailto:", "", m.group(1))), text)
    text = _HTML_BREAK.sub(" ", text)
    text = _HTML_TAG.sub("", text)
    text = _MD_IMAGE.sub("", text)

    def md_link(m: re.Match[str]) -> str:
        inner = html_lib.unescape(tokens.restore(_strip_emphasis(m.group("text"))))
        return tokens.add(format_link(inner, tokens.restore(m.group("url"))))

    text = _MD_LINK.sub(md_link, text)
    text = _MD_REF_LINK.sub(lambda m: m.group("text"), text)
    text = html_lib.unescape(_strip_emphasis(text))
    return clean_text(tokens.restore(text))


def _md_bold_heading(raw: str) -> str | None:
    m = re.fullmatch(r"\s*(\*\*|__)(?P<text>[^*_].*?)\1\s*(?P<colon>:?)\s*", raw)
    if not m or "**" in m.group("text"):
        return None
    text = _md_inline(m.group("text")) + m.group("colon")
    return text if bold_may_be_heading(text) else None


def _split_row(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [c.replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)]


class _MarkdownParser:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.para: list[str] = []
        self.para_kind = "p"
        self.para_level = 0
        self.list_indents: list[int] = []  # marker indents of the open list items
        self.content_indent = 0  # where the text of the current list item starts
        self.after_blank = False

    def flush(self) -> None:
        if not self.para:
            return
        raw = " ".join(s.strip() for s in self.para)
        self.para = []
        if self.para_kind == "p":
            heading = _md_bold_heading(raw)
            if heading:
                self.events.append(("h", heading, BOLD_LEVEL))
                return
        text = _md_inline(raw)
        if text:
            self.events.append((self.para_kind, text, self.para_level))

    def end_list(self) -> None:
        self.list_indents = []

    def parse(self, markdown: str) -> list[Event]:
        fence: str | None = None
        for raw in markdown.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            line = raw.expandtabs(4).rstrip()
            if fence is not None:
                if line.strip().startswith(fence):
                    fence = None
                    self.flush()
                else:
                    self.para.append(line)
                continue
            if not line.strip():
                self.flush()
                self.after_blank = True
                continue
            self.line(line)
            if _MD_FENCE.match(line):
                fence = _MD_FENCE.match(line).group(1)  # type: ignore[union-attr]
            self.after_blank = False
        self.flush()
        return self.events

    def line(self, line: str) -> None:
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if _MD_FENCE.match(line):
            self.flush()
            self.para_kind, self.para_level = "p", 0
            return
        if self.para and self.para_kind == "p" and not self.after_blank:
            if re.fullmatch(r"=+", stripped):
                self.heading(" ".join(s.strip() for s in self.para), 1)
                return
            if re.fullmatch(r"-+", stripped):
                self.heading(" ".join(s.strip() for s in self.para), 2)
                return
        if _MD_HR.match(line):
            self.flush()
            return
        atx = _MD_ATX.match(line)
        if atx:
            self.heading(atx.group(2) or "", len(atx.group(1)))
            return
        if stripped.startswith(">"):
            stripped = re.sub(r"^(>\s?)+", "", stripped)
            if not stripped.strip():
                self.flush()
                return
            line, indent = stripped, 0
        if stripped.startswith("|"):
            self.flush()
            if not _MD_TABLE_SEP.match(stripped):
                cells = [_md_inline(c) for c in _split_row(stripped)]
                if any(cells):
                    self.events.append(("row", " | ".join(cells), 0))
            return
        item = _MD_ITEM.match(line)
        if (
            item
            and (item.group("text") or "").strip()
            and not (self.para and not self.after_blank and indent > 3 and self.para_kind == "p")
        ):
            self.flush()
            while self.list_indents and self.list_indents[-1] > indent:
                self.list_indents.pop()
            if not self.list_indents or self.list_indents[-1] < indent:
                self.list_indents.append(indent)
            self.para = [item.group("text")]
            self.para_kind, self.para_level = "li", len(self.list_indents) - 1
            self.content_indent = indent + len(item.group("marker")) + 1
            return
        if self.para:  # lazy continuation of the open paragraph or item
            self.para.append(stripped)
            return
        if self.list_indents and indent >= 2 and indent >= self.list_indents[-1] + 1:
            # A further paragraph of the open list item.
            self.para = [stripped]
            self.para_kind, self.para_level = "li", len(self.list_indents) - 1
            return
        self.end_list()
        self.para = [stripped]
        self.para_kind, self.para_level = "p", 0

    def heading(self, text: str, level: int) -> None:
        self.para = []
        self.end_list()
        text = _md_inline(text)
        if text:
            self.events.append(("h", text, level))


def _promote_plain_headings(events: list[Event]) -> list[Event]:
    """Markdown made from pages without heading tags (some Open Terms Archive captures) carries its
    headings as plain one-line paragraphs: find them with the plain-text rules."""
    structurer = _TextStructurer()
    for k, (kind, text, level) in enumerate(events):
        if kind != "p":
            structurer.list_indents = []
            structurer.events.append((kind, text, level))
            continue
        nxt_kind, nxt_text = events[k + 1][:2] if k + 1 < len(events) else ("", "")
        nxt = "- " + nxt_text if nxt_kind == "li" else nxt_text if nxt_kind == "p" else ""
        structurer.unit(_Unit(text, 0), nxt)
    return structurer.events


MIN_MARKDOWNHEADINGS = 3  # with fewer, the markup is not where the headings are


def extract_markdown(markdown: str) -> Document:
    events = _MarkdownParser().parse(markdown)
    if sum(1 for e in events if e[0] == "h") < MIN_MARKDOWNHEADINGS:
        events = _promote_plain_headings(events)
    title, events = _split_title(events)
    return _build(events, title)


# ---------------------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(r"^(?:page\s*)?#(?:\s*(?:of|/)\s*#)?$|^[-–—]\s*#\s*[-–—]$", re.IGNORECASE)


def _line_key(line: str) -> str:
    return re.sub(r"\d+", "#", clean_text(line).lower())


def _strip_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Drop running headers/footers (same line at a page edge on most pages) and page numbers."""
    edge_counts: dict[str, int] = {}
    middle: set[str] = set()  # a line also found mid-page is text, however often it repeats
    for lines in pages:
        for key in {_line_key(x) for x in lines[:2] + lines[-2:]}:
            edge_counts[key] = edge_counts.get(key, 0) + 1
        middle.update(_line_key(x) for x in lines[2:-2])
    needed = max(2, (len(pages) + 1) // 2)
    repeated = (
        {k for k, n in edge_counts.items() if n >= needed and k not in middle} if len(pages) > 1 else set()
    )

    def furniture(line: str) -> bool:
        key = _line_key(line)
        return key in repeated or bool(_PAGE_NUMBER.match(key))

    cleaned = []
    for lines in pages:
        lines = list(lines)
        for _ in range(3):  # peel a few lines at each edge, never the page's middle
            if lines and furniture(lines[0]):
                lines.pop(0)
            if lines and furniture(lines[-1]):
                lines.pop()
        cleaned.append(lines)
    return cleaned


def extract_pdf(data: bytes, *, time_budget: float | None = TIME_BUDGET) -> Document:
    """PDF bytes -> Document. Raises ExtractError for an unreadable or text-less PDF, or when reading
    its pages takes longer than `time_budget` seconds (checked between pages)."""
    from pypdf import PdfReader

    deadline = Deadline(time_budget, ExtractError, every=1)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")
        texts = []
        for page in reader.pages:
            deadline.check()
            texts.append(page.extract_text() or "")
    except ExtractError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged input; all mean the same here
        raise ExtractError(f"unreadable PDF: {exc}") from exc
    texts = [fold_pdf_text(t) for t in texts]  # ligatures and other compatibility forms
    pages = [[x for x in t.replace("\r", "\n").split("\n") if clean_text(x)] for t in texts]
    if not any(pages):
        raise ExtractError("the PDF has no extractable text (a scanned image?)")
    pages = _strip_page_furniture(pages)
    return _extract_text("\n".join("\n".join(lines) for lines in pages), pdf=True)


# ---------------------------------------------------------------------------------------------------
# Dispatch
# ---------------------------------------------------------------------------------------------------

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_MARKDOWN_TYPES = frozenset({"text/markdown", "text/x-markdown"})
_SUFFIXES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".txt": "text/plain",
    ".pdf": "application/pdf",
}


def decode_text(body: bytes | str) -> str:
    """UTF-8 (with or without BOM), else whatever charset_normalizer finds most plausible."""
    if isinstance(body, str):
        return body
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(body).best()
    if best is None:
        raise ExtractError("the body is not text in any encoding charset_normalizer recognises")
    return str(best)


def extract(
    body: bytes | str, content_type: str, *, select: list[str] | None = None, remove: list[str] | None = None
) -> Document:
    """Dispatch on the media type. `select`/`remove` only mean something for HTML and are ignored
    for the other types (a watch's page may turn into a PDF without its config changing)."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/pdf":
        if isinstance(body, str):
            raise ExtractError("a PDF body must be bytes, not an already-decoded str")
        return extract_pdf(body)
    if media_type in _HTML_TYPES:
        return extract_html(decode_text(body), select=select, remove=remove)
    if media_type in _MARKDOWN_TYPES:
        return extract_markdown(decode_text(body))
    if media_type == "text/plain":
        return extract_text(decode_text(body))
    raise ExtractError(f"unsupported content type {content_type!r}")


def media_type_for_path(path: str | os.PathLike[str]) -> str:
    suffix = Path(path).suffix.lower()
    try:
        return _SUFFIXES[suffix]
    except KeyError:
        raise ExtractError(
            f"cannot tell the type of {os.fspath(path)!r} from its suffix {suffix!r} "
            f"(known: {', '.join(sorted(_SUFFIXES))})"
        ) from None


def extract_file(path: str | os.PathLike[str]) -> Document:
    media_type = media_type_for_path(path)
    return extract(Path(path).read_bytes(), media_type)
