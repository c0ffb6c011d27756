"""Alembic environment: run from `policy-monitor db upgrade`, from the service on start, or from the
`alembic` command with `-x url=...` (see README)."""

from alembic import context
from sqlalchemy import engine_from_config, pool

from monitor.store import Base, normalize_url

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    x = context.get_x_argument(as_dictionary=True)
    return normalize_url(
        x.get("url") or config.get_main_option("sqlalchemy.url") or "sqlite:///./data/monitor.db"
    )


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = engine_from_config({"sqlalchemy.url": _url()}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table (copy, drop, rename); with foreign keys enforced, dropping
            # `versions` while checks and events point at it fails. SQLite's own advice for schema
            # changes: foreign keys off around them (the pragma only works outside a transaction).
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            # A rebuild that failed half-way left its copy behind; the next attempt must not trip on it.
            for (name,) in connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '\\_alembic\\_tmp\\_%' ESCAPE '\\'"
            ).all():
                connection.exec_driver_sql(f'DROP TABLE "{name}"')
            connection.commit()
        # Batch mode lets later migrations alter tables on SQLite, which has no ALTER COLUMN.
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
