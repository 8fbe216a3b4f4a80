"""Hostile: a user of any role but platform admin without a client.

Code that reads a missing client as "the platform's scope" gave such a row every tenant's live
views. The database now refuses the row (a named CHECK, migration 0006), and the code refuses it
a second time: no Actor is built from it, and an Actor without a client that is not a platform
admin has no audience at all. Attacks are written as an attacker with SQL access (or a bad
import) would write them: plain SQL, not the services."""

from __future__ import annotations

import importlib

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from click.testing import CliRunner

from app.cli import main
from app.db import dispose_engines, get_engine
from app.models.tenancy import USERS_TENANT_CHECK_NAME, USERS_TENANT_CHECK_SQL, User
from app.rules.actors import ALL_TENANTS, TENANTLESS_MESSAGE, Actor, system_actor
from app.rules.errors import Conflict, Forbidden, NotAuthenticated
from app.schema import alembic_config, upgrade_database
from app.services.auth import actor_for_email, actor_for_session, sign_in
from app.services.passwords import hash_password

BACKENDS = ["database", pytest.param("postgres_database", marks=pytest.mark.postgres)]
NON_ADMIN_ROLES = ["client_admin", "support_staff", "user"]
INSERT_USER = sa.text(
    "INSERT INTO users (email, name, role, client_id, password_hash, is_active, created_at) "
    "VALUES (:email, 'Mallory', :role, NULL, :hash, :active, CURRENT_TIMESTAMP)"
)


def execute(statement, **params) -> None:
    with get_engine().begin() as conn:
        conn.execute(statement, params)


def scalar(sql: str, **params):
    with get_engine().connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def schema_version() -> str:
    dispose_engines()
    return scalar("SELECT version_num FROM alembic_version")


# -- the database refuses the row --------------------------------------------------------------

def test_the_model_declares_the_migrations_constraint():
    migration = importlib.import_module("app.migrations.versions.0006_platform_admins_only_without_client")
    declared = {c.name: str(c.sqltext) for c in User.__table__.constraints if isinstance(c, sa.CheckConstraint)}
    assert declared == {migration.CONSTRAINT: migration.CONDITION}
    assert (migration.CONSTRAINT, migration.CONDITION) == (USERS_TENANT_CHECK_NAME, USERS_TENANT_CHECK_SQL)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_database_refuses_a_tenantless_support_staff_inserted_in_plain_sql(backend, request):
    request.getfixturevalue(backend)
    users_before = scalar("SELECT count(*) FROM users")

    with pytest.raises(sa.exc.IntegrityError) as refused:
        execute(INSERT_USER, email="mallory@evil.example", role="support_staff",
                hash=hash_password("mallory-pass"), active=True)

    assert USERS_TENANT_CHECK_NAME in str(refused.value)
    assert scalar("SELECT count(*) FROM users") == users_before
    assert scalar("SELECT count(*) FROM users WHERE email = 'mallory@evil.example'") == 0


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("role", ["client_admin", "user", "system", ""])
def test_no_other_role_may_be_inserted_without_a_client(backend, role, request):
    request.getfixturevalue(backend)
    with pytest.raises(sa.exc.IntegrityError):
        execute(INSERT_USER, email=f"r{role}@evil.example", role=role, hash="x", active=True)


@pytest.mark.parametrize("backend", BACKENDS)
def test_taking_a_users_client_away_or_demoting_a_tenantless_admin_is_refused(backend, request):
    request.getfixturevalue(backend)
    with pytest.raises(sa.exc.IntegrityError):
        execute(sa.text("UPDATE users SET client_id = NULL WHERE email = 'sam@acme.demo'"))
    with pytest.raises(sa.exc.IntegrityError):
        execute(sa.text("UPDATE users SET role = 'support_staff' WHERE email = 'admin@beacon.demo'"))
    assert scalar("SELECT client_id IS NOT NULL FROM users WHERE email = 'sam@acme.demo'")
    assert scalar("SELECT role FROM users WHERE email = 'admin@beacon.demo'") == "platform_admin"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_platform_admin_may_still_belong_to_no_client(backend, request):
    request.getfixturevalue(backend)
    execute(INSERT_USER, email="second-admin@beacon.demo", role="platform_admin", hash="x", active=True)
    assert scalar("SELECT count(*) FROM users WHERE email = 'second-admin@beacon.demo'") == 1


# -- the code refuses it a second time ---------------------------------------------------------

@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_a_tenantless_actor_that_is_not_a_platform_admin_has_no_audience(role):
    actor = Actor(user_id=99, email="mallory@evil.example", name="Mallory", role=role, client_id=None)
    with pytest.raises(Forbidden) as refused:
        _ = actor.audience
    assert refused.value.message == TENANTLESS_MESSAGE


def test_a_worker_process_has_no_audience_either():
    with pytest.raises(Forbidden):
        _ = system_actor("worker:host:1").audience


def test_only_a_platform_admin_gets_every_tenant_and_others_their_own():
    admin = Actor(user_id=1, email="a@b.c", name="A", role="platform_admin", client_id=None)
    staff = Actor(user_id=2, email="s@b.c", name="S", role="support_staff", client_id=7)
    assert admin.audience == ALL_TENANTS
    assert staff.audience == "client:7"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_tenantless_row_from_before_0006_is_refused_at_every_way_in_and_stops_the_upgrade(backend, request):
    """A row written before the constraint existed: sign-in, an open session and the CLI's
    actor all refuse it; migration 0006 stops with one message naming it and fixes nothing."""
    request.getfixturevalue(backend)
    token, _ = sign_in("sam@acme.demo", "beacon-demo")  # a session opened while sam was fine
    command.downgrade(alembic_config(), "0005")
    dispose_engines()
    sams_client = scalar("SELECT client_id FROM users WHERE email = 'sam@acme.demo'")
    execute(sa.text("UPDATE users SET client_id = NULL WHERE email = 'sam@acme.demo'"))

    # Today's code reads users.auth_user_id (migration 0007): lend it for the checks, then take
    # it back so that the 0005 schema is what the upgrade meets.
    execute(sa.text("ALTER TABLE users ADD COLUMN auth_user_id VARCHAR(36)"))
    for way_in in (lambda: actor_for_session(token), lambda: actor_for_email("sam@acme.demo"),
                   lambda: sign_in("sam@acme.demo", "beacon-demo")):
        with pytest.raises(NotAuthenticated) as refused:
            way_in()
        assert refused.value.message == TENANTLESS_MESSAGE
    execute(sa.text("ALTER TABLE users DROP COLUMN auth_user_id"))

    with pytest.raises(Conflict) as stopped:
        upgrade_database()
    message = stopped.value.message
    assert message.startswith("Migration 0006 stopped: 1 user(s) other than platform admins belong to no client")
    assert "sam@acme.demo (support_staff" in message and "\n" not in message
    cli = CliRunner().invoke(main, ["db", "upgrade"])  # the operator's view: one line, exit 1
    assert (cli.exit_code, cli.stderr) == (1, f"beacon: {message}\n")
    assert schema_version() == "0005"
    assert scalar("SELECT client_id FROM users WHERE email = 'sam@acme.demo'") is None, "nothing fixed silently"

    execute(sa.text("UPDATE users SET client_id = :c WHERE email = 'sam@acme.demo'"), c=sams_client)
    upgrade_database()
    assert schema_version() == ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert actor_for_session(token).client_id == sams_client
