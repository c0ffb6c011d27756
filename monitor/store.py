"""Persistence: SQLAlchemy 2 models, the engine, and the few queries the service needs.

The schema is owned by Alembic (`migrations/`); `open_store` upgrades it to head before use. The
same code runs on SQLite (the zero-set-up default, in WAL mode) and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker
from sqlalchemy.types import TypeDecorator

from monitor.changes import DiffReport
from monitor.document import Document
from monitor.packing import pack_text, unpack, unpack_text


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Named constraints so Alembic migrations (and SQLite batch mode) can refer to them.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Watch(Base):
    __tablename__ = "watches"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    url: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Scheduling state lives here so a restart neither re-checks everything nor skips anything.
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The schedule ("6h", a cron expression) next_due_at was computed from, as the config said at
    # the last sync: a config edited while no daemon ran is told apart from the stored due time.
    schedule: Mapped[str | None] = mapped_column(Text)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    # Health, for operational alerts: "new", "ok", "failing", "suspect".
    status: Mapped[str] = mapped_column(String(16), default="new")
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    # Conditional GET validators from the last successful fetch.
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("versions.id", use_alter=True, ondelete="SET NULL")
    )

    current_version: Mapped[Version | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )


class RawBody(Base):
    """A fetched body as it came, kept for the last N versions so they can be re-extracted."""

    __tablename__ = "raw_bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"), index=True)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    url: Mapped[str] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(String(80))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    body_z: Mapped[bytes] = mapped_column(LargeBinary)

    @property
    def body(self) -> bytes:
        return unpack(self.body_z)


class Version(Base):
    """A distinct extracted document of a watch (deduplicated by content hash)."""

    __tablename__ = "versions"
    __table_args__ = (
        UniqueConstraint("watch_id", "seq"),
        Index("ix_versions_watch_hash", "watch_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, 3... within the watch: what users type
    content_hash: Mapped[str] = mapped_column(String(64))
    markdown_z: Mapped[bytes] = mapped_column(LargeBinary)
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    # ISO 639-1 code of the text ("en", "ja", "zh-Hant"); None when unclear or stored before 0002.
    language: Mapped[str | None] = mapped_column(String(16))
    extractor_version: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    raw_body_id: Mapped[int | None] = mapped_column(ForeignKey("raw_bodies.id", ondelete="SET NULL"))
    # Set when this version was re-derived from a raw body by a newer extractor: an upgrade, not a change.
    upgrade_of_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id", ondelete="SET NULL"))

    @property
    def markdown(self) -> str:
        return unpack_text(self.markdown_z)

    def document(self) -> Document:
        return Document.from_markdown(self.markdown)

    @staticmethod
    def pack(markdown: str) -> bytes:
        return pack_text(markdown)


class Event(Base):
    """A change between two versions of a watch, with the diff engine's report."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"), index=True)
    from_version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"))
    to_version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    substantive: Mapped[bool] = mapped_column(Boolean)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    severity: Mapped[str | None] = mapped_column(String(10))
    report_json: Mapped[dict[str, Any]] = mapped_column(JSON)

    from_version: Mapped[Version] = relationship(foreign_keys=[from_version_id])
    to_version: Mapped[Version] = relationship(foreign_keys=[to_version_id])
    watch: Mapped[Watch] = relationship()

    @property
    def report(self) -> DiffReport:
        return DiffReport.from_dict(self.report_json)


class Check(Base):
    """Every attempt to check a watch, whatever came of it."""

    __tablename__ = "checks"
    __table_args__ = (
        Index("ix_checks_watch_started", "watch_id", "started_at"),
        # Whether a version was once a suspect capture, and why (monitor.recording.was_suspect,
        # monitor.returns), is looked up by hash on the changed path.
        Index("ix_checks_watch_capture", "watch_id", "capture_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)  # the whole check
    # The fetch alone (request, retries, body), for the fetch latency histogram; None: no fetch.
    fetch_ms: Mapped[int | None] = mapped_column(Integer)
    # first | unchanged | changed | flap | suspect | error | upgrade
    outcome: Mapped[str] = mapped_column(String(16))
    http_status: Mapped[int | None] = mapped_column(Integer)
    not_modified: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id", ondelete="SET NULL"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    # A suspect capture that extracted to a document keeps it, so that identical captures can be
    # counted (a page that shrank for good is accepted after a few) and an operator can accept it.
    capture_hash: Mapped[str | None] = mapped_column(String(64))
    capture_z: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Whether the capture was suspect only against the last version (it may be accepted by repetition).
    capture_relative: Mapped[bool | None] = mapped_column(Boolean)

    @property
    def capture_markdown(self) -> str | None:
        return unpack_text(self.capture_z) if self.capture_z is not None else None


class Notification(Base):
    """The outbox: one row per (event, target), written in the event's transaction."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("event_id", "target", name="uq_notifications_event_target"),
        Index("ix_notifications_status_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    watch_id: Mapped[int | None] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16), default="change")  # change | ops | digest
    # pending -> sent, or pending -> failed after max attempts (kept, visible, flushable)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # ops alerts: what happened
    # A claim so that two senders (a daemon and `notify flush`) never send the same row twice.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(80))

    event: Mapped[Event | None] = relationship()


# -- engine and sessions ------------------------------------------------------------------------


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the CLI read while the daemon writes; busy_timeout rides out short write locks.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain postgres URLs and create the directory of a SQLite file."""
    u = make_url(url)
    if u.drivername in ("postgres", "postgresql"):
        u = u.set(drivername="postgresql+psycopg")
    if u.drivername.startswith("sqlite") and u.database and u.database != ":memory:":
        Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    return u.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    """The engine for a URL. SQL parameters are never put into error messages or logs
    (`hide_parameters`): a failed bulk statement must not log its 10,000 rows, nor a body."""
    url = normalize_url(url)
    _check_supported(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # A server that does not answer at all (a dropped route, a firewall) fails in 10 s, not after
    # the kernel's minutes of SYN retries.
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args={"connect_timeout": 10})


class UnsupportedDatabase(ValueError):
    """A URL this service cannot keep its history in (another database, a driver it does not ship,
    a database with no name, an in-memory one)."""


def _check_supported(url: str) -> None:
    """Raises UnsupportedDatabase with the reason; SQLite files and PostgreSQL through psycopg only."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    backend, driver = u.get_backend_name(), u.get_driver_name()
    if backend == "sqlite":
        if not u.database or u.database == ":memory:":
            raise UnsupportedDatabase("an in-memory SQLite database keeps nothing: give a file, sqlite:///PATH")
        return
    if backend != "postgresql":
        raise UnsupportedDatabase(f"unsupported scheme {u.drivername!r} (use sqlite:///PATH or postgresql://...)")
    if driver not in ("psycopg", "psycopg2") or (driver == "psycopg2" and "+" in u.drivername):
        raise UnsupportedDatabase(f"unsupported driver {u.drivername!r} (use postgresql:// or postgresql+psycopg://)")
    if not u.database:
        raise UnsupportedDatabase("name the database: postgresql://USER@HOST:PORT/DATABASE")


def _refuse_a_directory(url: str) -> None:
    """Raises DatabaseError when `url` is a SQLite path that names a directory (one that exists, or
    any path ending in '/'), saying so and giving a file in it to use instead. SQLite itself only
    says "unable to open database file", which read as a missing or read-only directory."""
    from monitor.dberrors import DatabaseError, display_url

    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return
    if u.database.endswith("/") or Path(u.database).expanduser().is_dir():
        instead = u.set(database=str(Path(u.database) / "monitor.db"))
        raise DatabaseError(
            f"database {display_url(url)}: {u.database} is a directory, not a database file "
            f"(give a file in it, e.g. {display_url(instead.render_as_string(hide_password=False))})"
        )


def _refuse_another_applications_file(engine: Engine) -> None:
    """Raises DatabaseError when `engine` is a SQLite file that holds another application's tables
    and no schema of ours: the migrations would add this service's tables to it (a fresh user
    pointed `serve` at a file of their own, and it gained eight tables). A file with only tables of
    ours (a first migration cut short) is ours. A PostgreSQL database is often shared by several
    applications, each with its tables: there they are left alone."""
    from sqlalchemy import inspect

    from monitor.dberrors import DatabaseError, display_url

    if engine.dialect.name != "sqlite":
        return
    url = engine.url.render_as_string(hide_password=False)
    tables = set(inspect(engine).get_table_names())
    if not tables or "alembic_version" in tables or tables <= set(Base.metadata.tables):
        return
    theirs = ", ".join(sorted(tables - set(Base.metadata.tables))[:5])
    raise DatabaseError(
        f"database {display_url(url)}: the file holds another application's tables ({theirs}) and no "
        "policy-monitor schema; give [database] url a new file (it is created) or this tool's own database"
    )


def _require_sqlite_file(url: str) -> None:
    """Raises DatabaseError when `url` is a SQLite file that does not exist (naming its full path)."""
    from monitor.dberrors import DatabaseError, display_url

    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return
    path = Path(u.database).expanduser()
    if path.exists():
        return
    in_the_way = next((p for p in path.absolute().parents if p.exists() and not p.is_dir()), None)
    if in_the_way is not None:
        raise DatabaseError(f"database {display_url(url)}: {in_the_way} is a file, not a directory")
    raise DatabaseError(
        f"database {display_url(url)}: no database file at {path.resolve()} (`policy-monitor check` or "
        "`db upgrade` creates one; or name another with --database or [database] url)"
    )


class Store:
    """The engine plus a session factory; `with store.session() as s:` commits on success."""

    def __init__(self, url: str, *, migrate: bool = True, create: bool = True) -> None:
        """Raises `monitor.dberrors.DatabaseError` (naming the database, password masked, and the
        cause) when the URL is unusable or, with `migrate`, the database cannot be opened or written.
        Without `create` (read-only commands) a SQLite file that does not exist is such an error too,
        and neither it nor its directory is made: `list` in the wrong directory must not leave an
        empty database behind."""
        from sqlalchemy.exc import SQLAlchemyError

        from monitor.dberrors import database_failure

        try:
            _refuse_a_directory(url)
            if not create:
                _require_sqlite_file(url)
            self.url = normalize_url(url)
            self.engine = make_engine(self.url)
            self._sessions = sessionmaker(self.engine, expire_on_commit=False)
            u = make_url(self.url)
            sqlite = u.get_backend_name() == "sqlite" and bool(u.database) and u.database != ":memory:"
            self.sqlite_path: Path | None = Path(u.database).expanduser().absolute() if sqlite else None
            self._opened: tuple[int, int] | None = None  # (st_dev, st_ino) of the file first opened
            if sqlite:
                event.listen(self.engine, "connect", self._note_opened_file)
            if migrate:
                upgrade(self.engine)
        except (SQLAlchemyError, OSError, UnsupportedDatabase) as exc:
            raise database_failure(url, exc) from exc

    def _note_opened_file(self, _dbapi_conn: Any, _record: Any) -> None:
        """On the first connection: which file that is, for `file_gone`. Later connections are
        not noted: one made after the file was deleted opens a new, different file."""
        if self._opened is None and self.sqlite_path is not None:
            try:
                st = self.sqlite_path.stat()
            except OSError:
                return
            self._opened = (st.st_dev, st.st_ino)

    def file_gone(self) -> bool:
        """True when the SQLite file first opened is no longer at its path (deleted, or another
        file moved there): an open connection keeps reading the old file, so queries still
        answer, with data nobody writes any more. One stat; always False for PostgreSQL, and
        before the first connection."""
        if self.sqlite_path is None or self._opened is None:
            return False
        try:
            st = self.sqlite_path.stat()
        except OSError:
            return True
        return (st.st_dev, st.st_ino) != self._opened

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as s, s.begin():
            yield s

    def close(self) -> None:
        self.engine.dispose()

    # -- queries ----------------------------------------------------------------------------------
    @staticmethod
    def watch_by_name(s: Session, name: str) -> Watch | None:
        return s.scalars(select(Watch).where(Watch.name == name)).first()

    @staticmethod
    def versions_of(s: Session, watch_id: int) -> list[Version]:
        return list(s.scalars(select(Version).where(Version.watch_id == watch_id).order_by(Version.seq)))

    @staticmethod
    def version_by_seq(s: Session, watch_id: int, seq: int) -> Version | None:
        """The version numbered `seq`, or None; a number no database column can hold is None too."""
        if not 0 <= seq <= MAX_SEQ:
            return None
        return s.scalars(select(Version).where(Version.watch_id == watch_id, Version.seq == seq)).first()


MAX_SEQ = 2**63 - 1  # the largest INTEGER SQLite stores (and PostgreSQL BIGINT): larger numbers overflow


# -- migrations ---------------------------------------------------------------------------------


def migrations_dir() -> Path:
    import monitor.migrations

    return Path(monitor.migrations.__file__).resolve().parent


def alembic_config(engine_or_url: Engine | str) -> Any:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(migrations_dir()))
    if isinstance(engine_or_url, Engine):
        cfg.attributes["engine"] = engine_or_url
        cfg.set_main_option(
            "sqlalchemy.url", engine_or_url.url.render_as_string(hide_password=False).replace("%", "%%")
        )
    else:
        cfg.set_main_option("sqlalchemy.url", normalize_url(engine_or_url).replace("%", "%%"))
    return cfg


# Any fixed number: the PostgreSQL advisory lock that serialises schema upgrades of one database.
_MIGRATION_LOCK = 0x706D6D67  # "pmmg"


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate to `revision`. Raises DatabaseError for a SQLite file of another application (see
    `_refuse_another_applications_file`). On PostgreSQL, processes starting at the same moment (several
    `run` workers) take turns under an advisory lock: the first migrates, the others find it done."""
    from alembic import command

    _refuse_another_applications_file(engine)
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), revision)
        return
    with engine.connect() as lock:
        lock.exec_driver_sql(f"SELECT pg_advisory_lock({_MIGRATION_LOCK})")
        try:
            command.upgrade(alembic_config(engine), revision)
        finally:
            lock.exec_driver_sql(f"SELECT pg_advisory_unlock({_MIGRATION_LOCK})")
            lock.commit()


def downgrade(engine: Engine, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)
