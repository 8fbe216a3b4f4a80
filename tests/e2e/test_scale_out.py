"""The scale-out form in browsers: PostgreSQL, Redis for Reflex's state, three backend workers."""

from __future__ import annotations

import psycopg
import pytest
from playwright.sync_api import expect

from tests.support.browser import publish, sign_in
from tests.support.clean_slate import reset_system_status
from tests.support.database import (
    REDIS_URL,
    create_postgres_database,
    drop_postgres_database,
    unavailable,
    use_database,
)
from tests.support.server import start_server, stop_server

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

WORKERS = 3
MAX_PAGES_TO_FIND_ANOTHER_WORKER = 12  # with 3 workers, 12 pages all on one would be a bug in itself


@pytest.fixture(scope="module")
def scaled_server(tmp_path_factory):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        unavailable("Redis", error)
    database_url = create_postgres_database()
    process, running = start_server(
        tmp_path_factory.mktemp("beacon-scaled"),
        {"REFLEX_REDIS_URL": REDIS_URL, "GRANIAN_WORKERS": str(WORKERS)},
        database_url=database_url,
    )
    try:
        yield running
    finally:
        stop_server(process)
        drop_postgres_database(database_url)


@pytest.fixture(autouse=True)
def fresh_status(scaled_server):
    use_database(scaled_server.database_url)
    reset_system_status()


def worker_of(page) -> str:
    indicator = page.get_by_test_id("connection-status")
    expect(indicator).not_to_have_attribute("data-worker", "")
    return indicator.get_attribute("data-worker")


def test_a_change_made_through_one_worker_reaches_a_page_served_by_another(browser, scaled_server):
    admin = sign_in(browser, scaled_server, "admin@beacon.demo", "beacon-admin", "/admin")
    admin_worker = worker_of(admin)
    for _ in range(MAX_PAGES_TO_FIND_ANOTHER_WORKER):
        watcher = sign_in(browser, scaled_server, "ops@acme.demo", path="/agents")
        if worker_of(watcher) != admin_worker:
            break
        watcher.context.close()
    else:
        pytest.fail(f"every page landed on worker {admin_worker}")

    publish(admin, "Acme", "Maintenance", "Across workers", "Warning")
    expect(watcher.get_by_test_id("agents-unavailable")).to_contain_text("Across workers")
    expect(watcher.get_by_test_id("system-banner")).to_have_attribute("data-status", "maintenance")


def test_a_plain_sql_update_reaches_open_pages(browser, scaled_server):
    globex = sign_in(browser, scaled_server, "ops@globex.demo")
    with psycopg.connect(scaled_server.database_url, autocommit=True) as conn:
        client_id = conn.execute("SELECT id FROM clients WHERE name = 'Globex'").fetchone()[0]
        conn.execute("INSERT INTO agent_status (client_id, status, updated_at) VALUES (%s, 'inactive', now())",
                     (client_id,))
    expect(globex.get_by_test_id("system-banner")).to_have_attribute("data-status", "inactive")
    expect(globex.get_by_test_id("metric-available-agents")).to_have_text("0")
