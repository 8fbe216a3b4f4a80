"""Alembic environment: migrates the database named by Beacon's settings."""

from contextlib import contextmanager

from alembic import context
from sqlmodel import SQLModel

import app.models  # noqa: F401 - registers the tables on SQLModel.metadata
from app.db import get_engine

target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=str(get_engine().url), target_metadata=target_metadata, literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = context.config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    with get_engine().connect() as connection:
        _run(connection)


@contextmanager
def _sqlite_foreign_keys_off(connection):
    """SQLite: no foreign key enforcement while migrating.

    Batch mode rebuilds a table by copying it, dropping it and renaming the copy; dropping a table
    other tables reference fails while enforcement is on (SQLite's own table-rebuild procedure
    turns it off first). The pragma is a no-op inside a transaction, so it is set on the raw
    connection before Alembic begins one, and restored before the connection goes back to the
    pool. A migration that rebuilds a table runs `PRAGMA foreign_key_check` itself.
    """
    if connection.dialect.name != "sqlite" or connection.in_transaction():
        yield
        return
    raw = connection.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()
        raw.execute("PRAGMA foreign_keys=ON")


def _run(connection) -> None:
    with _sqlite_foreign_keys_off(connection):
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
