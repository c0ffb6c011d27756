"""A maintenance, outage or error page that speaks of privacy is never the policy: not as the
first version of a watch, and not by repetition after one (it waits for `policy-monitor accept`).
Its title or first heading says what it is. Real policies, short ones included, are still stored.
A body cut short of its Content-Length is never a first version either. Real HTTP server on
127.0.0.1, real SQLite file (helpers of tests/test_suspects.py); fictional text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from httpserver import LocalHTTPServer, Response
from policies import policy_html
from test_suspects import HTML, check, events, make_config, notes, serve, versions

from monitor.document import Document, Section
from monitor.extract.html import extract_html
from monitor.guard import assess
from monitor.service_notice import notice_title
from monitor.store import Store
from monitor.suspects import ACCEPT_AFTER, accept_latest

# A polite outage page: headed sections, and privacy words in every one of them.
NOTICE_SECTIONS = {
    "Why is this page unavailable?": (
        "We are moving our privacy policy and terms to a new content system so that the pages about "
        "your personal data load faster."
    ),
    "What about my personal data?": (
        "Your personal data is not affected by this work. Nothing about how we handle your data or your "
        "privacy changes during the maintenance window."
    ),
    "When will the policy be back?": (
        "We expect the privacy policy to be back by 06:00 UTC. If you have a question about your data, "
        "write to privacy@quillfeather.example."
    ),
    "Cookies": "The cookie policy is also unavailable for the moment; cookie preferences you saved remain in place.",
}
OPENING = (
    "Our privacy policy is temporarily unavailable while we upgrade the Quillfeather servers. "
    "Your personal data is safe."
)


def notice_page(title: str, top: str) -> str:
    """`top` is the markup above the sections (an <h1>, or nothing)."""
    body = "".join(f"<h2>{h}</h2><p>{t}</p>" for h, t in NOTICE_SECTIONS.items())
    return (
        f'<!doctype html><html lang="en"><head><title>{title}</title></head><body><main>'
        f"{top}<p>{OPENING}</p>{body}</main></body></html>"
    )


NOTICE_PAGES = {
    "h1": notice_page("Down for maintenance | Quillfeather", "<h1>Down for maintenance</h1>"),
    "title tag": notice_page("We'll be back soon", ""),
    "status in h1": notice_page("Quillfeather", "<h1>503 Service Unavailable</h1>"),
    # Two top-level headings: neither is the title, the first heading says it.
    "first heading": notice_page("Quillfeather", "<h1>Scheduled maintenance</h1>").replace(
        "<h2>Cookies</h2>", "<h1>Cookies</h1>"
    ),
}

# A real privacy notice of about 150 words, as small sites have.
SHORT_POLICY = """<!doctype html><html lang="en"><head><title>Privacy notice | Quillfeather</title></head>
<body><main><h1>Privacy notice</h1>
<h2>Who we are</h2><p>Quillfeather Pens, 4 Mill Lane, Ashby, is responsible for the personal data you give us
when you order a pen from this site.</p>
<h2>What we keep</h2><p>Your name, postal address and e-mail address, and the pens you ordered. We keep them
for six years because the tax office asks us to.</p>
<h2>Who sees it</h2><p>Our courier sees your name and address to deliver your parcel. Our card processor sees
your payment details. Nobody else does, and we never sell your data.</p>
<h2>Your rights</h2><p>You may ask to see, correct or delete your personal data at any time: write to
hello@quillfeather.example and we answer within a month.</p></main></body></html>"""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    st = Store(f"sqlite:///{tmp_path}/m.db")
    yield st
    st.close()


# -- the title -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "Scheduled maintenance",
        "Down for maintenance",
        "We'll be back soon",
        "We\u2019ll be right back!",
        "Service unavailable",
        "503",
        "503 Service Temporarily Unavailable",
        "502 Bad Gateway",
        "Page not found",
        "Error",
        "Something went wrong",
        "Site under maintenance",
        "Wartungsarbeiten",
        "Site en maintenance",
    ],
)
def test_titles_of_maintenance_and_error_pages(title: str) -> None:
    assert notice_title(Document(title, (Section((), ()),))) == title


@pytest.mark.parametrize(
    "title",
    [
        "Privacy Policy",
        "Privacy notice",
        "Datenschutzerklärung",
        "Cookie policy",
        "Maintenance of your records",
        "Errors in your data and how to correct them",
        "Our service providers",
        "Privacy policy for Quillfeather Maintenance Services",
    ],
)
def test_titles_of_policies(title: str) -> None:
    assert notice_title(Document(title)) is None
    assert notice_title(Document("", (Section((title,), ()),))) is None


def test_a_short_notice_title_alone_is_not_enough_for_a_long_page() -> None:
    # A full policy under a stray maintenance banner heading is judged like any other page.
    long_sections = {
        f"Part {n}": (
            f"Part {n} of this policy says how Quillfeather Pens uses the personal data of its customers "
            "for orders, deliveries, refunds and questions, who at Quillfeather looks after that data, "
            "and how long each record is kept before it is deleted for good."
        )
        for n in range(1, 13)
    }
    page = policy_html(long_sections).replace("<h1>Privacy Policy</h1>", "<h1>Scheduled maintenance</h1>")
    doc = extract_html(page)
    assert doc.title == "Scheduled maintenance" and doc.word_count > 500
    assert assess(doc) is None


# -- fault 1: never accepted by repetition ----------------------------------------------------------


@pytest.mark.parametrize("kind", list(NOTICE_PAGES))
def test_maintenance_page_speaking_of_privacy_is_never_accepted_by_repetition(
    http_server: LocalHTTPServer, store: Store, kind: str
) -> None:
    """Failed before: 'lost 5x% of its text', then accepted as version 2 after three identical
    captures and told to legal as a change (rights, sharing ... removed)."""
    config = make_config(http_server, store.url)
    serve(http_server, policy_html())
    assert check(store, config).outcome == "first"
    serve(http_server, NOTICE_PAGES[kind])
    for _ in range(ACCEPT_AFTER + 2):
        res = check(store, config)
        assert res.outcome == "suspect" and res.version == 1, res
        assert res.detail and res.detail.startswith("titled as a maintenance or error page ("), res.detail
        assert "lost" in res.detail and "identical capture" not in res.detail
    assert len(versions(store)) == 1 and events(store) == []
    assert notes(store, "legal") == []
    # The site back: nothing happened as far as legal is concerned.
    serve(http_server, policy_html())
    assert check(store, config).outcome == "unchanged"
    assert events(store) == []


def test_an_operator_can_still_accept_the_maintenance_page(http_server: LocalHTTPServer, store: Store) -> None:
    config = make_config(http_server, store.url)
    serve(http_server, policy_html())
    assert check(store, config).outcome == "first"
    serve(http_server, NOTICE_PAGES["h1"])
    assert check(store, config).outcome == "suspect"
    res = accept_latest(store, config, config.watches[0])
    assert res.outcome == "accepted" and res.version == 2
    assert check(store, config).outcome == "unchanged"


# -- fault 2: the first capture ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(NOTICE_PAGES))
def test_maintenance_page_is_not_the_first_version(http_server: LocalHTTPServer, store: Store, kind: str) -> None:
    """Failed before: the outage page became version 1, and the policy later a huge change."""
    config = make_config(http_server, store.url)
    serve(http_server, NOTICE_PAGES[kind])
    for _ in range(ACCEPT_AFTER + 1):
        res = check(store, config)
        assert res.outcome == "suspect" and res.version is None, res
        assert res.detail and res.detail.startswith("titled as a maintenance or error page ("), res.detail
    assert versions(store) == []
    serve(http_server, policy_html())
    assert check(store, config).outcome == "first"
    assert len(versions(store)) == 1 and events(store) == []


def test_a_short_real_policy_is_the_first_version(http_server: LocalHTTPServer, store: Store) -> None:
    config = make_config(http_server, store.url)
    serve(http_server, SHORT_POLICY)
    res = check(store, config)
    assert res.outcome == "first" and res.version == 1, res
    assert extract_html(SHORT_POLICY).word_count < 200


def test_a_body_cut_short_of_its_content_length_is_not_the_first_version(
    http_server: LocalHTTPServer, store: Store
) -> None:
    """The fetch already refuses it (aiohttp reads the declared length): a network error, no
    version. This pins that down at the level of the check."""
    config = make_config(http_server, store.url)
    whole = policy_html().encode()
    cut = whole[: len(whole) // 2]
    headers = {**HTML, "Content-Length": str(len(whole)), "Connection": "close"}
    http_server.route("/privacy", Response(200, cut, headers))
    res = check(store, config)
    assert res.outcome == "error" and res.version is None, res
    assert res.detail and "cut short" in res.detail
    assert versions(store) == []
    serve(http_server, policy_html())
    assert check(store, config).outcome == "first"
