"""/healthz tells a database it cannot reach from one it reaches whose schema is missing or behind
the code, each with real SQLite files, through a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import httpx
import pytest

from monitor.config import parse_config
from monitor.store import Store
from monitor.web import BackgroundServer

SCHEMA = "database schema missing or out of date: run `policy-monitor db upgrade` ("


def _config(db_url: str):
    return parse_config({"database": {"url": db_url}, "watches": [{"name": "Ferncastle", "url": "http://127.0.0.1:9/p"}]})


def _health(base: str) -> tuple[int, str]:
    r = httpx.get(base + "healthz", timeout=30)
    return r.status_code, r.json()["database"]


def test_healthz_says_schema_when_the_database_answers_and_unreachable_when_it_does_not(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    db = folder / "m.db"
    store = Store(f"sqlite:///{db}")
    try:
        with BackgroundServer(_config(f"sqlite:///{db}"), store, "127.0.0.1:0") as web:
            assert _health(web.url) == (200, "ok")
            with sqlite3.connect(db) as conn:  # a schema older than the code: a column it reads is not there
                conn.execute("ALTER TABLE checks DROP COLUMN http_status")
            code, said = _health(web.url)
            assert code == 503 and said.startswith(SCHEMA) and "no such column" in said, said
            with sqlite3.connect(db) as conn:  # a table gone
                conn.execute("DROP TABLE events")
            code, said = _health(web.url)
            assert code == 503 and said.startswith(SCHEMA) and "no such table" in said, said
            store.engine.dispose()
            shutil.rmtree(folder)  # nothing to open any more: that is unreachable
            code, said = _health(web.url)
            assert code == 503 and said.startswith("unreachable: ") and "schema" not in said, said
    finally:
        store.close()


def test_healthz_on_an_empty_database_file_says_the_schema_is_missing(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    sqlite3.connect(db).close()  # a database file with no tables: never migrated
    store = Store(f"sqlite:///{db}", migrate=False)
    try:
        with BackgroundServer(_config(f"sqlite:///{db}"), store, "127.0.0.1:0") as web:
            code, said = _health(web.url)
    finally:
        store.close()
    assert code == 503 and said.startswith(SCHEMA) and "no such table" in said, said


@pytest.mark.postgres
def test_healthz_on_postgres_says_schema_for_a_missing_table(postgres_url: str) -> None:
    from sqlalchemy import text

    store = Store(postgres_url)
    try:
        with BackgroundServer(_config(postgres_url), store, "127.0.0.1:0") as web:
            assert _health(web.url) == (200, "ok")
            with store.engine.begin() as conn:
                conn.execute(text("DROP TABLE notifications"))
            code, said = _health(web.url)
    finally:
        store.close()
    assert code == 503 and said.startswith(SCHEMA) and "UndefinedTable" in said, said


GONE = "is gone (deleted or replaced) since the server started: restart it"


def test_healthz_fails_once_the_sqlite_file_is_deleted_while_serving(tmp_path: Path) -> None:
    # The open connection keeps reading the unlinked file: `SELECT 1` still answers, with old data,
    # while a later `check` would make a new file the server never reads.
    db = tmp_path / "m.db"
    store = Store(f"sqlite:///{db}")
    try:
        with BackgroundServer(_config(f"sqlite:///{db}"), store, "127.0.0.1:0") as web:
            assert _health(web.url) == (200, "ok")
            for leftover in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
                leftover.unlink(missing_ok=True)
            code, said = _health(web.url)
            assert code == 503 and str(db) in said and said.endswith(GONE), said
    finally:
        store.close()


def test_healthz_fails_once_the_sqlite_file_is_replaced_while_serving(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    store = Store(f"sqlite:///{db}")
    try:
        with BackgroundServer(_config(f"sqlite:///{db}"), store, "127.0.0.1:0") as web:
            assert _health(web.url) == (200, "ok")
            other = tmp_path / "other.db"
            Store(f"sqlite:///{other}").close()  # a database of its own, moved over the served one
            other.replace(db)
            code, said = _health(web.url)
            assert code == 503 and said.endswith(GONE), said
    finally:
        store.close()
