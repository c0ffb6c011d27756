"""Issue 8, items 1-4 through the whole check (real HTTP server on 127.0.0.1, real SQLite file): what the
fetch faults become as check outcomes, versions, events and next due times."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from httpserver import LocalHTTPServer, RequestRecord, Response
from policies import SECTIONS, edited, policy_html
from sqlalchemy import func, select, update
from test_fetch import LOCAL_ONLY

from monitor.checker import CheckResult, fetch_policy, run_checks
from monitor.config import Config, ConfigError, parse_config
from monitor.fetch import Fetcher
from monitor.store import Check, Event, Store, Version, Watch, utcnow

HTML = {"Content-Type": "text/html; charset=utf-8"}
ACCENTED = {
    **SECTIONS,
    "Who we are": SECTIONS["Who we are"] + " Our office in Zürich answers “privacy” questions – café.",
}


def make_config(
    server: LocalHTTPServer, store: Store, *, defaults: dict[str, Any] | None = None, **watch: Any
) -> Config:
    return parse_config(
        {
            "database": {"url": store.url},
            "fetch": {"allow_private_addresses": True},
            "defaults": {"retries": 0, "timeout": 5, "jitter": 0, **(defaults or {})},
            "watches": [{"name": "Brindlewick", "url": server.url("/privacy"), **watch}],
        }
    )


def check(store: Store, config: Config) -> CheckResult:
    (result,) = asyncio.run(run_checks(store, config))
    return result


def counts(store: Store) -> tuple[int, int]:
    with store.session() as s:
        return (
            s.scalar(select(func.count()).select_from(Version)),
            s.scalar(select(func.count()).select_from(Event)),
        )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    st = Store(f"sqlite:///{tmp_path}/m.db")
    yield st
    st.close()


# -- 1. charsets --------------------------------------------------------------------------------


def test_a_node_that_mislabels_the_charset_changes_nothing(
    http_server: LocalHTTPServer, store: Store
) -> None:
    config = make_config(http_server, store)
    body = policy_html(ACCENTED).replace("<head>", '<head><meta charset="utf-8">').encode()
    http_server.route("/privacy", Response(body=body, headers=HTML))
    assert check(store, config).outcome == "first"
    # One node behind the load balancer says latin-1 for the very same bytes.
    http_server.route(
        "/privacy", Response(body=body, headers={"Content-Type": "text/html; charset=iso-8859-1"})
    )
    assert check(store, config).outcome == "unchanged"
    assert counts(store) == (1, 0)


def test_a_garbled_page_is_suspect_never_a_version(http_server: LocalHTTPServer, store: Store) -> None:
    config = make_config(http_server, store)
    good = policy_html(ACCENTED)
    http_server.route("/privacy", Response(body=good, headers=HTML))
    assert check(store, config).outcome == "first"

    garbled = good.encode("utf-8").decode("cp1252", errors="ignore")  # double-encoded by a broken proxy
    http_server.route("/privacy", Response(body=garbled, headers=HTML))
    res = check(store, config)
    assert res.outcome == "suspect" and "mojibake" in (res.detail or "")
    assert counts(store) == (1, 0)

    http_server.route("/privacy", Response(body=good, headers=HTML))
    assert check(store, config).outcome == "unchanged"


# -- 2. meta refresh --------------------------------------------------------------------------------


def moved(target: str) -> Response:
    html = (
        '<!doctype html><html><head><meta charset="utf-8"><title>Privacy</title>'
        f'<meta http-equiv="refresh" content="0; url={target}"></head>'
        f'<body><p>Our policy has moved. <a href="{target}">Open it</a>.</p></body></html>'
    )
    return Response(body=html, headers=HTML)


def test_a_policy_that_moved_behind_a_meta_refresh_is_followed(
    http_server: LocalHTTPServer, store: Store
) -> None:
    config = make_config(http_server, store)
    http_server.route("/privacy", Response(body=policy_html(), headers=HTML))
    assert check(store, config).outcome == "first"

    http_server.route("/privacy", moved("/policies/privacy-v2"))
    http_server.route("/policies/privacy-v2", Response(body=policy_html(), headers=HTML))
    assert check(store, config).outcome == "unchanged"

    new = edited(**{"Retention": SECTIONS["Retention"].replace("24 months", "6 years")})
    http_server.route("/policies/privacy-v2", Response(body=policy_html(new), headers=HTML))
    res = check(store, config)
    assert res.outcome == "changed" and res.substantive and "retention" in res.categories


def test_a_refresh_the_guard_refuses_is_suspect_and_names_its_target(
    http_server: LocalHTTPServer, store: Store
) -> None:
    config = make_config(http_server, store)
    http_server.route("/privacy", Response(body=policy_html(), headers=HTML))
    assert check(store, config).outcome == "first"

    http_server.route("/privacy", moved("http://10.9.8.7/privacy"))

    async def guarded() -> CheckResult:
        # Loopback (the test server) is allowed, every other private address refused.
        async with Fetcher(fetch_policy(config), guard=LOCAL_ONLY) as fetcher:
            (result,) = await run_checks(store, config, fetcher=fetcher)
            return result

    res = asyncio.run(guarded())
    assert res.outcome == "suspect" and "http://10.9.8.7/privacy" in (res.detail or "")
    assert counts(store) == (1, 0)


def test_a_refresh_to_a_missing_page_is_suspect_with_the_target(
    http_server: LocalHTTPServer, store: Store
) -> None:
    config = make_config(http_server, store)
    http_server.route("/privacy", Response(body=policy_html(), headers=HTML))
    assert check(store, config).outcome == "first"

    http_server.route("/privacy", moved("/nowhere"))
    res = check(store, config)
    assert res.outcome == "suspect" and http_server.url("/nowhere") in (res.detail or "")
    assert "meta refresh" in (res.detail or "") and counts(store) == (1, 0)


# -- 3. Retry-After ----------------------------------------------------------------------------------


def next_due(store: Store) -> Any:
    with store.session() as s:
        return s.scalars(select(Watch.next_due_at)).one()


def test_a_long_retry_after_ends_the_check_and_moves_the_next_one(
    http_server: LocalHTTPServer, store: Store
) -> None:
    config = make_config(http_server, store, interval="30m", retries=3)
    http_server.route("/privacy", Response(503, "maintenance", {"Retry-After": "7200"}))

    before = utcnow()
    res = check(store, config)

    assert res.outcome == "error" and "7200s" in (res.detail or "") and res.version is None
    assert http_server.count("/privacy") == 1
    assert next_due(store) >= before + timedelta(seconds=7200)


@pytest.mark.parametrize("value", ["999999999999", "Thu, 21 Oct 9999 07:28:00 GMT"])
def test_a_retry_after_of_years_is_capped_at_a_week(http_server: LocalHTTPServer, store: Store, value: str) -> None:
    # It was an internal error (OverflowError) for the number, and a next check in 9999 for the date.
    config = make_config(http_server, store, interval="30m", retries=3)
    http_server.route("/privacy", Response(503, "maintenance", {"Retry-After": value}))
    before = utcnow()
    res = check(store, config)
    assert res.outcome == "error" and "internal error" not in (res.detail or ""), res
    assert before + timedelta(days=7) <= next_due(store) <= utcnow() + timedelta(days=7, minutes=1)


def test_the_interval_still_wins_when_it_is_later(http_server: LocalHTTPServer, store: Store) -> None:
    config = make_config(http_server, store, interval="1w", retries=3)
    http_server.route("/privacy", Response(503, "maintenance", {"Retry-After": "3600"}))

    before = utcnow()
    assert check(store, config).outcome == "error"
    assert next_due(store) >= before + timedelta(days=7)


def test_a_short_retry_after_is_waited_for_within_the_check(
    http_server: LocalHTTPServer, store: Store
) -> None:
    config = make_config(http_server, store, interval="30m", retries=2)
    http_server.sequence(
        "/privacy", Response(503, "busy", {"Retry-After": "1"}), Response(body=policy_html(), headers=HTML)
    )
    before = utcnow()
    assert check(store, config).outcome == "first"
    assert http_server.count("/privacy") == 2
    assert next_due(store) <= before + timedelta(minutes=31)


# -- 4. stale validators -----------------------------------------------------------------------------


def stale_cache(server: LocalHTTPServer, pages: dict[str, str]) -> None:
    """A cache whose ETag never changes: any conditional request gets 304, whatever is current."""

    def handler(request: RequestRecord) -> Response:
        if request.headers.get("if-none-match") == '"tpl-1"':
            return Response(304, headers={"ETag": '"tpl-1"'})
        return Response(body=pages["now"], headers={**HTML, "ETag": '"tpl-1"'})

    server.route("/privacy", handler)


def conditional_requests(server: LocalHTTPServer) -> list[bool]:
    return ["if-none-match" in r.headers or "if-modified-since" in r.headers for r in server.requests]


@pytest.mark.parametrize("every", [3, 5])
def test_a_stale_304_cannot_hide_a_change_for_more_than_n_checks(
    http_server: LocalHTTPServer, store: Store, every: int
) -> None:
    config = make_config(http_server, store, defaults={"full_fetch_every": every})
    pages = {"now": policy_html()}
    stale_cache(http_server, pages)
    assert check(store, config).outcome == "first"

    pages["now"] = policy_html(edited(**{"Retention": SECTIONS["Retention"].replace("24 months", "9 years")}))
    outcomes = [check(store, config).outcome for _ in range(every)]

    assert outcomes == ["unchanged"] * (every - 1) + ["changed"]
    assert conditional_requests(http_server) == [False] + [True] * (every - 1) + [False]
    # Conditional requests stay the rule afterwards.
    assert check(store, config).outcome == "unchanged" and conditional_requests(http_server)[-1] is True
    assert counts(store) == (2, 1)


def test_a_full_fetch_is_due_a_day_after_the_last_one(http_server: LocalHTTPServer, store: Store) -> None:
    config = make_config(http_server, store, defaults={"full_fetch_after": "1d"})
    pages = {"now": policy_html()}
    stale_cache(http_server, pages)
    assert check(store, config).outcome == "first"
    assert check(store, config).outcome == "unchanged"  # conditional: 304
    with store.session() as s:  # the first (full) check was a day and a bit ago
        s.execute(update(Check).values(started_at=utcnow() - timedelta(days=1, minutes=5)))

    pages["now"] = policy_html(edited(**{"Retention": SECTIONS["Retention"].replace("24 months", "9 years")}))
    assert check(store, config).outcome == "changed"
    assert conditional_requests(http_server) == [False, True, False]


def test_conditional_false_never_sends_validators(http_server: LocalHTTPServer, store: Store) -> None:
    config = make_config(http_server, store, conditional=False)
    pages = {"now": policy_html()}
    stale_cache(http_server, pages)
    assert [check(store, config).outcome for _ in range(3)] == ["first", "unchanged", "unchanged"]
    pages["now"] = policy_html(edited(**{"Retention": SECTIONS["Retention"].replace("24 months", "9 years")}))
    assert check(store, config).outcome == "changed"
    assert conditional_requests(http_server) == [False] * 4


def test_a_well_behaved_server_keeps_answering_304(http_server: LocalHTTPServer, store: Store) -> None:
    config = make_config(http_server, store)
    pages = {"now": policy_html()}
    stale_cache(http_server, pages)  # its ETag is right while the page does not change
    outcomes = [check(store, config).outcome for _ in range(6)]
    assert outcomes == ["first"] + ["unchanged"] * 5
    assert conditional_requests(http_server) == [False] + [True] * 5


@pytest.mark.parametrize(
    ("defaults", "key"),
    [
        ({"full_fetch_every": 0}, "defaults.full_fetch_every"),
        ({"full_fetch_after": "soon"}, "defaults.full_fetch_after"),
    ],
)
def test_refresh_settings_are_validated(defaults: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        parse_config({"defaults": defaults})
