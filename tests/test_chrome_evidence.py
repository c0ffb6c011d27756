"""Chrome known from outside the two versions, end to end: a block shared with the other watched
documents of the same host, and a counter or ticker that changed in many earlier checks. Real HTTP
server on 127.0.0.1, real SQLite; each with the control that the same edit counts without the evidence."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from httpserver import LocalHTTPServer, Response
from policies import policy_html

from monitor.checker import run_checks
from monitor.chrome import ChromeContext, is_chrome_block, skeleton
from monitor.config import parse_config
from monitor.store import Store

HTML = {"Content-Type": "text/html; charset=utf-8"}


def page(promo: str) -> str:
    # The promotion sits inside the article, where extraction keeps it.
    return policy_html().replace("<h1>Privacy Policy</h1>", f"<h1>Privacy Policy</h1>\n<p>{promo}</p>")


def config(server: LocalHTTPServer, db: str, paths: list[str]):
    return parse_config(
        {
            "database": {"url": db},
            "fetch": {"allow_private_addresses": True},
            "defaults": {"retries": 0, "timeout": 5, "jitter": 0},
            "watches": [{"name": p.strip("/"), "url": server.url(p)} for p in paths],
        }
    )


def round_(store: Store, cfg) -> dict[str, object]:
    return {r.watch: r for r in asyncio.run(run_checks(store, cfg))}


@pytest.fixture
def store(tmp_path: Path):
    st = Store(f"sqlite:///{tmp_path}/m.db")
    yield st
    st.close()


PROMO_OLD = "Spring offer: 20% off annual plans"
PROMO_NEW = "Summer offer: 30% off annual plans"


def test_a_block_shared_by_the_hosts_other_documents_is_chrome(http_server: LocalHTTPServer, store: Store):
    cfg = config(http_server, store.url, ["/privacy", "/cookies"])
    for path in ("/privacy", "/cookies"):
        http_server.route(path, Response(200, page(PROMO_OLD), HTML))
    round_(store, cfg)
    for path in ("/privacy", "/cookies"):
        http_server.route(path, Response(200, page(PROMO_NEW), HTML))
    results = round_(store, cfg)
    assert results["privacy"].outcome == "changed" and not results["privacy"].substantive


def test_the_same_edit_on_a_lone_page_still_counts(http_server: LocalHTTPServer, store: Store):
    cfg = config(http_server, store.url, ["/privacy"])
    http_server.route("/privacy", Response(200, page(PROMO_OLD), HTML))
    round_(store, cfg)
    http_server.route("/privacy", Response(200, page(PROMO_NEW), HTML))
    result = round_(store, cfg)["privacy"]
    assert result.outcome == "changed" and result.substantive


def test_a_counter_that_changes_on_every_check_becomes_chrome(http_server: LocalHTTPServer, store: Store):
    cfg = config(http_server, store.url, ["/privacy"])
    outcomes = []
    for i, share in enumerate([12, 15, 9, 21, 17]):
        http_server.route("/privacy", Response(200, page(f"Visitors this week: {1200 + i * 37} (up {share}% on last week)"), HTML))
        r = round_(store, cfg)["privacy"]
        outcomes.append((r.outcome, r.substantive))
    assert outcomes[0] == ("first", None) or outcomes[0][0] == "first"
    assert outcomes[1] == ("changed", True), outcomes  # once is a change like any other
    assert outcomes[-1] == ("changed", False), outcomes  # after three changes in a row it is a counter


def test_shared_prose_stays_policy_text():
    dpo = "Our data protection officer, Ilse Marquardt, answers every request sent to dpo@example.org within a month."
    ctx = ChromeContext(shared_blocks=frozenset({__import__("monitor.tokens").tokens.tokenize_block(dpo).content_key}))
    from monitor.tokens import tokenize_block

    assert not is_chrome_block(dpo, "p", ctx, tokenize_block(dpo).content_key)
    short = "Spring offer: 20% off annual plans"
    ctx = ChromeContext(shared_blocks=frozenset({tokenize_block(short).content_key}))
    assert is_chrome_block(short, "p", ctx, tokenize_block(short).content_key)


def test_a_labelled_ticker_keeps_its_shape_and_long_notes_do_not():
    assert skeleton("Trending now: invoices in two clicks") == skeleton("Trending now: a new mobile app")
    long_note = "Note: we keep invoices for ten years because tax law requires it, then we delete them."
    assert skeleton(long_note) != skeleton("Note: we keep invoices for five years because tax law requires it.")


# Regional variants of one policy on one host (/uk.html, /ie.html) share their rights and recipient
# lists: such a list is policy text, and a change to it on one page is a change even though the other
# page still carries the old entries.
RIGHTS = ["the right of access;", "the right to erasure;", "the right to data portability;"]
RECIPIENTS = ["our hosting provider;", "our payment processor;"]


def regional(rights: list[str], recipients: list[str] = RECIPIENTS, menu: str = "Home Pricing Blog") -> str:
    from policies import SECTIONS

    sections = dict(SECTIONS)
    items = "".join(f"<li>{r}</li>" for r in rights)
    sections["Your rights"] = f"You have these rights:</p><ul>{items}</ul><p>We answer within 30 days."
    shared = "".join(f"<li>{r}</li>" for r in recipients)
    sections["Sharing"] = f"We share personal data with these recipients:</p><ul>{shared}</ul><p>Nobody else."
    return policy_html(sections, menu=menu)


def _two_regions(http_server: LocalHTTPServer, store: Store, ie_rights: list[str], ie_recipients=RECIPIENTS):
    cfg = config(http_server, store.url, ["/uk.html", "/ie.html"])
    for path in ("/uk.html", "/ie.html"):
        http_server.route(path, Response(200, regional(RIGHTS), HTML))
    round_(store, cfg)
    http_server.route("/ie.html", Response(200, regional(ie_rights, ie_recipients), HTML))
    return round_(store, cfg)


@pytest.mark.parametrize(
    "ie_rights",
    [RIGHTS[:2], RIGHTS[:1]],
    ids=["one-right-removed", "two-rights-removed"],
)
def test_a_right_removed_on_one_regional_page_counts(http_server: LocalHTTPServer, store: Store, ie_rights):
    results = _two_regions(http_server, store, ie_rights)
    ie, uk = results["ie.html"], results["uk.html"]
    assert uk.outcome == "unchanged"
    assert ie.outcome == "changed" and ie.substantive, ie
    assert "rights" in ie.categories, ie


@pytest.mark.parametrize(
    "ie_recipients",
    [RECIPIENTS + ["our advertising partners;"], RECIPIENTS[:1]],
    ids=["recipient-added", "recipient-removed"],
)
def test_a_recipient_list_changed_on_one_regional_page_counts(
    http_server: LocalHTTPServer, store: Store, ie_recipients
):
    results = _two_regions(http_server, store, RIGHTS, ie_recipients)
    ie = results["ie.html"]
    assert ie.outcome == "changed" and ie.substantive, ie
    assert "sharing" in ie.categories, ie


def test_a_shared_menu_still_stays_chrome(http_server: LocalHTTPServer, store: Store):
    # The same menu in the article of both pages; it changes on one page only: chrome.
    def with_menu(links: str) -> str:
        nav = "".join(f'<li><a href="/{m.lower()}">{m}</a></li>' for m in links.split())
        return regional(RIGHTS).replace("<h1>Privacy Policy</h1>", f"<h1>Privacy Policy</h1>\n<ul>{nav}</ul>")

    cfg = config(http_server, store.url, ["/uk.html", "/ie.html"])
    old = "Home Pricing Blog Careers Press Partners Support Status"
    new = "Home Pricing Blog Careers Press Partners Support Events"
    http_server.route("/uk.html", Response(200, with_menu(new), HTML))
    http_server.route("/ie.html", Response(200, with_menu(old), HTML))
    round_(store, cfg)
    http_server.route("/ie.html", Response(200, with_menu(new), HTML))
    ie = round_(store, cfg)["ie.html"]
    assert ie.outcome == "changed" and not ie.substantive, ie


def test_shared_policy_lists_are_not_chrome_but_shared_labels_are():
    from monitor.tokens import tokenize_block

    def ctx(*texts: str) -> ChromeContext:
        return ChromeContext(shared_blocks=frozenset(tokenize_block(t).content_key for t in texts))

    for text in ("the right to data portability;", "our advertising partners;", "the right of access;"):
        assert not is_chrome_block(text, "li", ctx(text), tokenize_block(text).content_key), text
    for text in ("Careers", "Spring offer: 20% off annual plans", "[Contact us](/contact)"):
        assert is_chrome_block(text, "li", ctx(text), tokenize_block(text).content_key), text


def retention_page(days: int, years: int) -> str:
    table = (
        "<table><tr><th>Records</th><th>Retention period</th></tr>"
        f"<tr><td>Order records</td><td>retained for {days} days after completion</td></tr></table>"
    )
    prose = f"<p>We keep support tickets for {years} years after the ticket is closed, then delete them.</p>"
    return policy_html().replace("<h1>Privacy Policy</h1>", f"<h1>Privacy Policy</h1>\n{table}\n{prose}")


@pytest.mark.parametrize("edit", ["row", "prose"])
def test_a_term_edited_in_many_versions_in_a_row_is_a_change_every_time(
    http_server: LocalHTTPServer, store: Store, edit: str
):
    # A retention period that moves in every version looks like a counter by its shape alone; it is
    # a term of the policy, and each edit is reported (a fresh user saw the third one go silent).
    cfg = config(http_server, store.url, ["/privacy"])
    steps = [30, 60, 90, 180, 365]
    results = []
    for i, n in enumerate(steps):
        days, years = (n, 2) if edit == "row" else (30, 2 + i)
        http_server.route("/privacy", Response(200, retention_page(days, years), HTML))
        results.append(round_(store, cfg)["privacy"])
    assert results[0].outcome == "first"
    for r in results[1:]:
        assert r.outcome == "changed" and r.substantive, r
        assert "retention" in r.categories, r


def test_terms_are_told_from_counters():
    from monitor.chrome import states_terms

    for term in (
        "We keep your order records for 30 days after completion, then delete them.",
        "We answer every request within 30 days.",
        "Users must be at least 16 years old.",
    ):
        assert states_terms(term), term
    for counter in (
        "Visitors this week: 1237 (up 15% on last week)",
        "This page has been viewed 1234 times.",
        "Spring offer: 20% off annual plans",
    ):
        assert not states_terms(counter), counter
