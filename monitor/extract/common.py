"""What every input format shares: the error type, the extractor version, links, and the step from
extraction events to a `Document`.

Every format (`monitor.extract.html`, `.text`, `.markdown`, `.pdf`) emits events and ends in the same
`DocumentBuilder` (`build`), so they give the same shape. An event is ("h", text, level) for a
heading or (kind, text, level) for a block ("p", "li", "row").
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

from monitor.document import Document, DocumentBuilder, clean_text

# 2: hidden page wrappers kept, bounded nesting, several documents on a page, FAQ questions as
#    headings, site footers inside the last section dropped, bold sentences not headings, PDF
#    ligatures folded and line-end hyphens joined, separator paragraphs dropped.
EXTRACTOR_VERSION = "2"


class ExtractError(ValueError):
    """The body cannot be turned into a Document (unsupported type, unreadable PDF, bad selector)."""


# An event is ("h", text, level) for a heading or (kind, text, level) for a block; extractors emit
# events and `build` feeds them to the builder, so the title rule lives in one place.
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
    if "?" not in href:
        return href  # no query string (told without splitting the address)
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
    if _CF_PATH not in url:  # the usual link, told without splitting it
        return False, None
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


def split_title(events: list[Event]) -> tuple[str, list[Event]]:
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


def is_separator(text: str) -> bool:
    """A paragraph without a letter or digit ("***", "* * *", "~ ~ ~"): a drawn separator."""
    return not (text[:1].isalnum() or any(map(str.isalnum, text)))  # most paragraphs open with one


def build(events: list[Event], title: str) -> Document:
    builder = DocumentBuilder()
    for kind, text, level in events:
        if kind == "h":
            builder.heading(text, level)
        elif kind == "p" and is_separator(text):
            continue
        else:
            builder.block(kind, text, level)  # type: ignore[arg-type]
    return builder.build(title)


SENTENCE_END = re.compile(r"[.;,]$")


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

