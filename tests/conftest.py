"""Shared fixtures: every test that touches the database gets its own, migrated and seeded."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import reset_settings_cache
from app.db import dispose_engines

ROOT = Path(__file__).resolve().parent.parent


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


@pytest.fixture(autouse=True)
def fresh_sign_in_throttle() -> Iterator[None]:
    """Each test starts with no failed sign-ins counted in this process (its memory storage)."""
    from app.services.signin_throttle import use_throttle

    use_throttle(None)
    yield
    use_throttle(None)


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory) -> Path:
    """An SQLite file migrated to the newest revision by the real `upgrade_database`, once per
    run, with no rows: `database` copies it instead of running every migration per test."""
    from app.schema import upgrade_database

    path = tmp_path_factory.mktemp("template") / "migrated.db"
    with pytest.MonkeyPatch.context() as patch:  # the run's own database setting comes back after
        patch.setenv("BEACON_DATABASE_URL", f"sqlite:///{path}")
        reset_settings_cache()
        dispose_engines()
        upgrade_database()
        dispose_engines()
    reset_settings_cache()
    return path


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of an SQLite database (its WAL included), through SQLite's backup API."""
    import sqlite3

    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


@pytest.fixture
def database(tmp_path: Path, monkeypatch, migrated_sqlite_template: Path) -> Iterator[str]:
    """A fresh SQLite database with the demo data, used by this test only: a copy of the migrated
    template (tests of the migrations themselves run them on files of their own), seeded now,
    so the demo rows' timestamps are this test's."""
    path = tmp_path / "beacon.db"
    copy_sqlite(migrated_sqlite_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("BEACON_DATABASE_URL", url)  # restored after the test, with what it was
    from app.seed.demo import seed_demo_if_empty

    use_database(url)
    seed_demo_if_empty()
    yield url
    dispose_engines()
    monkeypatch.undo()
    reset_settings_cache()


@pytest.fixture
def admin(database):
    from app.services.auth import actor_for_email

    return actor_for_email("admin@beacon.demo")


@pytest.fixture
def client_ids(database) -> dict[str, int]:
    from sqlmodel import select

    from app.db import read_session
    from app.models import Client

    with read_session() as session:
        return {c.name: c.id for c in session.exec(select(Client))}


@pytest.fixture
def admin_token(database) -> str:
    """An API token of the platform admin's."""
    from tests.support.factory import ADMIN, api_token

    return api_token(ADMIN)


@pytest.fixture
def acme_token(database) -> str:
    """An API token of Acme's client admin's."""
    from tests.support.factory import CLIENT_ADMINS, api_token

    return api_token(CLIENT_ADMINS["Acme"])


def run_async(coroutine):
    """Run a coroutine to completion on a fresh loop in its own thread.

    Playwright's sync API keeps an event loop running in the main thread for the whole session,
    where asyncio.run() would refuse to start.
    """
    import asyncio
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


POSTGRES_ADMIN_URL = os.environ.get("BEACON_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BEACON_TEST_REDIS_URL", "redis://127.0.0.1:6379")


def _unavailable(what: str, error: Exception):
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
        _unavailable("PostgreSQL", error)
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    dispose_engines()
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_database(monkeypatch) -> Iterator[str]:
    """A fresh PostgreSQL database with the demo data, dropped afterwards."""
    url = create_postgres_database()
    monkeypatch.setenv("BEACON_DATABASE_URL", url)
    try:
        prepare_database(url)
        yield url
    finally:
        drop_postgres_database(url)
        monkeypatch.undo()
        reset_settings_cache()


@pytest.fixture
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        _unavailable("Redis", error)
    return REDIS_URL
