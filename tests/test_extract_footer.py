"""A site footer inside the policy's last container is chrome (issue 8, item 9); the policy's own last
paragraphs are not. Every input is a fictional page written for these tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from monitor.diff import compare
from monitor.extract import extract_html
from monitor.extract_footer import is_copyright_line

HEAD = """<html><head><title>Privacy | Orchardine</title></head><body><main><article>
<h1>Orchardine Cider privacy statement</h1>
<section><h2>1. Orders</h2><p>We keep your orders and your delivery address for six years for tax reasons.</p>
<p>See our <a href="/terms">terms</a> and <a href="/cookies">cookie notice</a> and <a href="/faq">FAQ</a>.</p>
</section>
<section><h2>2. Contact</h2><p>Write to {address} or to Orchardine Cider, 4 Press Lane, Taunton.</p>
"""
TAIL = "</section></article></main></body></html>"


def footer_div(
    year: int = 2025, extra_link: str = "", extra_lang: str = "", cookie_label: str = "Cookies"
) -> str:
    return (
        "<div class='bottom'>"
        "<div><a href='/terms'>Terms</a> | <a href='/privacy'>Privacy</a> | "
        f"<a href='/cookies'>{cookie_label}</a>"
        f" | <a href='/imprint'>Imprint</a>{extra_link}</div>"
        "<div><span>Language:</span> <a href='/en/privacy' hreflang='en'>English</a>"
        f" <a href='/cy/privacy' hreflang='cy'>Cymraeg</a>{extra_lang}</div>"
        f"<p>© {year} Orchardine Cider Ltd. All rights reserved. Company no. 0456123.</p>"
        "</div>"
    )


def footer_tag(
    year: int = 2025, extra_link: str = "", extra_lang: str = "", cookie_label: str = "Cookies"
) -> str:
    return (
        footer_div(year, extra_link, extra_lang, cookie_label).replace("<div class='bottom'>", "<footer>", 1)[
            : -len("</div>")
        ]
        + "</footer>"
    )


def page(footer: str, address: str = "privacy@orchardine.example") -> str:
    return HEAD.format(address=address) + footer + TAIL


EDITS = [
    {"year": 2026},
    {"extra_link": " | <a href='/accessibility'>Accessibility</a>"},
    {"extra_lang": " <a href='/ga/privacy' hreflang='ga'>Gaeilge</a>"},
    {"cookie_label": "Cookie settings"},
    {"year": 2026, "extra_link": " | <a href='/careers'>Careers</a>", "cookie_label": "Your choices"},
]


@pytest.mark.parametrize("make", [footer_div, footer_tag])
@pytest.mark.parametrize("edit", EDITS)
def test_footer_edits_inside_the_last_section_are_not_changes(make: Callable[..., str], edit: dict) -> None:
    old, new = extract_html(page(make())), extract_html(page(make(**edit)))
    assert old == new
    md = new.to_markdown()
    assert "All rights reserved" not in md and "Cymraeg" not in md and "Imprint" not in md
    assert "4 Press Lane" in md
    assert "[cookie notice](/cookies)" in md  # the same kind of links mid-policy stay


def test_contact_edit_in_the_last_section_is_still_reported() -> None:
    old = extract_html(page(footer_div()))
    new = extract_html(page(footer_div(), address="dpo@orchardine-group.example"))
    report = compare(old, new)
    assert report.substantive
    assert any("dpo@orchardine-group.example" in (c.after or "") for c in report.changes)


def test_policy_endings_that_look_a_little_like_footers_stay() -> None:
    endings = [
        # recipients named with links to their own sites: policy text
        "<p>We use these processors:</p><ul><li><a href='https://pay.example.com'>Paystream</a></li>"
        "<li><a href='https://mail.example.net'>Postbird</a></li>"
        "<li><a href='https://host.example.org'>Rackly</a></li></ul>",
        # a list of short items without links: policy text
        "<p>Categories we hold:</p><ul><li>Name</li><li>Address</li><li>Orders</li></ul>",
        # a sentence with links in it
        "<p>You can read the <a href='/a'>terms</a>, the <a href='/b'>cookie notice</a> and the "
        "<a href='/c'>accessibility statement</a>, all of which apply to every order you place with us.</p>",
        # the article's own footer
        "<footer><p>This statement was last reviewed by our board in spring.</p></footer>",
    ]
    for ending in endings:
        md = extract_html(page(ending)).to_markdown()
        words = [
            w for w in ("Paystream", "Orders", "accessibility statement", "last reviewed") if w in ending
        ]
        assert all(w in md for w in words), (ending, md)


@pytest.mark.parametrize(
    ("text", "copyright"),
    [
        ("© 2026 Orchardine Cider Ltd.", True),
        ("Copyright 2024 Orchardine. All rights reserved.", True),
        ("(c) 2023 Orchardine", True),
        ("We hold the copyright in our recipes and do not share them.", False),
        ("© " + "long text " * 30, False),
    ],
)
def test_is_copyright_line(text: str, copyright: bool) -> None:
    assert is_copyright_line(text) is copyright
