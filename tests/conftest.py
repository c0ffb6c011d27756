"""Fixtures shared by the whole suite. Keep this file small: put helpers in their own modules."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from httpserver import LocalHTTPServer  # tests/ is on sys.path (rootdir conftest, no __init__.py)


@pytest.fixture
def http_server() -> Iterator[LocalHTTPServer]:
    """A started LocalHTTPServer on 127.0.0.1 (ephemeral port), stopped after the test."""
    with LocalHTTPServer() as server:
        yield server


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The team's ../shared folder (DESIGN.md, devset, seeds), or skip when it is not there."""
    configured = os.environ.get("MONITOR_SHARED_DIR")
    path = Path(configured) if configured else Path(__file__).resolve().parents[2] / "shared"
    if not path.is_dir():
        pytest.skip(f"shared reference folder not found at {path} (set MONITOR_SHARED_DIR)")
    return path


def _fresh_postgres_database(base_url: str) -> tuple[str, object]:
    """Create an empty database on the test server; return its URL and a function that drops it."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from monitor.store import normalize_url

    url = make_url(normalize_url(base_url))
    name = f"pm_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty database on the real PostgreSQL server named by MONITOR_TEST_POSTGRES_URL."""
    base = os.environ.get("MONITOR_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("MONITOR_TEST_POSTGRES_URL is not set (.ci/run sets it when the server answers)")
    url, drop = _fresh_postgres_database(base)
    try:
        yield url
    finally:
        drop()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Run a test on a real SQLite file and on the real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/monitor.db"
    return request.getfixturevalue("postgres_url")
