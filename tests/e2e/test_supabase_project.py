"""Beacon on a database prepared like a Supabase project's, in a browser: the platform's Python
back-end publishes through supabase-py (`functions.invoke("set-system-status")`) with a Supabase
Auth user's access token, and a plain-SQL write by service_role (the platform's back-end writers,
which bypass RLS) reaches open pages live through the change-log triggers."""

from __future__ import annotations

import psycopg
import pytest
from playwright.sync_api import expect
from supabase import create_client
from supabase_functions.errors import FunctionsHttpError

from tests.support.browser import sign_in
from tests.support.clean_slate import reset_system_status
from tests.support.database import drop_postgres_database, use_database
from tests.support.server import start_server, stop_server
from tests.support.supabase import (
    ISSUER,
    JWT_SECRET,
    access_token,
    add_auth_user,
    claims_of,
    create_supabase_database,
)

pytestmark = pytest.mark.postgres

@pytest.fixture(scope="module")
def project(tmp_path_factory):
    import jwt

    database_url = create_supabase_database()
    process, running = start_server(tmp_path_factory.mktemp("beacon-supabase"),
                                    {"BEACON_SUPABASE_JWT_SECRET": JWT_SECRET, "BEACON_SUPABASE_ISSUER": ISSUER},
                                    database_url=database_url,
                                    prepare=False)
    try:
        people = {}
        for email in ("admin@beacon.demo", "ops@acme.demo"):
            people[email] = add_auth_user(database_url, email)
            linked = running.beacon("user", "link", "--email", email, "--auth-user-id", str(people[email]))
            assert linked.returncode == 0, linked.stderr
        anon_key = jwt.encode(claims_of(None), JWT_SECRET, algorithm="HS256")
        yield running, people, anon_key
    finally:
        stop_server(process)
        drop_postgres_database(database_url)


@pytest.fixture(autouse=True)
def fresh_status(project):
    use_database(project[0].database_url)
    reset_system_status()


def set_system_status(server, anon_key: str, token: str, body: dict) -> dict:
    """What the platform's back-end does: supabase-py, the project's URL and anon key, and the
    signed-in user's access token."""
    supabase = create_client(server.url, anon_key)
    supabase.functions.set_auth(token)
    return supabase.functions.invoke("set-system-status", {"body": body, "responseType": "json"})


def test_a_platform_admins_token_publishes_through_supabase_py_and_an_open_page_turns_amber(browser, project):
    server, people, anon_key = project
    acme = sign_in(browser, server, "sam@acme.demo")
    globex = sign_in(browser, server, "lee@globex.demo")
    with psycopg.connect(server.database_url) as conn:
        acme_id = conn.execute("SELECT id FROM clients WHERE name = 'Acme'").fetchone()[0]

    answer = set_system_status(server, anon_key, access_token(people["admin@beacon.demo"]),
                               {"client_id": acme_id, "status": "maintenance", "message": "Upgrading the relay",
                                "type": "warning", "expires_at": None})

    assert answer["published"]["status"] == "maintenance"
    expect(acme.get_by_test_id("system-banner")).to_have_attribute("data-status", "maintenance")
    expect(acme.get_by_test_id("system-banner")).to_contain_text("Upgrading the relay")
    expect(acme.get_by_test_id("metric-available-agents")).to_have_text("0")
    expect(globex.locator("[data-testid=system-banner][data-status=maintenance]")).to_have_count(0)


def test_a_client_admins_token_is_refused_with_403(project):
    server, people, anon_key = project
    with pytest.raises(FunctionsHttpError) as refused:
        set_system_status(server, anon_key, access_token(people["ops@acme.demo"]), {"status": "inactive"})
    assert refused.value.status == 403


@pytest.mark.parametrize("token_of", ["another project", "expired", "the anon key itself"])
def test_a_token_beacon_cannot_trust_is_refused_with_401(project, token_of):
    server, people, anon_key = project
    admin = people["admin@beacon.demo"]
    token = {
        "another project": access_token(admin, secret="another-projects-jwt-secret-of-the-same-length!"),
        "expired": access_token(admin, expires_in=-3600),
        "the anon key itself": anon_key,
    }[token_of]
    with pytest.raises(FunctionsHttpError) as refused:
        set_system_status(server, anon_key, token, {"status": "inactive"})
    assert refused.value.status == 401


def test_a_plain_sql_write_by_service_role_reaches_an_open_page_live(browser, project):
    server, _people, _anon_key = project
    globex = sign_in(browser, server, "lee@globex.demo")
    with psycopg.connect(server.database_url) as conn:
        conn.execute("SET LOCAL ROLE service_role")
        client_id = conn.execute("SELECT id FROM clients WHERE name = 'Globex'").fetchone()[0]
        conn.execute("INSERT INTO agent_status (client_id, status, updated_at) VALUES (%s, 'inactive', now())",
                     (client_id,))
        conn.execute("INSERT INTO system_messages (client_id, type, message, is_active, created_at, updated_at) "
                     "VALUES (%s, 'error', 'Carrier outage', true, now(), now())", (client_id,))
    expect(globex.get_by_test_id("system-banner")).to_have_attribute("data-status", "inactive")
    expect(globex.get_by_test_id("system-banner")).to_contain_text("Carrier outage")
