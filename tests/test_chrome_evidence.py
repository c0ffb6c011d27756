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
