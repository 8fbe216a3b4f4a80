"""Shared fixtures: every test that touches the database gets its own, migrated and seeded.

Fixtures and hooks only; the helpers they use are in tests/support/ (database.py and the rest)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import reset_settings_cache
from app.db import dispose_engines
from tests.support.database import (
    REDIS_URL,
    copy_sqlite,
    create_postgres_database,
    drop_postgres_database,
    prepare_database,
    unavailable,
    use_database,
)


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
        unavailable("Redis", error)
    return REDIS_URL
