"""Extraction: HTML / text / markdown / PDF -> Document, and the promise that page chrome never
changes the Document. Fixtures are fictional companies written for these tests; the real seeds and
devset are read from ../shared when it is there."""

from __future__ import annotations

import io
import os
import re
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.document import Block, Document
from monitor.extract import (
    EXTRACTOR_VERSION,
    ExtractError,
    clean_url,
    decode_cf_email,
    extract,
    extract_file,
    extract_html,
    extract_markdown,
    extract_pdf,
    extract_text,
    media_type_for_path,
)


def shared_dir() -> Path:
    env = os.environ.get("MONITOR_SHARED_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared"


def roundtrips(doc: Document) -> bool:
    return Document.from_markdown(doc.to_markdown()) == doc


def cf_hex(address: str, key: int = 0x5A) -> str:
    return f"{key:02x}" + "".join(f"{b ^ key:02x}" for b in address.encode())


def blocks(doc: Document) -> list[Block]:
    return [b for s in doc.sections for b in s.blocks]


def section(doc: Document, heading: str):
    matches = [s for s in doc.sections if s.heading == heading]
    assert matches, f"no section {heading!r} in {[s.path for s in doc.sections]}"
    return matches[0]


# ---------------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------------

ADDRESS = "dpo@zephyrkites.example"

POLICY_BODY = """
<h1>Privacy Policy</h1>
<p class="lead">Zephyr Kites Ltd (<em>"we"</em>) explains here how we handle your data.<br>
   Please read it carefully.</p>
<h2>1. What we collect</h2>
<ul>
  <li>Your name and <strong>e-mail</strong> address
    <ul><li>including nicknames you choose</li></ul>
  </li>
  <li><p>Your kite preferences</p></li>
</ul>
<p><strong>Payment data</strong></p>
<p>We pass card details to <a href="https://pay.example.org/terms?utm_source=site&amp;id=7&amp;gclid=abc">our
   payment partner</a>.</p>
<h2 id="cookies">2. Cookies</h2>
<div class="cookies-section"><p>We set a cookie to remember your basket for 30 days.</p></div>
<h2>3. How long we keep data</h2>
<table>
  <tr><th>Data</th><th>Period</th></tr>
  <tr><td>Orders</td><td><b>6</b> years</td></tr>
</table>
<dl><dt>Server logs</dt><dd>30 days</dd></dl>
<blockquote>We never sell your data.</blockquote>
<h2>4. Contact</h2>
<p>Write to {email_html} or use <a href="javascript:openChat()">the chat</a>
   (<a href="#">see above</a>).</p>
"""

PLAIN_EMAIL = f'<a href="mailto:{ADDRESS}">{ADDRESS}</a>'
CF_LINK = f'<a href="/cdn-cgi/l/email-protection#{cf_hex(ADDRESS)}">[email&#160;protected]</a>'
CF_SPAN = (
    f'<a href="/cdn-cgi/l/email-protection#{cf_hex(ADDRESS, 0x33)}"><span class="__cf_email__" '
    f'data-cfemail="{cf_hex(ADDRESS, 0x33)}">[email&#160;protected]</span></a>'
)


def page_a(email_html: str = PLAIN_EMAIL) -> str:
    return f"""<!doctype html><html><head><title>Privacy Policy | Zephyr Kites</title>
<style>p {{ color: red }}</style><script>window.t = 1;</script></head><body>
<a class="skip-link" href="#main">Skip to content</a>
<header><a href="/"><img src="/logo.png" alt="Zephyr"></a>
  <nav><ul><li><a href="/">Home</a></li><li><a href="/shop">Shop kites</a></li></ul></nav></header>
<div class="cookie-banner"><p>We use cookies to give you the best experience on our website.</p>
  <button>Accept all</button></div>
<main id="main">
{POLICY_BODY.format(email_html=email_html)}
</main>
<footer><p>&copy; 2024 Zephyr Kites. Last updated 2024-05-01 12:03. Printed at 10:00.</p>
  <ul><li><a href="/terms">Terms</a></li></ul></footer>
<script src="https://tracker.example.net/t.js"></script>
</body></html>"""


def page_b(email_html: str = CF_LINK) -> str:
    """The same policy on a redesigned site: new menu, footer, consent manager, timestamp, scripts,
    inline styles, hidden bits and a tracking parameter more."""
    body = POLICY_BODY.format(email_html=email_html)
    body = body.replace("<p>", '<p style="margin:0 0 1em 0">').replace(
        "https://pay.example.org/terms?utm_source=site&amp;id=7&amp;gclid=abc",
        "https://pay.example.org/terms?id=7&amp;fbclid=xyz&amp;utm_campaign=spring&amp;mc_eid=1",
    )
    body = body.replace("<h2>3.", '<span hidden>Ad: buy a kite</span><h2 class="h">3.')
    return f"""<!DOCTYPE html>
<html lang="en"><head><title>Privacy Policy | Zephyr Kites | Spring sale!</title>
<script>dataLayer.push({{ts: 1714567890}})</script><noscript><img src="/px.gif"></noscript></head>
<body class="theme-dark">
<div id="onetrust-consent-sdk"><div id="onetrust-banner-sdk" role="dialog" aria-label="Cookie banner">
  <h2>We value your privacy</h2><p>Click accept to allow all cookies on this device.</p></div></div>
<div class="newsletter-popup"><p>Sign up to our newsletter and get 10% off your first kite!</p></div>
<header class="site-header"><nav aria-label="Main"><a href="/">Home</a> <a href="/sale">Sale</a>
  <a href="/blog">Blog</a></nav></header>
<div class="breadcrumbs"><a href="/">Home</a> &gt; Legal &gt; Privacy</div>
<main>
<!-- rendered 2024-06-02T08:00:00Z -->
{body}
<div aria-hidden="true">Page generated in 0.03 s</div>
<div style="display: none">experiment B</div>
</main>
<aside><h3>Popular kites</h3><p>The Gale 3000 is our best seller this season, order it today.</p></aside>
<footer><p>Last updated 02/06/2024 08:00 - printed at 08:01</p><form><input name="q"><button>Go</button></form>
</footer>
<iframe src="https://ads.example.net/frame"></iframe><svg><text>icon</text></svg>
</body></html>"""


def page_c(email_html: str = CF_SPAN) -> str:
    """No landmarks at all: the densest block has to be found."""
    return f"""<html><head><title>Zephyr Kites - Privacy Policy</title></head><body>
<div class="wrapper">
  <div class="top"><a href="/">Home</a> | <a href="/shop">Shop</a> | <a href="/help">Help</a></div>
  <div class="content"><div class="inner">{POLICY_BODY.format(email_html=email_html)}</div></div>
  <div class="links"><a href="/a">About us</a> <a href="/b">Careers</a> <a href="/c">Press</a></div>
</div></body></html>"""


def test_html_structure() -> None:
    doc = extract_html(page_a())
    assert doc.title == "Privacy Policy"
    assert [s.path for s in doc.sections] == [
        (),
        ("1. What we collect",),
        ("1. What we collect", "Payment data"),
        ("2. Cookies",),
        ("3. How long we keep data",),
        ("4. Contact",),
    ]
    intro = doc.sections[0].blocks
    # Emphasis dropped, <br> is white space only.
    assert intro == (
        Block(
            "p", 'Zephyr Kites Ltd ("we") explains here how we handle your data. Please read it carefully.'
        ),
    )
    assert section(doc, "1. What we collect").blocks == (
        Block("li", "Your name and e-mail address", 0),
        Block("li", "including nicknames you choose", 1),
        Block("li", "Your kite preferences", 0),
    )
    # Tracking parameters go, the rest of the query stays.
    assert section(doc, "Payment data").blocks == (
        Block("p", "We pass card details to [our payment partner](https://pay.example.org/terms?id=7)."),
    )
    # A policy's own section about cookies is content, not a cookie banner.
    assert section(doc, "2. Cookies").blocks[0].text.startswith("We set a cookie")
    assert section(doc, "3. How long we keep data").blocks == (
        Block("row", "Data | Period"),
        Block("row", "Orders | 6 years"),
        Block("p", "Server logs"),
        Block("p", "30 days"),
        Block("p", "We never sell your data."),
    )
    # javascript: and bare # links keep only their text; a mailto of its own address is the address.
    assert section(doc, "4. Contact").blocks == (
        Block("p", f"Write to {ADDRESS} or use the chat (see above)."),
    )
    text = doc.to_markdown()
    for chrome in ("Skip to content", "Shop kites", "best experience", "Accept all", "Last updated", "Terms"):
        assert chrome not in text
    assert roundtrips(doc)


def test_html_chrome_changes_give_the_identical_document() -> None:
    a = extract_html(page_a())
    b = extract_html(page_b())
    c = extract_html(page_c())
    assert b == a
    assert c.sections == a.sections
    assert b.content_hash() == a.content_hash()
    # page_c has no h1-only title rule difference: its <title> is not used because the h1 is.
    assert c.content_hash() == a.content_hash()


def test_html_policy_change_does_change_the_document() -> None:
    a = extract_html(page_a())
    changed = extract_html(page_a().replace("30 days", "90 days"))
    assert changed.content_hash() != a.content_hash()
    assert section(changed, "3. How long we keep data").blocks[3].text == "90 days"


@pytest.mark.parametrize("email_html", [PLAIN_EMAIL, CF_LINK, CF_SPAN, ADDRESS])
def test_obfuscated_and_plain_addresses_read_the_same(email_html: str) -> None:
    doc = extract_html(page_a(email_html))
    assert section(doc, "4. Contact").blocks[0].text.startswith(f"Write to {ADDRESS} or")
    assert doc == extract_html(page_a(PLAIN_EMAIL))


def test_hidden_elements_are_dropped() -> None:
    html = """<main><h1>Terms</h1><p>Visible policy text for Quokka Apps users.</p>
    <p hidden>h1</p><div aria-hidden="true">h2</div><p style="visibility: hidden">h3</p>
    <p style="DISPLAY:NONE">h4</p><template><p>h5</p></template><noscript>h6</noscript></main>"""
    doc = extract_html(html)
    assert [b.text for b in blocks(doc)] == ["Visible policy text for Quokka Apps users."]


def test_select_and_remove() -> None:
    html = """<body><div id="policy"><h2>Data we hold</h2><p>Quokka Apps keeps your score.</p>
    <div class="promo">Download the app!</div></div><div id="other"><p>Other stuff entirely here.</p></div>
    <div id="policy-2"><p>Second part of the policy text.</p></div></body>"""
    doc = extract_html(html, select=["#policy", "#policy-2"], remove=[".promo"])
    assert [s.path for s in doc.sections] == [("Data we hold",)]
    assert [b.text for b in blocks(doc)] == [
        "Quokka Apps keeps your score.",
        "Second part of the policy text.",
    ]
    with pytest.raises(ExtractError, match="match nothing"):
        extract_html(html, select=["#missing"])
    with pytest.raises(ExtractError, match="invalid CSS selector"):
        extract_html(html, select=["div[["])
    with pytest.raises(ExtractError, match="invalid CSS selector"):
        extract_html(html, remove=["::::"])


def test_select_keeps_a_selected_footer() -> None:
    html = """<body><main><p>Marketing copy that is not the policy at all, really.</p></main>
    <footer id="legal"><p>Quokka Apps stores data in the EU only.</p></footer></body>"""
    doc = extract_html(html, select=["#legal"])
    assert [b.text for b in blocks(doc)] == ["Quokka Apps stores data in the EU only."]


def test_bold_paragraph_headings_and_layout() -> None:
    html = """<article><p><b>Privacy Notice</b></p><p>Intro text of the Numbat Bank notice.</p>
    <p><strong>3. How long we keep data</strong></p><p>Seven years after the account closes.</p>
    <p><strong>Note:</strong> this is a sentence with a bold lead-in, not a heading.</p>
    <div>Loose text in a div <span>with a span</span><div>and a nested block</div>tail text</div></article>"""
    doc = extract_html(html)
    assert [s.path for s in doc.sections] == [("Privacy Notice",), ("3. How long we keep data",)]
    assert [b.text for b in doc.sections[1].blocks] == [
        "Seven years after the account closes.",
        "Note: this is a sentence with a bold lead-in, not a heading.",
        "Loose text in a div with a span",
        "and a nested block",
        "tail text",
    ]


def test_link_cleaning() -> None:
    assert clean_url("https://a.example/p?utm_source=x&utm_medium=y") == "https://a.example/p"
    assert clean_url("https://a.example/p?id=1&_hsenc=z&_hsmi=2#frag") == "https://a.example/p?id=1#frag"
    assert clean_url("https://a.example/p?q=a%20b&MC_CID=3") == "https://a.example/p?q=a%20b"
    assert clean_url("https://a.example/p?q=1") == "https://a.example/p?q=1"
    assert clean_url("javascript:void(0)") is None
    assert clean_url(" # ") is None
    assert decode_cf_email(cf_hex("a.b@c.example", 0x7F)) == "a.b@c.example"
    assert decode_cf_email("zz") is None
    assert decode_cf_email("") is None


# ---------------------------------------------------------------------------------------------------
# Plain text
# ---------------------------------------------------------------------------------------------------

MENU_TOP = "\n".join(
    [
        "Wombat Cloud",
        "Products",
        "Storage",
        "Backup",
        "Pricing",
        "Partners",
        "Careers",
        "Log in",
        "Sign up free",
    ]
)
MENU_BOTTOM = "\n".join(
    ["Company", "About", "Blog", "Press", "Status", "Help centre", "Developers", "© 2024 Wombat Cloud"]
)

POLICY_TEXT = """Privacy Policy

Wombat Cloud Pty Ltd ("Wombat") respects your privacy. This policy explains what we collect when you use our storage service, why we collect it and what choices you have.

1. Information we collect

We collect the information you give us when you open an account, and technical data from your devices when you use the service.

  • Account data: name, e-mail address and billing address
  • Usage data:
      - files stored and their size
      - log-in times
  • Support messages

2. How we use it

We use your data to run the service, to bill you and to keep the service secure. We do not use the contents of your files for advertising.

2.1 Legal bases

We rely on the contract with you and on our legitimate interest in keeping the service secure from abuse.

RETENTION

We keep account data for as long as your account is open and for six years after it closes, to meet our tax obligations.

Your rights
You may ask for a copy of your data, correct it, delete it or move it to another provider at any time.

Contact:
  - privacy@wombat.example
  - Wombat Cloud Pty Ltd, 1 Example Street, Hobart
"""


def test_text_structure_and_menus() -> None:
    doc = extract_text(MENU_TOP + "\n\n" + POLICY_TEXT + "\n" + MENU_BOTTOM + "\n")
    assert doc.title == "Privacy Policy"
    assert [s.path for s in doc.sections] == [
        (),
        ("1. Information we collect",),
        ("2. How we use it",),
        ("2. How we use it", "2.1 Legal bases"),
        ("RETENTION",),
        ("RETENTION", "Your rights"),
        ("RETENTION", "Contact:"),
    ]
    assert section(doc, "1. Information we collect").blocks[1:] == (
        Block("li", "Account data: name, e-mail address and billing address", 0),
        Block("li", "Usage data:", 0),
        Block("li", "files stored and their size", 1),
        Block("li", "log-in times", 1),
        Block("li", "Support messages", 0),
    )
    text = doc.text
    for menu_line in ("Products", "Pricing", "Sign up free", "Press", "Developers", "© 2024"):
        assert menu_line not in text
    assert roundtrips(doc)
    # Without the menus the Document is the same.
    assert extract_text(POLICY_TEXT) == doc


def test_text_rewrapping_gives_the_same_document() -> None:
    paragraphs = [p for p in POLICY_TEXT.split("\n\n")]
    base = extract_text(POLICY_TEXT)
    for width in (40, 55, 72, 100):
        wrapped = "\n\n".join(
            textwrap.fill(p, width=width) if len(p) > 120 and "\n" not in p else p for p in paragraphs
        )
        assert wrapped != POLICY_TEXT
        assert extract_text(wrapped) == base, width


def test_text_wrapped_in_place_among_short_lines() -> None:
    """Long lines wrapped where they stand (no blank line around them), short lines left alone,
    CRLF, tabs and doubled blank lines: still the same Document."""
    compact = "\n".join(x for x in POLICY_TEXT.split("\n") if x.strip())
    out: list[str] = []
    for line in compact.split("\n"):
        indent = line[: len(line) - len(line.lstrip())].replace("  ", "\t")
        if len(line.strip()) > 70:
            out += [indent + w + "  " for w in textwrap.wrap(line.strip(), 64)]
        else:
            out += [indent + line.strip()]
    reflowed = "\r\n".join(out) + "\r\n"
    assert reflowed.count("\n") > compact.count("\n") + 3
    assert extract_text(reflowed) == extract_text(compact)
    assert extract_text(compact).sections == extract_text(POLICY_TEXT).sections


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=40, max_value=120), st.booleans())
def test_text_rewrap_property(width: int, hyphens: bool) -> None:
    prose = (
        "Numbat Bank may share well-known identifiers with its payment processors, fraud-prevention "
        "agencies and auditors when the law requires it, and it keeps a record of each disclosure for "
        "seven years so that regulators can check what was shared and why."
    )
    text = "Data sharing\n\n" + prose + "\n\nSecond paragraph with a short sentence.\n"
    wrapped = "Data sharing\n\n" + textwrap.fill(prose, width=width, break_on_hyphens=hyphens)
    wrapped += "\n\nSecond paragraph with a short sentence.\n"
    assert extract_text(wrapped) == extract_text(text)


def _seed_files() -> list[Path]:
    seeds = shared_dir() / "seeds"
    if not seeds.is_dir():
        pytest.skip(f"seed policies not found at {seeds} (set MONITOR_SHARED_DIR)")
    files = sorted(seeds.glob("*.txt"))
    if not files:
        pytest.skip(f"no seed policies in {seeds}")
    return files


def _menu_runs(lines: list[str]) -> list[str]:
    """Lines in runs of 6+ consecutive short unbulleted lines within the first or last quarter."""
    found: list[str] = []
    non_blank = [(i, x.strip()) for i, x in enumerate(lines) if x.strip()]
    run: list[tuple[int, str]] = []
    for item in [*non_blank, (-1, "a long line that ends every run because it has many words in it")]:
        if len(item[1].split()) <= 4 and not re.match(r"^[•\-*]", item[1]):
            run.append(item)
            continue
        if len(run) >= 6:
            found.extend(x for i, x in run if i < len(lines) / 4 or i > len(lines) * 3 / 4)
        run = []
    return found


def test_seeds_menus_go_and_headings_are_found() -> None:
    for path in _seed_files():
        raw = path.read_text(encoding="utf-8")
        doc = extract_text(raw)
        assert roundtrips(doc), path.name
        assert extract_text(raw) == doc, path.name  # deterministic
        headed = [s for s in doc.sections if s.path]
        assert len(headed) >= 5, (path.name, [s.path for s in doc.sections])
        kept = {doc.title} | {s.heading for s in doc.sections} | {b.text for b in blocks(doc)}
        menu = [x for x in _menu_runs(raw.split("\n")) if x != doc.title]
        leaked = [x for x in menu if x in kept]
        assert not leaked, (path.name, leaked)
        # Every long prose line of the capture is in the Document.
        body = doc.text
        for line in raw.split("\n"):
            if len(line.split()) >= 25:
                prose = " ".join(re.sub(r"^\s*[•*-]\s+", "", line).split())
                assert prose in body, (path.name, line[:80])


def test_seeds_at_least_one_has_menus_to_remove() -> None:
    # Guards the test above against passing vacuously.
    assert any(_menu_runs(p.read_text(encoding="utf-8").split("\n")) for p in _seed_files())


# ---------------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------------

WS = "    "  # OTA's markdown has white-space-only lines inside lists

MARKDOWN = f"""Koala Games Privacy Policy
==========================

_Last revised: 1 March 2024_

* * *

Koala Games Ltd ("**Koala**") makes mobile games. This policy applies to all of them.

Information we collect
----------------------

*   Account details
{WS}
*   Gameplay data, including:
{WS}
    *   scores and achievements
    *   crash reports
{WS}{WS}
*   Purchase history
{WS}

**Device data**

We read your device model and [advertising ID](https://koala.example/ads?utm_source=policy&lang=en).
More text on the same paragraph\\.

### 2\\. Sharing

| Recipient | Purpose |
| --- | --- |
| Payment providers | To take payments<br>and refunds |
| **Analytics** partners | Crash reports |

We share data with partners<p>Partners means companies we contract with.</p><a href='https://koala.example/partners'>Learn More</a>

## Contact

E-mail [\\[email protected\\]](https://koala.example/cdn-cgi/l/email-protection#{cf_hex("privacy@koala.example")}) or
[\\[email protected\\]](https://koala.example/cdn-cgi/l/email-protection#removed) or <https://koala.example/help>.

> Quoted: we never sell data.

![logo](https://koala.example/logo.png)
"""


def test_markdown_structure() -> None:
    doc = extract_markdown(MARKDOWN)
    assert doc.title == "Koala Games Privacy Policy"
    assert [s.path for s in doc.sections] == [
        (),
        ("Information we collect",),
        ("Information we collect", "Device data"),
        ("Information we collect", "2. Sharing"),
        ("Contact",),
    ]
    assert doc.sections[0].blocks == (
        Block("p", "Last revised: 1 March 2024"),
        Block("p", 'Koala Games Ltd ("Koala") makes mobile games. This policy applies to all of them.'),
    )
    assert section(doc, "Information we collect").blocks == (
        Block("li", "Account details", 0),
        Block("li", "Gameplay data, including:", 0),
        Block("li", "scores and achievements", 1),
        Block("li", "crash reports", 1),
        Block("li", "Purchase history", 0),
    )
    assert section(doc, "Device data").blocks == (
        Block(
            "p",
            "We read your device model and [advertising ID](https://koala.example/ads?lang=en). "
            "More text on the same paragraph.",
        ),
    )
    assert section(doc, "2. Sharing").blocks == (
        Block("row", "Recipient | Purpose"),
        Block("row", "Payment providers | To take payments and refunds"),
        Block("row", "Analytics partners | Crash reports"),
        Block(
            "p",
            "We share data with partners Partners means companies we contract with. "
            "[Learn More](https://koala.example/partners)",
        ),
    )
    assert section(doc, "Contact").blocks == (
        Block("p", "E-mail privacy@koala.example or [email protected] or https://koala.example/help."),
        Block("p", "Quoted: we never sell data."),
    )
    assert roundtrips(doc)


def test_markdown_soft_wrap_and_list_styles() -> None:
    one = extract_markdown("# T\n\n## A\n\nOne two three four five six seven.\n\n- x\n- y\n  - z\n")
    two = extract_markdown("# T\n\nA\n-\n\nOne two three\nfour five six\nseven.\n\n*   x\n*   y\n    *   z\n")
    assert one == two
    assert [b.level for b in blocks(one) if b.kind == "li"] == [0, 0, 1]


def test_markdown_without_heading_markup_finds_plain_headings() -> None:
    md = (
        "Last updated: 1 May 2024.\n\nWallaby Travel books trips for you and this notice explains how.\n\n"
        "Information We Collect\n\nWe collect your booking details when you book a trip with us.\n\n"
        "* passport number\n* **dietary** needs\n\n"
        "1\\. HOW LONG WE KEEP IT\n\nWe keep bookings for seven years after your trip ends.\n"
    )
    doc = extract_markdown(md)
    assert [s.path for s in doc.sections] == [(), ("Information We Collect",), ("1. HOW LONG WE KEEP IT",)]
    assert [b.text for b in section(doc, "Information We Collect").blocks] == [
        "We collect your booking details when you book a trip with us.",
        "passport number",
        "dietary needs",
    ]
    assert roundtrips(doc)
    # With real heading markup the plain lines stay paragraphs.
    marked = extract_markdown(
        "## A\n\nShort line\n\nA sentence of body text that follows it here.\n\n## B\n\n## C\n"
    )
    assert [s.path for s in marked.sections] == [("A",), ("B",), ("C",)]


def _devset_files() -> list[Path]:
    devset = shared_dir() / "devset"
    if not devset.is_dir():
        pytest.skip(f"devset not found at {devset} (set MONITOR_SHARED_DIR)")
    files = sorted(devset.glob("*/*.md"))
    if not files:
        pytest.skip(f"no markdown files in {devset}")
    return files


def _alnum_words(text: str) -> int:
    return sum(1 for w in text.split() if any(c.isalnum() for c in w))


def test_devset_markdown_extracts_sensibly() -> None:
    files = _devset_files()
    with_headings = 0
    for path in files:
        raw = path.read_text(encoding="utf-8")
        doc = extract_markdown(raw)
        assert roundtrips(doc), path
        source = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", raw)  # image alt text goes
        source = re.sub(r"</?[A-Za-z][^<>]*>", " ", source)  # inline HTML (<br>) is markup, not words
        source_words = _alnum_words(source)
        if source_words == 0:
            assert doc.is_empty()
            continue
        # Markup goes, words stay: within a few percent of the source's word count (words with a
        # letter or digit on both sides: table pipes and rule lines are markup).
        assert 0.85 * source_words <= _alnum_words(doc.text) <= 1.05 * source_words, (
            path,
            _alnum_words(doc.text),
            source_words,
        )
        md_headings = len(re.findall(r"(?m)^#{1,6} \S|^\S.*\n(?:=+|-+)$", raw))
        if md_headings >= 3:
            with_headings += 1
            # The source's headings are the document's title (a lone top heading) and its sections.
            assert sum(1 for s in doc.sections if s.path) + bool(doc.title) >= 3, path
        text = doc.to_markdown()
        # Emphasis markers go; only asterisks the source escaped (literal "\*\*") may stay.
        assert text.count("**") <= raw.count("\\*\\*"), path
        assert "<br>" not in text.lower() and "</p>" not in text.lower(), path
        assert "utm_" not in text, path
    assert with_headings >= len(files) // 2


# ---------------------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------------------


def make_pdf() -> tuple[bytes, str]:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    long_para = (
        "Platypus Insurance AG processes the personal data of policy holders to assess risks, to "
        "settle claims and to meet its legal obligations. We keep claim files for ten years after a "
        "claim is closed, because the law on insurance contracts requires it, and we delete them "
        "afterwards unless a court case is still pending."
    )

    def furniture(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(72, A4[1] - 40, "Platypus Insurance AG - Privacy Notice")
        canvas.drawString(A4[0] / 2, 30, f"Page {doc.page}")
        canvas.restoreState()

    styles = getSampleStyleSheet()
    story = [Paragraph("Privacy Notice", styles["Title"])]
    for n, heading in enumerate(["Who we are", "What we collect", "How long we keep data"], start=1):
        story.append(Paragraph(f"{n}. {heading}", styles["Heading2"]))
        for _ in range(3):
            story.append(Paragraph(long_para, styles["BodyText"]))
            story.append(Spacer(1, 6))
        story.append(PageBreak())
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4).build(story, onFirstPage=furniture, onLaterPages=furniture)
    return buf.getvalue(), long_para


def test_pdf_extraction() -> None:
    data, long_para = make_pdf()
    doc = extract_pdf(data)
    assert doc.title == "Privacy Notice"
    assert [s.path for s in doc.sections] == [
        ("1. Who we are",),
        ("2. What we collect",),
        ("3. How long we keep data",),
    ]
    for s in doc.sections:
        assert [b.text for b in s.blocks] == [long_para] * 3, s.path
    assert "Page" not in doc.text and "Platypus Insurance AG - Privacy Notice" not in doc.text
    assert roundtrips(doc)
    assert extract(data, "application/pdf") == doc


def test_unreadable_pdf() -> None:
    with pytest.raises(ExtractError, match="unreadable PDF"):
        extract_pdf(b"%PDF-1.4 this is not really a pdf")
    with pytest.raises(ExtractError):
        extract("text", "application/pdf")


# ---------------------------------------------------------------------------------------------------
# Dispatch, files, determinism
# ---------------------------------------------------------------------------------------------------


def test_dispatch_by_media_type() -> None:
    assert EXTRACTOR_VERSION
    html = "<main><h1>Policy</h1><p>Caf\u00e9 Dingo keeps your order history.</p></main>"
    doc = extract(html, "text/html")
    assert extract(html.encode("utf-8"), "text/html; charset=utf-8") == doc
    assert extract("\ufeff" + html, "application/xhtml+xml").sections == doc.sections
    assert extract(b"\xef\xbb\xbf" + html.encode(), "TEXT/HTML") == doc
    # Not UTF-8: charset_normalizer finds it.
    latin = (
        "<main><h1>Policy</h1><p>Caf\u00e9 Dingo keeps your order history for the d\u00e9lai "
        "l\u00e9gal de conservation pr\u00e9vu.</p></main>"
    ).encode("latin-1")
    assert "Caf\u00e9 Dingo" in extract(latin, "text/html").text
    assert extract("Policy\n\nSome text here.", "text/plain") == extract_text("Policy\n\nSome text here.")
    assert extract("# P\n\ntext", "text/markdown") == extract_markdown("# P\n\ntext")
    with pytest.raises(ExtractError, match="unsupported content type"):
        extract("{}", "application/json")


def test_extract_file(tmp_path: Path) -> None:
    (tmp_path / "p.html").write_text("<main><h1>P</h1><p>Echidna text.</p></main>", encoding="utf-8")
    (tmp_path / "p.htm").write_text("<main><h1>P</h1><p>Echidna text.</p></main>", encoding="utf-8")
    (tmp_path / "p.md").write_text("# P\n\nEchidna text.\n", encoding="utf-8")
    (tmp_path / "p.markdown").write_text("# P\n\nEchidna text.\n", encoding="utf-8")
    (tmp_path / "p.txt").write_text("P\n\nEchidna text.\n", encoding="utf-8")
    pdf, _ = make_pdf()
    (tmp_path / "p.pdf").write_bytes(pdf)
    expected = Document.from_markdown("# P\n\nEchidna text.\n")
    for name in ("p.html", "p.htm", "p.md", "p.markdown", "p.txt"):
        assert extract_file(tmp_path / name) == expected, name
    assert extract_file(str(tmp_path / "p.pdf")).title == "Privacy Notice"
    assert media_type_for_path("A.PDF") == "application/pdf"
    assert media_type_for_path(Path("x/y.htm")) == "text/html"
    with pytest.raises(ExtractError, match="suffix"):
        media_type_for_path("policy.docx")


LINE = st.text(alphabet="ab Z1.-*#|\\:[]()•\t", min_size=0, max_size=30)


@settings(max_examples=150, deadline=None)
@given(st.lists(LINE, max_size=25))
def test_text_and_markdown_roundtrip_property(lines: list[str]) -> None:
    source = "\n".join(lines)
    for fn in (extract_text, extract_markdown):
        doc = fn(source)
        assert fn(source) == doc
        assert roundtrips(doc), (fn.__name__, source)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["p", "h2", "h3", "li", "td", "strong"]), LINE), max_size=15))
def test_html_roundtrip_property(parts: list[tuple[str, str]]) -> None:
    from html import escape

    body = ""
    for tag, text in parts:
        if tag == "li":
            body += f"<ul><li>{escape(text)}</li></ul>"
        elif tag == "td":
            body += f"<table><tr><td>{escape(text)}</td><td>x</td></tr></table>"
        elif tag == "strong":
            body += f"<p><strong>{escape(text)}</strong></p>"
        else:
            body += f"<{tag}>{escape(text)}</{tag}>"
    doc = extract_html(f"<html><body><main>{body}</main></body></html>")
    assert roundtrips(doc)


def test_collapsed_accordion_panels_inside_main_are_policy_text() -> None:
    panel = (
        "We keep support tickets for eighteen months after they are closed, and then delete them. "
        "Billing records are kept for seven years because the tax authorities of the Netherlands "
        "require it, after which they are destroyed."
    )
    html = f"""<html><body><main><h1>Privacy at Fernhollow</h1>
    <h2><button aria-expanded="false">How long we keep data</button></h2>
    <div class="accordion-panel" style="display:none"><p>{panel}</p></div>
    <div style="display:none" class="spinner">Loading…</div>
    </main><div id="cookie-modal" style="display:none"><p>{panel}</p></div></body></html>"""
    doc = extract_html(html)
    assert doc.text.count("eighteen months") == 1  # the panel, not the hidden cookie modal
    assert "Loading" not in doc.text
