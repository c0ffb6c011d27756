"""Database failures phrased for the operator: which database (password masked) and what is wrong.

A database that cannot be opened or written (a wrong URL, an unreachable server, an unsupported
scheme, a read-only file or directory, a full disk) must give one or two lines and a non-zero exit,
never a traceback. `DatabaseError` carries that text; `describe` turns SQLAlchemy, DB-API and OS
errors into it. The traceback belongs in the log at debug level only.
"""

from __future__ import annotations

import errno
import os
import re
import sqlite3

EXIT_DATABASE = 3  # the CLI's exit code when the database cannot be opened or written
DETAIL_PREFIX = "database error"  # a check whose outcome is a database failure has detail "database error: ..."

_USERINFO = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")
_SCHEMES = "sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DB"


class DatabaseError(Exception):
    """The database cannot be used; the text names it (password masked) and the cause."""


def display_url(url: str | None) -> str:
    """A database URL fit to print: 'postgresql://app:***@db:5432/monitor'. Never raises."""
    if not url:
        return "(no database URL)"
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return _USERINFO.sub(r"\1***@", url)


def is_database_error(exc: BaseException) -> bool:
    """Whether `exc` comes from the database layer (SQLAlchemy, sqlite3, psycopg)."""
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, SQLAlchemyError | sqlite3.Error | DatabaseError):
        return True
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    return isinstance(exc, psycopg.Error)


# SQLSTATE of PostgreSQL's undefined_table and undefined_column.
_SCHEMA_STATES = frozenset({"42P01", "42703"})


def is_schema_error(exc: BaseException) -> bool:
    """Whether `exc` says a table or column the code reads is missing: the database answered, but
    its schema is missing or older than the code (SQLite 'no such table: checks', 'no such column',
    PostgreSQL UndefinedTable / UndefinedColumn)."""
    orig = getattr(exc, "orig", None) or exc
    if getattr(orig, "sqlstate", None) in _SCHEMA_STATES:
        return True
    return isinstance(orig, sqlite3.OperationalError) and str(orig).startswith(("no such table", "no such column"))


def _first_lines(text: str, n: int = 2) -> str:
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip() and not ln.startswith("(Background")]
    return " ".join(lines[:n]) or "unknown error"


def describe(exc: BaseException) -> str:
    """The cause of a database failure in a line, with a hint where one helps. Shapes:
    'unsupported scheme 'foo' (use sqlite:///PATH or ...)', 'the database file or its directory is
    read-only', 'the disk is full', 'connection to server at "127.0.0.1", port 1 failed: Connection refused'."""
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    if isinstance(exc, DatabaseError):
        return str(exc)
    if type(exc).__name__ == "UnsupportedDatabase":  # monitor.store (not imported: it imports us)
        return str(exc)
    if isinstance(exc, NoSuchModuleError):
        m = re.search(r"sqlalchemy\.dialects:(\S+)", str(exc))
        scheme = m.group(1).split(".")[0] if m else "?"
        return f"unsupported scheme {scheme!r} (use {_SCHEMES})"
    if isinstance(exc, ArgumentError):
        return f"not a database URL (use {_SCHEMES})"
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            return "the disk is full"
        if exc.errno == errno.EEXIST and exc.filename and not os.path.isdir(exc.filename):
            # Path.mkdir(exist_ok=True) on a path that is a file: "File exists" misleads.
            return f"cannot create the directory {exc.filename}: it is a file, not a directory"
        if exc.filename:
            return f"cannot create or open {exc.filename}: {exc.strerror or exc}"
        return str(exc.strerror or exc)
    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = _first_lines(str(orig))
    low = text.lower()
    if "readonly database" in low or "read-only" in low:
        return f"cannot write: the database file or its directory is read-only ({text})"
    if "disk is full" in low or "no space left" in low or "could not extend file" in low:
        return f"cannot write: the disk is full ({text})"
    if "unable to open database file" in low:
        return f"cannot open the database file: its directory is missing or not writable ({text})"
    if "disk i/o error" in low:
        return f"cannot write: disk I/O error, often a full or read-only disk ({text})"
    return _USERINFO.sub(r"\1***@", text)


def database_failure(url: str | None, exc: BaseException) -> DatabaseError:
    """`DatabaseError('database sqlite:///data/m.db: cannot write: the disk is full (...)')`."""
    if isinstance(exc, DatabaseError):
        return exc
    return DatabaseError(f"database {display_url(url)}: {describe(exc)}")
