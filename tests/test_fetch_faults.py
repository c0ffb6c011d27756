"""Issue 8, items 1-3 at the fetch level, against a real HTTP server on 127.0.0.1: contradicting charset
labels and mojibake, client-side redirects (meta refresh, Refresh header) through the address guard,
and server-requested waits bounded by the fetch's budget. Fictional pages written for these tests."""

from __future__ import annotations

import asyncio

import pytest
from httpserver import LocalHTTPServer, Response
from test_fetch import FAST, LOCAL_ONLY, fetch

from monitor.charset import decode_text, looks_like_mojibake
from monitor.fetch import SUSPECT_KINDS, Fetcher, FetchPolicy, FetchRequest

pytestmark = pytest.mark.anyio

TEXT = "Wir speichern Nutzungsdaten für 24 Monate – „Verträge“ bleiben 10 Jahre. Café, naïve, €5, Øresund."


def page(meta: str = '<meta charset="utf-8">', body: str = TEXT) -> str:
    return (
        f"<!doctype html><html><head>{meta}<title>Datenschutz</title></head><body><p>{body}</p></body></html>"
    )


# -- 1. charset labels that contradict the body -----------------------------------------------------


@pytest.mark.parametrize("header", ["iso-8859-1", "ISO-8859-1", "latin1", "windows-1252", "us-ascii"])
@pytest.mark.parametrize(
    "meta",
    ['<meta charset="utf-8">', '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">'],
)
async def test_utf8_body_and_meta_beat_a_contradicting_header(
    http_server: LocalHTTPServer, header: str, meta: str
) -> None:
    html = page(meta)
    http_server.route(
        "/p", Response(body=html.encode(), headers={"Content-Type": f"text/html; charset={header}"})
    )

    result = await fetch(http_server.url("/p"))

    assert result.ok and result.text == html and result.encoding == "utf-8"


async def test_utf8_body_without_meta_is_not_read_as_latin1(http_server: LocalHTTPServer) -> None:
    html = page(meta="")
    http_server.route(
        "/p", Response(body=html.encode(), headers={"Content-Type": "text/html; charset=iso-8859-1"})
    )
    http_server.route(
        "/t", Response(body=TEXT.encode(), headers={"Content-Type": "text/plain; charset=iso-8859-1"})
    )

    assert (await fetch(http_server.url("/p"))).text == html
    assert (await fetch(http_server.url("/t"))).text == TEXT


async def test_a_genuine_latin1_page_still_follows_its_header(http_server: LocalHTTPServer) -> None:
    # Neighbour: the bytes really are windows-1252 and the <meta> is the wrong label.
    html = page('<meta charset="utf-8">')
    http_server.route(
        "/p", Response(body=html.encode("cp1252"), headers={"Content-Type": "text/html; charset=iso-8859-1"})
    )

    result = await fetch(http_server.url("/p"))

    assert result.ok and result.text == html and result.encoding == "windows-1252"


async def test_a_wrong_utf8_header_gives_way_to_the_declared_legacy_charset(
    http_server: LocalHTTPServer,
) -> None:
    html = page('<meta charset="windows-1252">')
    http_server.route(
        "/p", Response(body=html.encode("cp1252"), headers={"Content-Type": "text/html; charset=utf-8"})
    )

    result = await fetch(http_server.url("/p"))

    assert result.ok and result.text == html and result.encoding == "windows-1252"


async def test_ascii_pages_are_unaffected(http_server: LocalHTTPServer) -> None:
    html = page(body="We keep usage data for 24 months.")
    http_server.route(
        "/p", Response(body=html.encode(), headers={"Content-Type": "text/html; charset=iso-8859-1"})
    )

    result = await fetch(http_server.url("/p"))

    assert result.ok and result.text == html


@pytest.mark.parametrize(
    "garbled",
    [
        TEXT.encode("utf-8").decode("cp1252", errors="replace"),  # UTF-8 read as windows-1252, re-encoded
        "Nutzungsdaten fÃ¼r 24 Monate, Ã¼bermittelt an Dritte",
        "We keep â€œusageâ€ data â€” for 24 months",
    ],
)
async def test_a_page_that_is_mojibake_in_itself_is_suspect(
    http_server: LocalHTTPServer, garbled: str
) -> None:
    http_server.route("/p", Response(body=page(body=garbled).encode(), headers={"Content-Type": "text/html"}))

    result = await fetch(http_server.url("/p"))

    assert not result.ok and result.error_kind == "bad_encoding" and result.error_kind in SUSPECT_KINDS
    assert "mojibake" in (result.error or "") and result.text is not None


async def test_undecodable_bytes_are_suspect_with_a_count(http_server: LocalHTTPServer) -> None:
    body = page(body=TEXT * 5).encode()
    body = body[:300] + b"\x81\xfe" + body[300:]
    http_server.route("/p", Response(body=body, headers={"Content-Type": "text/html; charset=utf-8"}))

    result = await fetch(http_server.url("/p"))

    assert not result.ok and result.error_kind == "bad_encoding"
    assert "undecodable byte sequence" in (result.error or "")


def test_mojibake_detector_spares_real_text_and_code() -> None:
    for text in (
        TEXT,
        "Политика конфиденциальности",
        "個人情報の取り扱い",
        "l’utilisateur “droit” — 3 × 4 € ½",
    ):
        assert looks_like_mojibake(text) is None
    # Sound French whose capture ran a heading into the next one: odd-looking, but nothing that
    # ftfy can re-decode (a fresh user's real policy was suspect on every check for this).
    run_together = "Gérez vos paramètres de confidentialitéÊtre informé des mises à jour de la politique."
    assert looks_like_mojibake(run_together) is None
    assert looks_like_mojibake("Données stockées für Sie: fÃ¼r die Verarbeitung Ã¤hnlich") is not None
    # An accent table inside a script is code, not text: not judged.
    html = '<html><head><meta charset="utf-8"><script>var m={"ÀÁÂÃÄÅ":"A","Ã¤":"ae"}</script></head><p>ok</p>'
    assert decode_text(html.encode(), "text/html", "text/html").problem is None


# -- 2. client-side redirects ---------------------------------------------------------------------


def stub(content: str) -> Response:
    html = (
        f'<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="{content}">'
        "</head><body><p>This page has moved.</p></body></html>"
    )
    return Response(body=html, headers={"Content-Type": "text/html; charset=utf-8"})


POLICY = Response(body=page(), headers={"Content-Type": "text/html; charset=utf-8"})


@pytest.mark.parametrize(
    "content",
    ["0; url=/legal/privacy", "0;URL='/legal/privacy'", "2; url=legal/privacy", "0; URL=/legal/privacy#top"],
)
async def test_meta_refresh_is_followed(http_server: LocalHTTPServer, content: str) -> None:
    http_server.route("/privacy", stub(content))
    http_server.route("/legal/privacy", POLICY)

    result = await fetch(http_server.url("/privacy"))

    assert result.ok and result.text == page()
    assert result.url == http_server.url("/legal/privacy")
    assert result.refreshed_from == [http_server.url("/privacy")]


async def test_refresh_header_is_followed_like_the_meta_element(http_server: LocalHTTPServer) -> None:
    http_server.route(
        "/privacy",
        Response(
            body="<html><body>moved</body></html>",
            headers={"Content-Type": "text/html", "Refresh": "0; url=/new"},
        ),
    )
    http_server.route("/new", POLICY)

    result = await fetch(http_server.url("/privacy"))

    assert result.ok and result.url == http_server.url("/new") and http_server.count("/new") == 1


async def test_refresh_chains_within_the_limit_are_followed(http_server: LocalHTTPServer) -> None:
    http_server.route("/a", stub("0; url=/b"))
    http_server.route("/b", stub("0; url=/c"))
    http_server.route("/c", POLICY)

    result = await fetch(http_server.url("/a"), policy=FetchPolicy(max_refreshes=2))

    assert result.ok and result.url.endswith("/c") and len(result.refreshed_from) == 2


async def test_too_many_refresh_hops_name_the_target(http_server: LocalHTTPServer) -> None:
    for here, there in (("/a", "/b"), ("/b", "/c"), ("/c", "/d")):
        http_server.route(here, stub(f"0; url={there}"))
    http_server.route("/d", POLICY)

    result = await fetch(http_server.url("/a"), policy=FetchPolicy(max_refreshes=2))

    assert not result.ok and result.error_kind == "meta_refresh" and result.error_kind in SUSPECT_KINDS
    assert http_server.url("/d") in (result.error or "") and http_server.count("/d") == 0


async def test_a_refresh_loop_is_not_followed_round_and_round(http_server: LocalHTTPServer) -> None:
    http_server.route("/a", stub("0; url=/b"))
    http_server.route("/b", stub("0; url=/a"))

    result = await fetch(http_server.url("/a"))

    assert result.error_kind == "meta_refresh" and "already visited" in (result.error or "")
    assert http_server.count("/a") == 1 and http_server.count("/b") == 1


@pytest.mark.parametrize("target", ["http://10.20.30.40/privacy", "http://169.254.169.254/latest/meta-data"])
async def test_the_address_guard_refuses_a_refresh_target(http_server: LocalHTTPServer, target: str) -> None:
    http_server.route("/privacy", stub(f"0; url={target}"))

    result = await fetch(http_server.url("/privacy"))

    assert not result.ok and result.error_kind == "meta_refresh"
    assert target in (result.error or "") and "not followed" in (result.error or "")
    assert http_server.count("/privacy") == 1


async def test_a_broken_refresh_target_names_it(http_server: LocalHTTPServer) -> None:
    http_server.route("/privacy", stub("0; url=/gone"))

    result = await fetch(http_server.url("/privacy"))

    assert result.error_kind == "meta_refresh" and http_server.url("/gone") in (result.error or "")
    assert "404" in (result.error or "")


@pytest.mark.parametrize("content", ["600; url=/session-expired", "30", "0; url=/privacy"])
async def test_timers_and_self_reloads_are_not_moves(http_server: LocalHTTPServer, content: str) -> None:
    http_server.route("/privacy", stub(content))
    http_server.route("/session-expired", POLICY)

    result = await fetch(http_server.url("/privacy"))

    assert result.ok and result.url == http_server.url("/privacy") and result.refreshed_from == []
    assert http_server.count("/session-expired") == 0


async def test_a_refresh_inside_noscript_is_not_followed(http_server: LocalHTTPServer) -> None:
    html = (
        '<html><head><noscript><meta http-equiv="refresh" content="0; url=/no-js"></noscript></head>'
        f"<body><p>{TEXT}</p></body></html>"
    )
    http_server.route("/privacy", Response(body=html, headers={"Content-Type": "text/html; charset=utf-8"}))

    result = await fetch(http_server.url("/privacy"))

    assert result.ok and http_server.count("/no-js") == 0


# -- 3. server-requested waits within the budget ------------------------------------------------------


async def fetch_with(request: FetchRequest, policy: FetchPolicy = FAST) -> tuple[object, list[float]]:
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    async with Fetcher(policy, guard=LOCAL_ONLY, sleep=sleep) as fetcher:
        return await fetcher.fetch(request), delays


@pytest.mark.parametrize("status", [429, 503])
async def test_a_wait_longer_than_the_budget_ends_the_fetch(
    http_server: LocalHTTPServer, status: int
) -> None:
    http_server.sequence("/p", Response(status, headers={"Retry-After": "45"}), POLICY)

    result, delays = await fetch_with(
        FetchRequest(http_server.url("/p"), timeout=5, retries=3, budget=20), FetchPolicy(retry_after_max=60)
    )

    assert result.error_kind == "retry_later" and result.retry_after == 45.0 and delays == []
    assert http_server.count("/p") == 1 and "45s" in (result.error or "")


async def test_an_http_date_retry_after_counts_too(http_server: LocalHTTPServer) -> None:
    http_server.sequence(
        "/p", Response(503, headers={"Retry-After": "Fri, 31 Dec 2100 23:59:59 GMT"}), POLICY
    )

    result, delays = await fetch_with(FetchRequest(http_server.url("/p"), timeout=5, retries=3, budget=60))

    assert result.error_kind == "retry_later" and (result.retry_after or 0) > 86400 and delays == []


async def test_a_short_wait_inside_the_budget_is_honoured(http_server: LocalHTTPServer) -> None:
    http_server.sequence("/p", Response(503, headers={"Retry-After": "3"}), POLICY)

    result, delays = await fetch_with(FetchRequest(http_server.url("/p"), timeout=5, retries=3, budget=60))

    assert result.ok and delays == [3.0] and result.retry_after is None


async def test_own_backoff_never_waits_past_the_budget(http_server: LocalHTTPServer) -> None:
    http_server.route("/p", Response(500))

    result, delays = await fetch_with(
        FetchRequest(http_server.url("/p"), timeout=5, retries=8, budget=2),
        FetchPolicy(backoff_base=50, backoff_max=50),
    )

    assert not result.ok and result.error_kind == "http_status" and all(d < 2 for d in delays)


async def test_no_retry_starts_once_the_fetcher_is_told_to_stop(http_server: LocalHTTPServer) -> None:
    # A daemon that is stopping must not wait out a retry (nor start one) for a failing site.
    http_server.route("/p", Response(503, headers={"Retry-After": "5"}))
    async with Fetcher(FetchPolicy(allow_private_addresses=True)) as fetcher:
        task = asyncio.ensure_future(fetcher.fetch(FetchRequest(http_server.url("/p"), timeout=5, retries=2)))
        while http_server.count("/p") < 1:  # the first attempt was answered; its retry now waits
            await asyncio.sleep(0.02)
        fetcher.stop_retrying()
        result = await task
        # Stopped, a later fetch makes one attempt and no retry.
        again = await fetcher.fetch(FetchRequest(http_server.url("/p"), timeout=5, retries=2))
    assert not result.ok and result.error_kind == "http_status" and result.attempts == 1
    assert again.attempts == 1 and http_server.count("/p") == 2
