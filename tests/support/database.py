"""The databases tests and benches run on: pointing this process at one, migrating and seeding
it, copying a SQLite file, and PostgreSQL databases of a run's own (Redis's address beside them).

The fixtures that use these (`database`, `postgres_database`, `redis_url`) are in
tests/conftest.py; the browser tests' server and the benches call them directly.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.config import reset_settings_cache
from app.db import dispose_engines

POSTGRES_ADMIN_URL = os.environ.get("BEACON_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BEACON_TEST_REDIS_URL", "redis://127.0.0.1:6379")


def use_database(url: str) -> None:
    """Point this process's services at `url`."""
    os.environ["BEACON_DATABASE_URL"] = url
    reset_settings_cache()
    dispose_engines()


def prepare_database(url: str) -> None:
    from app.schema import upgrade_database
    from app.seed.demo import seed_demo_if_empty

    use_database(url)
    upgrade_database()
    seed_demo_if_empty()


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of an SQLite database (its WAL included), through SQLite's backup API."""
    import sqlite3

    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def unavailable(what: str, error: Exception):
    """Skip on a laptop without the server; under CI a missing server is a failure."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{what} is required under CI but unreachable: {error}")
    pytest.skip(f"{what} unreachable: {error}")


def create_postgres_database() -> str:
    """A new, empty PostgreSQL database of this test run's own; returns its URL."""
    import uuid

    import psycopg

    name = f"beacon_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        unavailable("PostgreSQL", error)
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    dispose_engines()
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
