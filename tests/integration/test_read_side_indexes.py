"""Migration 0004: the read side's composite indexes, the same in the models and the migrations,
created by `upgrade` and dropped by `downgrade`, on SQLite and on PostgreSQL."""

from __future__ import annotations

import importlib
import warnings

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import app.models  # noqa: F401 - the tables on SQLModel.metadata
from app.db import dispose_engines, get_engine
from app.schema import alembic_config, upgrade_database

INDEXES = importlib.import_module("app.migrations.versions.0004_read_side_indexes").INDEXES


def indexes_in_database() -> dict[str, tuple[str, list[str]]]:
    dispose_engines()
    inspector = sa.inspect(get_engine())
    return {ix["name"]: (table, list(ix["column_names"]))
            for table in {t for t, _ in INDEXES.values()} for ix in inspector.get_indexes(table)}


def schema_differences() -> list:
    with get_engine().connect() as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # expression indexes are not compared (a known limit)
        return compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)


def check_upgrade_and_downgrade() -> None:
    found = indexes_in_database()
    for name, spec in INDEXES.items():
        assert found.get(name) == spec, name
    assert schema_differences() == []
    command.downgrade(alembic_config(), "0003")
    assert not set(INDEXES) & set(indexes_in_database())
    upgrade_database()
    assert set(INDEXES) <= set(indexes_in_database())


def test_the_models_declare_the_migrations_indexes():
    declared = {ix.name: (table.name, [c.name for c in ix.columns])
                for table in SQLModel.metadata.tables.values() for ix in table.indexes}
    for name, spec in INDEXES.items():
        assert declared.get(name) == spec, name


def test_read_side_indexes_on_sqlite(database):
    check_upgrade_and_downgrade()


@pytest.mark.postgres
def test_read_side_indexes_on_postgres(postgres_database):
    check_upgrade_and_downgrade()
