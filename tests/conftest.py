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
    from app.services.schema import upgrade_database
    from app.services.seed import seed_demo_if_empty

    use_database(url)
    upgrade_database()
    seed_demo_if_empty()


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    """A fresh SQLite database with the demo data, used by this test only."""
    previous = os.environ.get("BEACON_DATABASE_URL")
    url = f"sqlite:///{tmp_path / 'beacon.db'}"
    prepare_database(url)
    yield url
    dispose_engines()
    if previous is None:
        os.environ.pop("BEACON_DATABASE_URL", None)
    else:
        os.environ["BEACON_DATABASE_URL"] = previous
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


def run_async(coroutine):
    """Run a coroutine to completion on a fresh loop in its own thread.

    Playwright's sync API keeps an event loop running in the main thread for the whole session,
    where asyncio.run() would refuse to start.
    """
    import asyncio
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
