"""On a database prepared like a Supabase project's, Beacon's tables through Supabase's API roles,
switching roles per request the way PostgREST does: anon reads and writes nothing; a linked user
reads their own client's rows; nobody reads the secrets or writes anything; the live tables are in
the realtime publication; a downgrade removes it all. On plain PostgreSQL none of it runs."""

from __future__ import annotations

import importlib
import uuid

import psycopg
import pytest
from alembic import command
from click.testing import CliRunner
from psycopg import errors as pg_errors
from sqlmodel import SQLModel

import app.models  # noqa: F401 - the tables on SQLModel.metadata
from app.cli import main
from app.config import reset_settings_cache
from app.schema import alembic_config, upgrade_database
from app.supabase import rls
from tests.support.database import drop_postgres_database, use_database
from tests.support.supabase import (
    add_auth_user,
    as_api_role,
    claims_of,
    create_restored_supabase_database,
    create_supabase_database,
)

pytestmark = pytest.mark.postgres

EVERY_BEACON_TABLE = sorted(set(SQLModel.metadata.tables) | {"alembic_version"})
# Migration 0008's tables hold rows of one client or of all, like agent_status.
LATER_SHARED_TABLES = ("maintenance_windows", "status_intervals")
TENANT_TABLES = rls.CLIENT_TABLES + rls.SHARED_TABLES + LATER_SHARED_TABLES
PUBLISHED_TABLES = set(rls.LIVE_TABLES) | {"maintenance_windows"}

# Rows in every tenant table for both demo clients, and the global status and message rows.
TEST_ROWS_SQL = """
INSERT INTO agent_status (client_id, status, updated_at)
    VALUES (NULL, 'active', now()), (%(acme)s, 'maintenance', now()), (%(globex)s, 'inactive', now());
INSERT INTO system_messages (client_id, type, message, is_active, created_at, updated_at)
    VALUES (NULL, 'info', 'For all', true, now(), now()), (%(acme)s, 'warning', 'For Acme', true, now(), now()),
           (%(globex)s, 'error', 'For Globex', true, now(), now());
INSERT INTO system_messages (client_id, type, message, is_active, created_at, updated_at)
    VALUES (%(acme)s, 'warning', 'Withdrawn for Acme', false, now(), now()),
           (NULL, 'info', 'Withdrawn for all', false, now(), now());
INSERT INTO system_messages (client_id, type, message, is_active, expires_at, created_at, updated_at)
    VALUES (%(acme)s, 'info', 'Expired for Acme', true, now() - interval '1 hour', now(), now());
UPDATE chats SET human_agent_id = (SELECT h.id FROM human_agents h JOIN users u ON u.id = h.user_id
    WHERE u.email = 'kim@acme.demo') WHERE id = (SELECT min(id) FROM chats WHERE client_id = %(acme)s);
INSERT INTO agent_tasks (client_id, ai_agent_id, contact_id, kind, status, instructions, attempts, created_at,
                         updated_at)
    SELECT c.client_id, a.id, c.id, 'outreach', 'completed', '', 1, now(), now()
    FROM contacts c JOIN ai_agents a ON a.client_id = c.client_id;
INSERT INTO drafts (client_id, task_id, contact_id, subject, body, status, created_at)
    SELECT client_id, id, contact_id, 'Hello', 'Body', 'pending', now() FROM agent_tasks;
INSERT INTO follow_ups (client_id, contact_id, scheduled_for, status, note, created_at)
    SELECT client_id, id, now() + interval '1 day', 'scheduled', '', now() FROM contacts;
INSERT INTO maintenance_windows (client_id, starts_at, ends_at, message, state, created_at, updated_at)
    VALUES (NULL, now() + interval '1 day', now() + interval '25 hours', 'All', 'scheduled', now(), now()),
           (%(acme)s, now() + interval '2 days', now() + interval '49 hours', 'Acme', 'scheduled', now(), now()),
           (%(globex)s, now() + interval '3 days', now() + interval '73 hours', 'Globex', 'scheduled', now(), now());
INSERT INTO status_intervals (client_id, status, started_at, ended_at)
    VALUES (NULL, 'maintenance', now() - interval '2 hours', now() - interval '1 hour'),
           (%(acme)s, 'inactive', now() - interval '3 hours', now() - interval '2 hours'),
           (%(globex)s, 'maintenance', now() - interval '4 hours', NULL);
"""


def owner_count(url: str, table: str, where: str = "true") -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]


def seen_by(url: str, role: str, claims: dict | None, table: str, where: str = "true") -> int:
    with as_api_role(url, role, claims) as conn:
        return conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]


def refused(url: str, role: str, claims: dict | None, statement: str) -> bool:
    """True when the statement fails for want of a privilege or a policy (what PostgREST then
    answers 401/403), or changes no row."""
    with as_api_role(url, role, claims) as conn:
        try:
            cursor = conn.execute(statement)
        except (pg_errors.InsufficientPrivilege, pg_errors.CheckViolation):
            return True
        return cursor.rowcount in (0, -1) and not statement.lstrip().upper().startswith("TRUNCATE")


@pytest.fixture(scope="module")
def project() -> dict:
    """A Supabase-like database, migrated and seeded, with rows in every tenant table and four
    Supabase Auth users: linked to Acme's client admin, to the platform admin, to Acme's support
    staff kim (assigned one of Acme's chats), and one linked to nobody."""
    url = create_supabase_database()
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            ids = dict(conn.execute("SELECT name, id FROM clients").fetchall())
            for statement in filter(str.strip, TEST_ROWS_SQL.split(";")):
                conn.execute(statement, {"acme": ids["Acme"], "globex": ids["Globex"]})
        people = {}
        for email in ("ops@acme.demo", "admin@beacon.demo", "kim@acme.demo", "stranger@example.com"):
            people[email] = add_auth_user(url, email)
        for email in ("ops@acme.demo", "admin@beacon.demo", "kim@acme.demo"):
            result = CliRunner().invoke(main, ["user", "link", "--email", email,
                                               "--auth-user-id", str(people[email])])
            assert result.exit_code == 0, result.output
        yield {"url": url, "clients": ids, "people": people}
    finally:
        drop_postgres_database(url)
        reset_settings_cache()


def test_rls_is_on_for_every_beacon_table(project):
    with psycopg.connect(project["url"]) as conn:
        protected = dict(conn.execute(
            "SELECT relname, relrowsecurity FROM pg_class WHERE relnamespace = 'public'::regnamespace "
            "AND relkind = 'r'").fetchall())
    assert {table: protected.get(table) for table in EVERY_BEACON_TABLE} == dict.fromkeys(EVERY_BEACON_TABLE, True)


@pytest.mark.parametrize("table", EVERY_BEACON_TABLE)
def test_anon_reads_no_row(project, table):
    with pytest.raises(pg_errors.InsufficientPrivilege):
        seen_by(project["url"], "anon", claims_of(None), table)


LIVE = "is_active AND (expires_at IS NULL OR expires_at > now())"


@pytest.mark.parametrize("table", [table for table in TENANT_TABLES if table != "status_intervals"])
def test_an_acme_client_admin_reads_exactly_acmes_rows(project, table):
    url, acme, globex = project["url"], project["clients"]["Acme"], project["clients"]["Globex"]
    claims = claims_of(project["people"]["ops@acme.demo"])
    shared = table in rls.SHARED_TABLES + LATER_SHARED_TABLES
    own = f"client_id = {acme}" + (" OR client_id IS NULL" if shared else "")
    if table == "system_messages":
        own = f"({own}) AND {LIVE}"  # withdrawn and expired messages: platform admins only
    assert owner_count(url, table, f"client_id = {acme}") > 0
    assert seen_by(url, "authenticated", claims, table) == owner_count(url, table, own)
    assert seen_by(url, "authenticated", claims, table, f"client_id = {globex}") == 0


def test_support_staff_read_only_the_chats_assigned_to_them(project):
    """kim, Acme's support staff, queries /rest/v1/chats with her own access token."""
    url, acme = project["url"], project["clients"]["Acme"]
    kim = claims_of(project["people"]["kim@acme.demo"])
    with as_api_role(url, "authenticated", kim) as conn:
        seen = conn.execute("SELECT c.id FROM chats c ORDER BY 1").fetchall()
    with psycopg.connect(url) as conn:
        assigned = conn.execute(
            "SELECT c.id FROM chats c JOIN human_agents h ON h.id = c.human_agent_id JOIN users u ON u.id = h.user_id "
            "WHERE u.email = 'kim@acme.demo' ORDER BY 1").fetchall()
    assert assigned and seen == assigned
    assert owner_count(url, "chats", f"client_id = {acme}") > len(assigned)
    assert seen_by(url, "authenticated", claims_of(project["people"]["ops@acme.demo"]), "chats") == \
        owner_count(url, "chats", f"client_id = {acme}")


def test_support_staff_read_live_messages_only(project):
    url, acme = project["url"], project["clients"]["Acme"]
    kim = claims_of(project["people"]["kim@acme.demo"])
    assert owner_count(url, "system_messages", f"(client_id = {acme} OR client_id IS NULL) AND NOT ({LIVE})") > 0
    assert seen_by(url, "authenticated", kim, "system_messages", f"NOT ({LIVE})") == 0
    assert seen_by(url, "authenticated", kim, "system_messages") == \
        owner_count(url, "system_messages", f"(client_id = {acme} OR client_id IS NULL) AND {LIVE}")


@pytest.mark.parametrize("who", ["ops@acme.demo", "kim@acme.demo"])
def test_only_platform_admins_read_the_uptime_history(project, who):
    url = project["url"]
    assert owner_count(url, "status_intervals") > 0
    assert seen_by(url, "authenticated", claims_of(project["people"][who]), "status_intervals") == 0


def test_a_client_admin_reads_their_own_client_row_only(project):
    claims = claims_of(project["people"]["ops@acme.demo"])
    with as_api_role(project["url"], "authenticated", claims) as conn:
        assert conn.execute("SELECT name FROM clients").fetchall() == [("Acme",)]


@pytest.mark.parametrize("table", TENANT_TABLES + (rls.CLIENTS_TABLE,))
def test_a_platform_admin_reads_every_clients_rows(project, table):
    claims = claims_of(project["people"]["admin@beacon.demo"])
    assert seen_by(project["url"], "authenticated", claims, table) == owner_count(project["url"], table)


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_a_supabase_user_linked_to_nobody_reads_nothing(project, table):
    claims = claims_of(project["people"]["stranger@example.com"])
    assert seen_by(project["url"], "authenticated", claims, table) == 0


@pytest.mark.parametrize("table", rls.PRIVATE_TABLES)
@pytest.mark.parametrize("who", ["ops@acme.demo", "admin@beacon.demo"])
def test_no_api_role_reads_secrets_or_plumbing(project, table, who):
    with pytest.raises(pg_errors.InsufficientPrivilege):
        seen_by(project["url"], "authenticated", claims_of(project["people"][who]), table)


@pytest.mark.parametrize("table", EVERY_BEACON_TABLE)
def test_no_api_role_writes_any_table(project, table):
    url = project["url"]
    before = owner_count(url, table)
    platform_admin = claims_of(project["people"]["admin@beacon.demo"])
    for role, claims in (("anon", claims_of(None)), ("authenticated", platform_admin)):
        for statement in (f"DELETE FROM {table}", f"UPDATE {table} SET {_any_column(table)} = {_any_column(table)}",
                          f"INSERT INTO {table} DEFAULT VALUES", f"TRUNCATE {table} CASCADE"):
            assert refused(url, role, claims, statement), (role, statement)
    assert owner_count(url, table) == before


def _any_column(table: str) -> str:
    if table == "alembic_version":
        return "version_num"
    return next(iter(SQLModel.metadata.tables[table].columns)).name


def test_the_realtime_publication_lists_the_live_tables(project):
    with psycopg.connect(project["url"]) as conn:
        listed = {row[0] for row in conn.execute(
            "SELECT tablename FROM pg_publication_tables WHERE pubname = 'supabase_realtime'")}
    assert listed == PUBLISHED_TABLES


def test_the_policy_helpers_are_security_definer_with_a_fixed_search_path(project):
    with psycopg.connect(project["url"]) as conn:
        helpers = conn.execute(
            "SELECT proname, prosecdef, proconfig FROM pg_proc WHERE pronamespace = 'beacon_rls'::regnamespace "
            "ORDER BY proname").fetchall()
        callable_by_anon = conn.execute(
            "SELECT bool_or(has_function_privilege('anon', oid, 'EXECUTE')) FROM pg_proc "
            "WHERE pronamespace = 'beacon_rls'::regnamespace").fetchone()[0]
    assert [name for name, _, _ in helpers] == ["caller_client_id", "caller_human_agent_id",
                                                 "caller_is_platform_admin", "caller_role"]
    assert all(definer and config == ['search_path=""'] for _, definer, config in helpers)
    assert callable_by_anon is False


def test_a_deleted_supabase_user_signs_in_as_nobody(project):
    url = project["url"]
    use_database(project["url"])
    ghost = add_auth_user(url, "leaving@acme.demo")
    linked = CliRunner().invoke(main, ["user", "link", "--email", "sam@acme.demo", "--auth-user-id", str(ghost)])
    assert linked.exit_code == 0
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM auth.users WHERE id = %s", (ghost,))
        assert conn.execute("SELECT auth_user_id FROM users WHERE email = 'sam@acme.demo'").fetchone() == (None,)


def test_linking_to_an_id_supabase_auth_does_not_know_is_refused_in_one_line(project):
    use_database(project["url"])
    result = CliRunner().invoke(main, ["user", "link", "--email", "sam@acme.demo", "--auth-user-id", str(uuid.uuid4())])
    assert result.exit_code == 1
    assert result.stderr.startswith("beacon: auth_user_id: No Supabase Auth user has the id ")
    assert result.stderr.count("\n") == 1


def test_one_supabase_user_links_to_one_beacon_user(project):
    use_database(project["url"])
    taken = project["people"]["ops@acme.demo"]
    result = CliRunner().invoke(main, ["user", "link", "--email", "kim@acme.demo", "--auth-user-id", str(taken)])
    assert result.exit_code == 1
    assert "is linked to ops@acme.demo already" in result.stderr


def database_protection(url: str) -> dict:
    """What the Supabase part of migration 0007 touches, as the catalog says."""
    with psycopg.connect(url) as conn:
        return {
            "rls": conn.execute("SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                                "AND relrowsecurity ORDER BY 1").fetchall(),
            "policies": conn.execute("SELECT tablename, policyname FROM pg_policies ORDER BY 1, 2").fetchall(),
            "grants": conn.execute(
                "SELECT table_name, grantee, privilege_type FROM information_schema.role_table_grants "
                "WHERE table_schema = 'public' AND grantee IN ('anon', 'authenticated', 'service_role') "
                "ORDER BY 1, 2, 3").fetchall(),
            "publication": conn.execute("SELECT tablename FROM pg_publication_tables ORDER BY 1").fetchall(),
            "schemas": conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'beacon%' "
                                    "ORDER BY 1").fetchall(),
            "users": conn.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
                                  "AND table_name = 'users' "
                                  "ORDER BY 1").fetchall(),
        }


def test_a_downgrade_removes_it_cleanly_and_an_upgrade_puts_it_back():
    url = create_supabase_database()
    try:
        command.downgrade(alembic_config(), "0006")
        before = database_protection(url)
        assert before["policies"] == [] and before["publication"] == [] and before["schemas"] == []
        # Shut, not re-opened: RLS stays on without a policy, and the API roles hold nothing.
        assert before["rls"] and {grantee for _, grantee, _ in before["grants"]} <= {"service_role"}
        upgrade_database()
        protected = database_protection(url)
        assert protected["rls"] and protected["policies"]
        command.downgrade(alembic_config(), "0006")
        assert database_protection(url) == before
        upgrade_database()
        assert database_protection(url) == protected
    finally:
        drop_postgres_database(url)
        reset_settings_cache()


def test_after_a_downgrade_the_anon_key_still_reads_no_secret():
    """The attacker holds the project's public anon key and waits for a rollback below 0007."""
    url = create_supabase_database()
    try:
        command.downgrade(alembic_config(), "0006")
        for table in ("users", "auth_sessions", "api_tokens", "contacts", "chats"):
            for role in ("anon", "authenticated"):
                with pytest.raises(pg_errors.InsufficientPrivilege):
                    seen_by(url, role, claims_of(None), table)
                assert refused(url, role, claims_of(None), f"TRUNCATE {table} CASCADE")
        with pytest.raises(pg_errors.InsufficientPrivilege):
            seen_by(url, "anon", claims_of(None), "users_id_seq")
    finally:
        drop_postgres_database(url)
        reset_settings_cache()


@pytest.mark.parametrize("table", EVERY_BEACON_TABLE)
def test_no_api_role_touches_a_beacon_sequence(project, table):
    """setval() on users_id_seq by the anon key would make every later insert collide."""
    with psycopg.connect(project["url"]) as conn:
        sequences = [row[0] for row in conn.execute(
            "SELECT s.relname FROM pg_class s JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i') "
            "JOIN pg_class t ON t.oid = d.refobjid WHERE s.relkind = 'S' AND t.relname = %s", (table,))]
    assert sequences or table == "alembic_version"
    for sequence in sequences:
        for role, claims in (("anon", claims_of(None)),
                             ("authenticated", claims_of(project["people"]["admin@beacon.demo"]))):
            for statement in (f"SELECT setval('public.{sequence}', 1)", f"SELECT nextval('public.{sequence}')",
                              f"SELECT last_value FROM public.{sequence}"):
                with pytest.raises(pg_errors.InsufficientPrivilege), as_api_role(project["url"], role, claims) as conn:
                    conn.execute(statement)


def test_a_migrated_supabase_database_has_no_protection_problem(project):
    engine = _engine(project["url"])
    with engine.connect() as connection:
        assert rls.protection_problems(connection) == []
    engine.dispose()


def _engine(url: str):
    import sqlalchemy as sa

    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def test_beacon_db_protect_shuts_a_restored_database_as_the_migrations_would(project):
    """A Beacon migrated on plain PostgreSQL and restored into a Supabase project: anon reads
    the password hashes until `beacon db protect`, which leaves it as the migrations leave one."""
    url = create_restored_supabase_database()
    try:
        assert seen_by(url, "anon", claims_of(None), "users") > 0  # the attack: /rest/v1/users with the anon key
        engine = _engine(url)
        with engine.connect() as connection:
            problems = rls.protection_problems(connection)
        assert any(problem.startswith("users: row-level security off, anon may SELECT") for problem in problems)
        use_database(url)
        result = CliRunner().invoke(main, ["db", "protect"])
        assert result.exit_code == 0, result.output
        assert "shut: users: row-level security off" in result.output
        with engine.connect() as connection:
            assert rls.protection_problems(connection) == []
        engine.dispose()
        with pytest.raises(pg_errors.InsufficientPrivilege):
            seen_by(url, "anon", claims_of(None), "users")
        restored, migrated = database_protection(url), database_protection(project["url"])
        assert restored == migrated
        again = CliRunner().invoke(main, ["db", "protect"])  # idempotent
        assert again.exit_code == 0 and "shut:" not in again.output
    finally:
        drop_postgres_database(url)
        reset_settings_cache()


def test_plain_postgres_gets_the_column_and_nothing_of_supabase(postgres_database):
    use_database(postgres_database)
    state = database_protection(postgres_database)
    assert ("auth_user_id",) in state["users"]
    assert state["rls"] == [] and state["policies"] == [] and state["schemas"] == []
    migration = importlib.import_module("app.migrations.versions.0007_supabase_row_level_security")
    assert migration.revision == "0007"
