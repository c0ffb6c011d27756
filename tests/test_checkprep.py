"""monitor.checkprep.prepare: many watches read at once give what the single-watch reads give."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import insert, select, update

from monitor.checkprep import Preparer, conditional_allowed, load_prior, prepare
from monitor.claims import sync_watches
from monitor.config import parse_config
from monitor.store import Check, Store, Watch, utcnow

LEASE = timedelta(minutes=5)


def _config(url: str, n: int, **defaults: object) -> object:
    return parse_config(
        {
            "database": {"url": url},
            "defaults": {"full_fetch_every": 4, "full_fetch_after": "1h", **defaults},
            "watches": [
                {"name": f"w{i}", "url": f"https://example.org/p{i}", **({"conditional": False} if i == 5 else {})}
                for i in range(n)
            ],
        }
    )


def _history(store: Store) -> None:
    """Different recent checks per watch: none, young, all 304, a full one long ago, a full one now."""
    now = utcnow()
    rows = []
    for wid, kinds in {
        2: [(1, False, 200)],
        3: [(1, True, 304), (2, True, 304), (3, True, 304)],
        4: [(1, True, 304), (30, False, 200), (31, True, 304), (32, True, 304)],
        5: [(1, False, 200)],
        6: [(90, False, 200), (1, True, 304)],
        7: [(0, False, 500), (1, True, 304), (2, False, 200), (3, True, 304), (4, True, 304)],
    }.items():
        for minutes, not_modified, status in kinds:
            t = now - timedelta(minutes=minutes)
            rows.append(
                {"watch_id": wid, "started_at": t, "finished_at": t, "duration_ms": 1, "outcome": "unchanged",
                 "http_status": status, "not_modified": not_modified}
            )  # fmt: skip
    with store.session() as s:
        s.execute(insert(Check), rows)


def test_prepare_answers_as_the_single_watch_reads(db_url: str) -> None:
    store = Store(db_url)
    try:
        config = _config(db_url, 9)
        sync_watches(store, config)
        _history(store)
        with store.session() as s:  # w8 is held by a live process elsewhere: busy
            s.execute(
                update(Watch)
                .where(Watch.name == "w8")
                .values(lease_owner="elsewhere:1:1", lease_until=utcnow() + LEASE)
            )
        got = prepare(store, config, config.watches, "me", LEASE)
        assert set(got) == {wc.name for wc in config.watches}
        for wc in config.watches:
            p = got[wc.name]
            assert p.prior == load_prior(store, wc.name)
            assert p.conditional(config) == conditional_allowed(store, config, wc, p.prior.watch_id), wc.name
            assert p.acquired == (wc.name != "w8")
        with store.session() as s:
            owners = dict(s.execute(select(Watch.name, Watch.lease_owner)).all())
        assert owners["w8"] == "elsewhere:1:1" and {owners[f"w{i}"] for i in range(8)} == {"me"}
        # The verdicts differ between watches, so the comparison above means something.
        assert {got[n].conditional(config) for n in got} == {True, False}
    finally:
        store.close()


def test_a_round_that_ends_early_frees_the_leases_it_took_ahead(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/m.db"
    store = Store(url)
    try:
        config = _config(url, 5)
        sync_watches(store, config)

        async def one_check() -> set[int]:
            preparer = Preparer(store, config, config.watches, "me", LEASE)
            assert (await preparer.get(config.watches[0])) is not None
            await preparer.settle()
            return preparer.unclaimed()

        left = asyncio.run(one_check())
        with store.session() as s:
            ids = set(s.scalars(select(Watch.id).where(Watch.name != "w0")))
        assert left == ids  # the other four were prepared (one chunk) and never handed out
    finally:
        store.close()


def test_sibling_markdowns_are_the_first_watches_of_the_same_host(db_url: str) -> None:
    import zlib
    from urllib.parse import urlsplit

    from monitor.chrome_evidence import MAX_SIBLINGS
    from monitor.recording import _sibling_markdowns
    from monitor.store import Version

    store = Store(db_url)
    try:
        hosts = ["a.example", "B.example", "a.example", "c.example", "a.example:8080"]
        config = parse_config(
            {
                "database": {"url": db_url},
                "watches": [{"name": f"w{i}", "url": f"https://{hosts[i % 5]}/p{i}"} for i in range(70)],
            }
        )
        sync_watches(store, config)
        with store.session() as s:
            watches = list(s.scalars(select(Watch).order_by(Watch.id)))
            for w in watches:
                if w.name in ("w7", "w12"):
                    continue  # no version yet
                v = Version(watch_id=w.id, seq=1, content_hash="x", markdown_z=zlib.compress(w.name.encode()),
                            extractor_version="t")  # fmt: skip
                s.add(v)
                s.flush()
                w.current_version_id = v.id
            watches[3].active = False
        with store.session() as s:
            every = list(s.scalars(select(Watch).order_by(Watch.id)))
            for w in every:
                want = [
                    o.name
                    for o in every
                    if o.id != w.id and o.active and o.current_version_id is not None
                    and urlsplit(o.url).hostname == urlsplit(w.url).hostname
                ][:MAX_SIBLINGS]  # fmt: skip
                assert sorted(_sibling_markdowns(s, w)) == sorted(want), w.name
    finally:
        store.close()


def test_a_prepared_watch_is_handed_out_once_and_not_held_after(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/m.db"
    store = Store(url)
    try:
        config = _config(url, 5)
        sync_watches(store, config)

        async def handed() -> tuple[list[object], list[object]]:
            preparer = Preparer(store, config, config.watches, "me", LEASE)
            first = [await preparer.get(wc) for wc in config.watches]
            await preparer.settle()
            held = [p for task in preparer._tasks.values() for p in task.result().values()]
            return first, held

        first, held = asyncio.run(handed())
        assert all(p is not None for p in first)
        assert held == []  # nothing kept for the rest of the round
    finally:
        store.close()
