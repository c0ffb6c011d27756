"""First versions written in batches (monitor.firstbatch through monitor.checkbatch.CheckBatch): the
same rows as the one-transaction path, the same later rounds, rows kept across a failed write and
nothing permanent before one, on a real SQLite file and the real PostgreSQL server, with pages from
a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from httpserver import LocalHTTPServer, RequestRecord, Response
from policies import SECTIONS, edited, policy_html
from sqlalchemy import event, func, select, update
from sqlalchemy.exc import OperationalError

from monitor import checker
from monitor.checkbatch import CheckBatch
from monitor.checker import CheckResult, check_watch, fetch_policy, run_checks
from monitor.config import Config, parse_config
from monitor.cpu import CpuPool
from monitor.fetch import Fetcher
from monitor.store import Check, Event, Notification, RawBody, Store, Version, Watch, utcnow

# Pages that become plain first versions, and pages that must not (a login wall: suspect; a redirect
# to the home page: suspect; an image: error).
PLAIN = ["Alder", "Birch", "Cedar", "Damson", "Elder"]
OTHERS = ["Fir", "Gorse", "Hazel"]
WALL = "<html><body><h1>Sign in</h1><p>Please log in to continue.</p></body></html>"


def serve(server: LocalHTTPServer, pages: dict[str, str], *, etags: bool = True) -> None:
    """The site: each plain page (fixed bytes, so both paths store the same raw body) with an ETag
    answered with 304 when `etags`, and Last-Modified; Damson moved for good (a redirect to its
    new address); Elder with no charset and no validators."""

    def handler(name: str) -> Any:
        def answer(req: RequestRecord) -> Response:
            tag = f'"{abs(hash(pages[name])) % 10**12}"'
            if etags and req.headers.get("if-none-match") == tag:
                return Response(304, b"", {"ETag": tag})
            headers = {"Content-Type": "text/html; charset=utf-8", "Last-Modified": "Fri, 01 Mar 2024 10:00:00 GMT"}
            if name == "Elder":
                headers = {"Content-Type": "text/html"}
            elif etags:
                headers["ETag"] = tag
            return Response(200, pages[name].encode("utf-8"), headers)

        return answer

    for name in PLAIN:
        if name != "Damson":
            server.route(f"/{name}", handler(name))
    server.route("/Damson", Response(301, b"", {"Location": "/legal/Damson-privacy"}))
    server.route("/legal/Damson-privacy", handler("Damson"))
    server.route("/", Response(200, policy_html(), {"Content-Type": "text/html; charset=utf-8"}))
    server.route("/Fir", Response(200, WALL, {"Content-Type": "text/html; charset=utf-8"}))
    server.route("/Gorse", Response(200, b"\x89PNG\r\n", {"Content-Type": "image/png"}))
    server.route("/Hazel", Response(302, b"", {"Location": "/"}))


def site_pages() -> dict[str, str]:
    return {n: policy_html().replace("Brindlewick", n) for n in PLAIN}


def config_for(server: LocalHTTPServer, db_url: str, prefixes: str = "ab", **notify: Any) -> Config:
    """Each page watched twice, as "a-NAME" and "b-NAME": one set checked the one-transaction way,
    the other batched."""
    return parse_config(
        {
            "database": {"url": db_url},
            "fetch": {"allow_private_addresses": True, "workers": 0},
            "defaults": {"retries": 0, "timeout": 20, "jitter": 0},
            "notify": notify,
            "watches": [
                {"name": f"{p}-{n}", "url": server.url(f"/{n}")} for p in prefixes for n in PLAIN + OTHERS
            ],
        }
    )


def names(prefix: str, which: list[str] = PLAIN + OTHERS) -> list[str]:
    return [f"{prefix}-{n}" for n in which]


def round_of(store: Store, config: Config, watch_names: list[str]) -> dict[str, CheckResult]:
    return {r.watch: r for r in asyncio.run(run_checks(store, config, watch_names))}


@contextmanager
def one_by_one(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No first version is batched within: the one-transaction path of before."""
    with monkeypatch.context() as m:
        m.setattr(checker, "plain_first", lambda *a: False)
        yield


def first_round(
    store: Store, config: Config, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, CheckResult], dict[str, CheckResult]]:
    """The a- watches checked one by one, the b- watches batched."""
    with one_by_one(monkeypatch):
        a = round_of(store, config, names("a"))
    return a, round_of(store, config, names("b"))


def result_view(r: CheckResult) -> dict[str, Any]:
    d = r.to_dict()
    d.pop("watch"), d.pop("duration_ms", None)
    d["event"] = d.pop("event_id", None) is not None  # an id: which one differs between the sets
    return d


def _columns(row: Any, skip: set[str]) -> dict[str, Any]:
    return {c.name: getattr(row, c.key) for c in row.__table__.columns if c.name not in skip}


TIMES = {"started_at", "finished_at", "created_at", "last_seen_at", "fetched_at", "last_checked_at", "next_due_at"}


def stored(store: Store, name: str) -> dict[str, Any]:
    """Every row of the watch, column by column, without ids, timestamps and timings; links between
    rows as what they point to (a check's version as its seq, a version's raw body as its sha256)."""
    with store.session() as s:
        w = s.scalars(select(Watch).where(Watch.name == name)).one()
        versions = list(s.scalars(select(Version).where(Version.watch_id == w.id).order_by(Version.seq)))
        seq = {v.id: v.seq for v in versions}
        raws = {rb.id: rb for rb in s.scalars(select(RawBody).where(RawBody.watch_id == w.id))}
        checks = list(s.scalars(select(Check).where(Check.watch_id == w.id).order_by(Check.id)))
        skip = TIMES | {"id", "watch_id"}
        assert w.next_due_at is not None and w.last_checked_at is not None and w.next_due_at > w.last_checked_at
        return {
            "watch": {
                **_columns(w, skip | {"name", "url", "current_version_id"}),
                "current": seq.get(w.current_version_id),  # type: ignore[arg-type]
            },
            "versions": [
                {**_columns(v, skip | {"raw_body_id"}), "raw": raws[v.raw_body_id].sha256 if v.raw_body_id else None}
                for v in versions
            ],
            "raw_bodies": sorted(
                (_columns(rb, skip | {"url"}) | {"url": rb.url.split("/", 3)[-1]} for rb in raws.values()),
                key=lambda d: d["sha256"],
            ),
            "checks": [
                {
                    **_columns(c, skip | {"duration_ms", "fetch_ms", "version_id", "event_id"}),
                    "version": seq.get(c.version_id),  # type: ignore[arg-type]
                    "event": c.event_id is not None,
                }
                for c in checks
            ],
            "events": s.scalar(select(func.count()).select_from(Event).where(Event.watch_id == w.id)),
            "outbox": s.scalar(select(func.count()).select_from(Notification).where(Notification.watch_id == w.id)),
        }


def assert_same_rows(store: Store, which: list[str] = PLAIN + OTHERS) -> None:
    for n in which:
        assert stored(store, f"b-{n}") == stored(store, f"a-{n}"), n


def test_a_batched_first_round_writes_the_rows_of_the_one_by_one_path(
    http_server: LocalHTTPServer, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(db_url)
    config = config_for(http_server, db_url)
    serve(http_server, site_pages())
    try:
        a, b = first_round(store, config, monkeypatch)
        assert {n: r.outcome for n, r in b.items()} == {
            **dict.fromkeys(names("b", PLAIN), "first"),
            "b-Fir": "suspect",
            "b-Gorse": "error",
            "b-Hazel": "suspect",
        }
        for n in PLAIN + OTHERS:
            assert result_view(b[f"b-{n}"]) == result_view(a[f"a-{n}"]), n
        assert b["b-Alder"].version == 1 and b["b-Alder"].http_status == 200
        assert_same_rows(store)
        got = stored(store, "b-Damson")
        assert got["raw_bodies"][0]["url"] == "legal/Damson-privacy"  # where the page was fetched from
        assert got["raw_bodies"][0]["media_type"] == "text/html; charset=utf-8"
        assert stored(store, "b-Alder")["watch"]["etag"] is not None
        assert stored(store, "b-Alder")["versions"][0]["language"] == "en"
    finally:
        store.close()


def test_rounds_after_a_batched_first_round_go_as_before(
    http_server: LocalHTTPServer, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(db_url)
    config = config_for(http_server, db_url)
    pages = site_pages()
    serve(http_server, pages)
    try:
        first_round(store, config, monkeypatch)
        rounds = []
        second = round_of(store, config, names("a") + names("b"))  # ETags: 304s
        rounds.append(second)
        assert {n: (second[f"b-{n}"].outcome, second[f"b-{n}"].http_status, second[f"b-{n}"].version) for n in PLAIN} == {
            **{n: ("unchanged", 304, 1) for n in PLAIN if n != "Elder"},
            "Elder": ("unchanged", 200, 1),  # no validators: the very bytes of version 1 again
        }
        serve(http_server, pages, etags=False)  # full answers: the stored raw bodies' hashes match
        rounds.append(round_of(store, config, names("a") + names("b")))
        assert {n: rounds[-1][f"b-{n}"].outcome for n in PLAIN} == dict.fromkeys(PLAIN, "unchanged")
        pages["Birch"] = policy_html(edited(Retention=SECTIONS["Retention"].replace("24 months", "9 years"))).replace(
            "Brindlewick", "Birch"
        )
        rounds.append(round_of(store, config, names("a") + names("b")))
        assert rounds[-1]["b-Birch"].outcome == "changed" and "retention" in rounds[-1]["b-Birch"].categories
        for got in rounds:
            for n in PLAIN + OTHERS:
                assert result_view(got[f"b-{n}"]) == result_view(got[f"a-{n}"]), n
        assert_same_rows(store)
        birch = stored(store, "b-Birch")
        assert birch["events"] == 1 and birch["watch"]["current"] == 2
        # Each check row names the version current after it, as its result does.
        assert [c["version"] for c in birch["checks"]] == [1, 1, 1, 2]
    finally:
        store.close()


def test_first_versions_share_one_transaction(
    http_server: LocalHTTPServer, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A round's first versions are written together: one transaction stores them all (the round's
    batch is never due before the round ends here), where they took one each before."""
    store = Store(db_url)
    config = config_for(http_server, db_url)
    serve(http_server, site_pages())
    writing: set[int] = set()
    commits: list[int] = []

    def executed(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO VERSIONS"):
            writing.add(id(conn.connection.dbapi_connection))

    def committed(conn: Any) -> None:
        key = id(conn.connection.dbapi_connection)
        if key in writing:
            writing.discard(key)
            commits.append(key)

    event.listen(store.engine, "before_cursor_execute", executed)
    event.listen(store.engine, "commit", committed)
    monkeypatch.setattr(checker, "CheckBatch", functools.partial(CheckBatch, max_age=3600))
    try:
        with one_by_one(monkeypatch):
            round_of(store, config, names("a"))
        assert len(commits) == len(PLAIN)  # one transaction per first version
        commits.clear()
        b = round_of(store, config, names("b"))
        assert [r.outcome for r in b.values()].count("first") == len(PLAIN)
        assert len(commits) == 1
        assert_same_rows(store)
    finally:
        event.remove(store.engine, "before_cursor_execute", executed)
        event.remove(store.engine, "commit", committed)
        store.close()


async def _checked(store: Store, config: Config, batch: CheckBatch, which: list[str]) -> list[CheckResult]:
    async with Fetcher(fetch_policy(config)) as f:
        return [await check_watch(store, config, config.watch(n), f, pool=CpuPool(0), batch=batch) for n in which]  # type: ignore[arg-type]


def _counts(store: Store) -> tuple[int, int, int]:
    with store.session() as s:
        return tuple(  # type: ignore[return-value]
            s.scalar(select(func.count()).select_from(t)) for t in (RawBody, Version, Check)
        )


def test_a_failed_batch_keeps_its_first_versions_and_a_crash_before_one_leaves_nothing(
    http_server: LocalHTTPServer, db_url: str
) -> None:
    store = Store(db_url)
    config = config_for(http_server, db_url, "b")
    serve(http_server, site_pages())
    batch = CheckBatch(store, max_first=100, max_age=3600)
    which = names("b", PLAIN)
    try:
        results = asyncio.run(_checked(store, config, batch, which))
        assert [r.outcome for r in results] == ["first"] * len(PLAIN) and len(batch) == len(PLAIN)
        # Nothing written yet: a crash now leaves each watch without a version, due, and leased
        # until its lease lapses.
        assert _counts(store) == (0, 0, 0)
        with store.session() as s:
            ws = list(s.scalars(select(Watch).where(Watch.name.in_(which))))
            assert all(w.current_version_id is None and w.lease_until is not None for w in ws)
            assert all(w.next_due_at is not None and w.next_due_at <= utcnow() for w in ws)

        def fail(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if statement.lstrip().upper().startswith("INSERT INTO VERSIONS"):
                raise OperationalError(statement, None, Exception("disk I/O error (forced by the test)"))

        event.listen(store.engine, "before_cursor_execute", fail)
        try:
            with pytest.raises(OperationalError):
                batch.flush()
        finally:
            event.remove(store.engine, "before_cursor_execute", fail)
        assert len(batch) == len(PLAIN)
        assert _counts(store) == (0, 0, 0)  # the raw bodies written before the failure were rolled back
        assert batch.flush() == len(PLAIN) and len(batch) == 0
        assert _counts(store) == (len(PLAIN),) * 3
        with store.session() as s:
            ws = list(s.scalars(select(Watch).where(Watch.name.in_(which))))
            assert all(w.current_version.seq == 1 and w.lease_owner is None and w.status == "ok" for w in ws)  # type: ignore[union-attr]
        # And the next round finds them as any first round leaves them.
        again = round_of(store, config, which)
        assert {r.outcome for r in again.values()} == {"unchanged"}
    finally:
        store.close()


def test_a_round_after_a_crash_before_the_batch_was_written_stores_the_first_versions(
    http_server: LocalHTTPServer, db_url: str
) -> None:
    store = Store(db_url)
    config = config_for(http_server, db_url, "b")
    serve(http_server, site_pages())
    which = names("b", PLAIN)
    try:
        crashed = CheckBatch(store, max_first=100, max_age=3600)
        asyncio.run(_checked(store, config, crashed, which))
        del crashed  # the process died with it
        with store.session() as s:  # its leases lapse
            s.execute(
                update(Watch)
                .where(Watch.name.in_(which))
                .values(lease_until=utcnow() - timedelta(seconds=1), lease_owner="gone-host:1:0")
            )
        results = round_of(store, config, which)
        assert {(r.outcome, r.version) for r in results.values()} == {("first", 1)}
        assert _counts(store) == (len(PLAIN),) * 3
    finally:
        store.close()


def test_watches_with_history_or_bad_health_take_the_one_by_one_path(
    http_server: LocalHTTPServer, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not pristine: a watch whose versions lost their current pointer (the page is one of them
    again: a flap, not a first version), and a failing watch (its first version ends the failing
    state with an ops note)."""
    store = Store(db_url)
    config = config_for(http_server, db_url, **{"ops_target": "ops", "targets": {"ops": {"urls": "json://h/o"}}})
    serve(http_server, site_pages())
    try:
        first_round(store, config, monkeypatch)
        with store.session() as s:
            s.execute(update(Watch).where(Watch.name.in_(["a-Alder", "b-Alder"])).values(current_version_id=None))
        with store.session() as s:
            s.execute(
                update(Watch).where(Watch.name.in_(["a-Gorse", "b-Gorse"])).values(status="failing", consecutive_failures=3)
            )
        serve(http_server, site_pages(), etags=False)
        http_server.route("/Gorse", Response(200, policy_html().replace("Brindlewick", "Gorse"), {"Content-Type": "text/html"}))
        with one_by_one(monkeypatch):
            a = round_of(store, config, ["a-Alder", "a-Gorse"])
        b = round_of(store, config, ["b-Alder", "b-Gorse"])
        assert b["b-Alder"].outcome == "flap" and b["b-Alder"].version == 1
        assert b["b-Gorse"].outcome == "first"
        for n in ("Alder", "Gorse"):
            assert result_view(b[f"b-{n}"]) == result_view(a[f"a-{n}"])
        assert_same_rows(store, ["Alder", "Gorse"])
        assert stored(store, "b-Gorse")["outbox"] == 1  # the "recovered" note
    finally:
        store.close()
