"""A capture that does not read as a privacy policy at all (a maintenance page with headings) is
never made the policy by repetition; a real policy rewritten, long or much shorter, still is.
Real HTTP server on 127.0.0.1, real SQLite file (helpers of tests/test_suspects.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from httpserver import LocalHTTPServer
from policies import policy_html
from test_suspects import check, events, make_config, notes, serve, versions

from monitor.store import Store
from monitor.suspects import ACCEPT_AFTER, accept_latest

MAINTENANCE = """<!doctype html><html lang="en"><head><title>Scheduled maintenance | Brindlewick</title></head>
<body><main><h1>Scheduled maintenance</h1>
<p>Brindlewick is down for a planned upgrade of our servers tonight. Thank you for your patience while we work.</p>
<h2>What is happening</h2><p>Our engineers are moving the service to new hardware so that invoices load faster
and the site stays up during busy periods. Your data is safe and nothing you saved will be lost.</p>
<h2>When we will be back</h2><p>We expect the work to be finished by 06:00 UTC on Sunday. This page will refresh
on its own when the site is available again, so there is no need to reload it.</p>
<h2>Need help?</h2><p>For urgent questions about an invoice, write to help@brindlewick.example or follow our
status page for the latest news about the upgrade.</p></main></body></html>"""

# A much shorter policy in new words: a real rewrite, not a failed capture.
BRIEF = {
    "About this notice": (
        "Brindlewick Software Ltd decides how your personal data is used when you send invoices with us. "
        "This privacy notice replaces our longer privacy policy."
    ),
    "What we keep": (
        "Your name, e-mail address and payment card token, and nothing else. Your personal data stays "
        "on servers in Frankfurt."
    ),
    "Your choices": (
        "Write to privacy@brindlewick.example to see, correct or erase your personal data; we reply "
        "within a month."
    ),
}

# A long new policy in new words replacing the old one.
NEW_LONG = {
    f"Part {n}: {topic}": (
        f"In this part of our privacy policy we explain {topic.lower()} for the personal data of account "
        "holders, of the people they invoice and of visitors to our site, with examples for each case, "
        "the legal basis we rely on and the people at Brindlewick who look after that personal data."
    )
    for n, topic in enumerate(
        ["Controller", "Categories", "Purposes", "Recipients", "Transfers", "Storage", "Requests", "Updates"]
        * 2,
        start=1,
    )
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    st = Store(f"sqlite:///{tmp_path}/m.db")
    yield st
    st.close()


def test_maintenance_page_with_headings_is_never_accepted_by_repetition(
    http_server: LocalHTTPServer, store: Store
) -> None:
    config = make_config(http_server, store.url)
    serve(http_server, policy_html())
    assert check(store, config).outcome == "first"
    serve(http_server, MAINTENANCE)
    results = [check(store, config) for _ in range(ACCEPT_AFTER + 2)]
    for res in results:
        assert res.outcome == "suspect" and res.version == 1
        assert res.detail and "does not read as a privacy policy" in res.detail
        assert "identical capture" not in res.detail  # no count towards acceptance
    assert len(versions(store)) == 1 and events(store) == []
    assert notes(store, "legal") == []
    # An operator can still make it the version.
    res = accept_latest(store, config, config.watches[0])
    assert res.outcome == "accepted" and res.version == 2
    assert check(store, config).outcome == "unchanged"


def test_much_shorter_real_policy_is_accepted_after_repeats(http_server: LocalHTTPServer, store: Store) -> None:
    config = make_config(http_server, store.url)
    serve(http_server, policy_html())
    assert check(store, config).outcome == "first"
    serve(http_server, policy_html(BRIEF))
    results = [check(store, config) for _ in range(ACCEPT_AFTER)]
    assert [r.outcome for r in results] == ["suspect"] * (ACCEPT_AFTER - 1) + ["changed"]
    assert results[0].detail and results[0].detail.startswith("lost")
    assert "does not read" not in results[0].detail
    assert len(versions(store)) == 2
    assert any(n.event_id == results[-1].event_id for n in notes(store, "legal"))


def test_long_new_policy_replacing_the_old_is_told_at_once(http_server: LocalHTTPServer, store: Store) -> None:
    config = make_config(http_server, store.url)
    serve(http_server, policy_html())
    assert check(store, config).outcome == "first"
    serve(http_server, policy_html(NEW_LONG))
    res = check(store, config)
    assert res.outcome == "changed" and res.substantive
    assert any(n.event_id == res.event_id for n in notes(store, "legal"))
