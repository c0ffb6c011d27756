"""The schema: Alembic migrations on a real SQLite file and the real PostgreSQL server."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, insert, inspect, select, text

from monitor.document import DocumentBuilder
from monitor.recording import was_suspect
from monitor.store import Base, Check, Event, Store, Version, Watch, current_revision, downgrade, upgrade

TABLES = {"watches", "checks", "versions", "raw_bodies", "events", "notifications"}


def test_upgrade_downgrade_upgrade(db_url: str) -> None:
    store = Store(db_url, migrate=False)
    assert current_revision(store.engine) is None
    upgrade(store.engine)
    assert set(inspect(store.engine).get_table_names()) >= TABLES
    head = current_revision(store.engine)
    assert head is not None
    # The migrations build exactly what the models describe.
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    downgrade(store.engine, "base")
    assert current_revision(store.engine) is None
    assert not (TABLES & set(inspect(store.engine).get_table_names()))
    upgrade(store.engine)
    assert current_revision(store.engine) == head
    store.close()


def test_versions_round_trip(db_url: str) -> None:
    store = Store(db_url)
    b = DocumentBuilder()
    b.heading("Retention", 2)
    b.block("p", "We keep account data for 24 months after closure.")
    doc = b.build("Privacy Policy")
    with store.session() as s:
        w = Watch(name="Example", url="https://example.org/privacy")
        s.add(w)
        s.flush()
        v = Version(
            watch_id=w.id,
            seq=1,
            content_hash=doc.content_hash(),
            markdown_z=Version.pack(doc.to_markdown()),
            word_count=doc.word_count,
            extractor_version="t",
        )
        s.add(v)
        s.flush()
        w.current_version = v
    with store.session() as s:
        w = Store.watch_by_name(s, "Example")
        assert w is not None and w.current_version is not None
        assert w.current_version.document() == doc
        assert w.created_at.tzinfo is not None
    store.close()


def test_sqlite_uses_wal(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path}/wal.db")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    store.close()


def test_downgrade_one_step_keeps_the_data_on_a_database_in_use(db_url: str) -> None:
    """A fresh user's find: on SQLite with data, rebuilding `versions` (batch mode) failed on the
    foreign keys that checks and events hold, and left a half-made copy behind."""
    store = Store(db_url)
    b = DocumentBuilder()
    b.block("p", "We keep account data for 24 months after closure.")
    doc = b.build("Privacy Policy")
    with store.session() as s:
        w = Watch(name="Example", url="https://example.org/privacy")
        s.add(w)
        s.flush()
        v = Version(
            watch_id=w.id, seq=1, content_hash=doc.content_hash(), markdown_z=Version.pack(doc.to_markdown()),
            word_count=doc.word_count, extractor_version="t",
        )
        s.add(v)
        s.flush()
        w.current_version = v
    head = current_revision(store.engine)
    downgrade(store.engine, "0001")
    assert current_revision(store.engine) == "0001"
    assert not [t for t in inspect(store.engine).get_table_names() if t.startswith("_alembic_tmp")]
    upgrade(store.engine)
    assert current_revision(store.engine) == head
    with store.session() as s:
        w = Store.watch_by_name(s, "Example")
        assert w is not None and w.current_version is not None
        assert w.current_version.document() == doc
    store.close()



def test_checks_are_indexed_by_capture_hash(db_url: str) -> None:
    """Migration 0004: the checks of a database in use gain an index on (watch_id, capture_hash),
    the lookup of whether a version was once a suspect capture (monitor.recording.was_suspect);
    downgrading to 0003 drops it and keeps the rows."""
    store = Store(db_url, migrate=False)
    upgrade(store.engine, "0003")
    with store.session() as s:  # a database of release 0003 with a suspect capture kept
        # Only the columns of that release (the ORM would write later ones, such as schedule).
        watch_id = s.execute(
            insert(Watch).values(name="Example", url="https://example.org/privacy").returning(Watch.id)
        ).scalar_one()
        s.add(Check(watch_id=watch_id, outcome="suspect", capture_hash="ab12", capture_relative=True))

    def indexes() -> dict[str, list[str]]:
        return {ix["name"]: ix["column_names"] for ix in inspect(store.engine).get_indexes("checks")}

    assert "ix_checks_watch_capture" not in indexes()
    upgrade(store.engine)
    assert indexes()["ix_checks_watch_capture"] == ["watch_id", "capture_hash"]
    with store.session() as s:
        assert was_suspect(s, watch_id, Version(content_hash="ab12"))
        assert not was_suspect(s, watch_id, Version(content_hash="cd34"))
        if store.engine.dialect.name == "sqlite":  # the planner takes it for that lookup
            query = select(Check.id).where(
                Check.watch_id == watch_id, Check.outcome == "suspect", Check.capture_hash == "ab12"
            )
            sql = str(query.compile(store.engine, compile_kwargs={"literal_binds": True}))
            plan = " ".join(str(row[-1]) for row in s.execute(text("EXPLAIN QUERY PLAN " + sql)))
            assert "ix_checks_watch_capture" in plan, plan
    downgrade(store.engine, "0003")
    assert "ix_checks_watch_capture" not in indexes()
    with store.session() as s:
        assert s.scalar(select(func.count(Check.id))) == 1
    store.close()


def test_watches_gain_the_schedule_their_due_time_came_from(db_url: str) -> None:
    """Migration 0005: the watches of a database in use gain a schedule column, empty (NULL) until
    the next sync records the configured one; downgrading to 0004 drops it and keeps the rows."""
    store = Store(db_url, migrate=False)
    upgrade(store.engine, "0004")
    with store.session() as s:
        s.execute(insert(Watch).values(name="Example", url="https://example.org/privacy"))
    upgrade(store.engine)
    with store.session() as s:
        assert s.execute(select(Watch.name, Watch.schedule)).all() == [("Example", None)]
        s.execute(Watch.__table__.update().values(schedule="6h"))
    downgrade(store.engine, "0004")
    assert "schedule" not in {c["name"] for c in inspect(store.engine).get_columns("watches")}
    with store.session() as s:
        assert s.scalar(text("SELECT name FROM watches")) == "Example"
    store.close()


def test_watches_left_on_an_untold_version_go_back_to_the_told_one(db_url: str) -> None:
    """Migration 0006: a watch an older release moved silently to an earlier version (a flap) goes
    back to the version its latest event made current, so its next check judges the page against
    what the recipients were last told (monitor.served_again). A watch on the told version, on its
    re-derivation by a newer extractor, or with no event at all stays where it is."""
    store = Store(db_url, migrate=False)
    upgrade(store.engine, "0005")
    b = DocumentBuilder()
    b.block("p", "We keep account data for 24 months after closure.")
    z = Version.pack(b.build("Notice").to_markdown())
    with store.session() as s:

        def watch(name: str, seqs: int) -> tuple[int, list[int]]:
            w = s.execute(insert(Watch).values(name=name, url=f"https://{name}.example/privacy").returning(Watch.id))
            wid = w.scalar_one()
            ids = [
                s.execute(
                    insert(Version)
                    .values(watch_id=wid, seq=n, content_hash=f"{name}{n}", markdown_z=z, extractor_version="x")
                    .returning(Version.id)
                ).scalar_one()
                for n in range(1, seqs + 1)
            ]
            return wid, ids

        def event(wid: int, a: int, b_: int) -> None:
            s.execute(
                insert(Event).values(
                    watch_id=wid, from_version_id=a, to_version_id=b_, substantive=True, report_json={}
                )
            )

        flapped, (f1, f2) = watch("flapped", 2)  # told 1 -> 2 -> 1 -> 2, left on 1 by a silent flap
        event(flapped, f1, f2)
        event(flapped, f2, f1)
        event(flapped, f1, f2)
        told, (t1, t2) = watch("told", 2)
        event(told, t1, t2)
        upgraded, (u1, u2, u3) = watch("upgraded", 3)  # version 3: version 2 re-derived
        event(upgraded, u1, u2)
        s.execute(Version.__table__.update().where(Version.id == u3).values(upgrade_of_id=u2))
        alone, (a1,) = watch("alone", 1)
        for wid, vid in ((flapped, f1), (told, t2), (upgraded, u3), (alone, a1)):
            s.execute(Watch.__table__.update().where(Watch.id == wid).values(current_version_id=vid))
    upgrade(store.engine)
    with store.session() as s:
        now = dict(s.execute(select(Watch.name, Watch.current_version_id)).all())
    assert now == {"flapped": f2, "told": t2, "upgraded": u3, "alone": a1}
    downgrade(store.engine, "0005")
    with store.session() as s:
        assert s.scalar(select(Watch.current_version_id).where(Watch.name == "flapped")) == f2
    store.close()
