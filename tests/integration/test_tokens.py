"""API tokens: expiry, scope and revocation through the services and the `beacon token` commands,
and migration 0005 (existing tokens get an expiry and the publish scope) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlmodel import select

from app.db import dispose_engines, get_engine, read_session, transaction
from app.models import ApiToken, AuditAction, AuditLog, TokenScope, utc_now
from app.rules.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound
from app.schema import alembic_config, upgrade_database
from app.services import tokens
from app.services.auth import actor_for_email
from tests.support.cli import beacon, beacon_in_process

ADMIN = "admin@beacon.demo"
ACME_OPS = "ops@acme.demo"
SAM = "sam@acme.demo"


def age(token_id: int, **delta) -> None:
    """Time passes for one token: its expiry moves into the past."""
    with transaction() as session:
        row = session.get(ApiToken, token_id)
        row.expires_at = utc_now() - timedelta(**delta)
        session.add(row)


# --- expiry parsing (pure) --------------------------------------------------------------------

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    (None, NOW + timedelta(days=90)),
    ("", NOW + timedelta(days=90)),
    ("30d", NOW + timedelta(days=30)),
    ("12h", NOW + timedelta(hours=12)),
    ("2w", NOW + timedelta(weeks=2)),
    ("90s", NOW + timedelta(seconds=90)),
    ("3650d", NOW + timedelta(days=3650)),
    ("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC)),
    ("2026-03-01T10:00:00+02:00", datetime(2026, 3, 1, 8, tzinfo=UTC)),
    ("2026-03-01T10:00:00Z", datetime(2026, 3, 1, 10, tzinfo=UTC)),
])
def test_expiry_accepts_durations_and_dates(text, expected):
    assert tokens.parse_token_expiry(text, NOW) == expected


@pytest.mark.parametrize("text", [
    "0d", "-5d", "3651d", "522w", "99999999999d", "9" * 5000 + "d", "2025-12-31", "10000-01-01",
    "2040-01-01", "tomorrow", "30 days", "1e3d", "x" * 100,
])
def test_absurd_past_and_too_distant_expiries_are_invalid_input(text):
    with pytest.raises(InvalidInput) as raised:
        tokens.parse_token_expiry(text, NOW)
    assert "expires" in raised.value.fields


# --- the services -----------------------------------------------------------------------------

def test_a_new_token_expires_in_90_days_by_default_and_publishes(database):
    token_id, secret, expires_at = tokens.create_token(None, ADMIN)
    assert secret.startswith("bkn_") and abs(expires_at - (utc_now() + timedelta(days=90))) < timedelta(minutes=1)
    [row] = tokens.list_tokens(None, ADMIN)
    assert (row.id, row.scope, row.state, row.expires_at) == (token_id, "publish", "active", expires_at)
    assert tokens.actor_for_api_token(secret, TokenScope.PUBLISH).email == ADMIN


def test_the_list_never_carries_the_secret_or_its_digest(database):
    _, secret, _ = tokens.create_token(None, ADMIN, name="deploy bot")
    [row] = tokens.list_tokens(None, ADMIN)
    values = [str(v) for v in vars(row).values()]
    assert secret not in values and not any(len(v) == 64 for v in values)
    assert secret.startswith(row.prefix) and len(row.prefix) == 12 and row.name == "deploy bot"


def test_an_expired_token_is_refused(database):
    token_id, secret, _ = tokens.create_token(None, ADMIN, "30d")
    age(token_id, seconds=1)
    with pytest.raises(NotAuthenticated, match="expired"):
        tokens.actor_for_api_token(secret)
    assert tokens.list_tokens(None, ADMIN)[0].state == "expired"


def test_a_short_expiry_runs_out_on_its_own(database):
    import time

    _, secret, _ = tokens.create_token(None, ADMIN, "1s")
    assert tokens.actor_for_api_token(secret).email == ADMIN
    time.sleep(1.2)
    with pytest.raises(NotAuthenticated):
        tokens.actor_for_api_token(secret)


def test_a_revoked_token_is_refused_and_the_revoke_is_audited(database, admin):
    token_id, secret, _ = tokens.create_token(None, ACME_OPS)
    assert tokens.revoke_token(admin, token_id) is True
    with pytest.raises(NotAuthenticated, match="revoked"):
        tokens.actor_for_api_token(secret)
    assert tokens.revoke_token(admin, token_id) is False  # again: nothing changes, no second audit row
    with read_session() as session:
        audits = list(session.exec(select(AuditLog).where(AuditLog.action == AuditAction.API_TOKEN_REVOKE)))
    assert len(audits) == 1
    assert audits[0].actor_label == ADMIN and audits[0].target_id == str(token_id)
    assert audits[0].new_value["user"] == ACME_OPS and audits[0].client_id is not None


def test_creating_is_audited_without_the_secret(database, admin):
    token_id, secret, _ = tokens.create_token(admin, SAM, "7d", "read", "ci")
    with read_session() as session:
        audit = session.exec(select(AuditLog).where(AuditLog.action == AuditAction.API_TOKEN_CREATE)).one()
    assert audit.target_id == str(token_id) and audit.new_value["scope"] == "read"
    assert secret not in str(audit.new_value)


def test_a_read_token_reads_but_cannot_publish(database):
    _, secret, _ = tokens.create_token(None, ADMIN, scope="read")
    assert tokens.actor_for_api_token(secret, TokenScope.READ).is_platform_admin
    with pytest.raises(Forbidden, match="read-only"):
        tokens.actor_for_api_token(secret, TokenScope.PUBLISH)


def test_a_disabled_users_token_is_refused(database):
    _, secret, _ = tokens.create_token(None, SAM)
    with transaction() as session:
        session.execute(sa.text("UPDATE users SET is_active = false WHERE email = :e").bindparams(e=SAM))
    with pytest.raises(NotAuthenticated):
        tokens.actor_for_api_token(secret)


@pytest.mark.parametrize(("field", "kwargs"), [
    ("scope", {"scope": "admin"}),
    ("name", {"name": "   "}),
    ("name", {"name": "n" * 121}),
    ("expires", {"expires": "forever"}),
])
def test_bad_input_is_invalid_input_and_creates_nothing(database, field, kwargs):
    with pytest.raises(InvalidInput) as raised:
        tokens.create_token(None, ADMIN, **kwargs)
    assert field in raised.value.fields
    assert tokens.list_tokens(None, ADMIN) == []


def test_last_used_is_recorded_at_most_once_a_minute(database):
    token_id, secret, _ = tokens.create_token(None, ADMIN)
    tokens.actor_for_api_token(secret)
    first = tokens.list_tokens(None, ADMIN)[0].last_used_at
    assert first is not None
    tokens.actor_for_api_token(secret)
    assert tokens.list_tokens(None, ADMIN)[0].last_used_at == first


# --- who may -----------------------------------------------------------------------------------

def test_a_user_manages_their_own_tokens(database):
    sam = actor_for_email(SAM)
    token_id, secret, _ = tokens.create_token(sam, SAM, "30d", "read")
    assert [t.id for t in tokens.list_tokens(sam, SAM)] == [token_id]
    assert tokens.revoke_token(sam, token_id) is True


def test_a_user_cannot_touch_anyone_elses_tokens(database):
    sam = actor_for_email(SAM)
    kims_id, _, _ = tokens.create_token(None, "kim@acme.demo")
    with pytest.raises(Forbidden):
        tokens.create_token(sam, "kim@acme.demo")
    with pytest.raises(Forbidden):
        tokens.list_tokens(sam, "kim@acme.demo")
    with pytest.raises(Forbidden):  # the same answer whether the account exists or not
        tokens.list_tokens(sam, "nobody@acme.demo")
    with pytest.raises(NotFound) as foreign:
        tokens.revoke_token(sam, kims_id)
    with pytest.raises(NotFound) as missing:
        tokens.revoke_token(sam, kims_id + 1000)
    assert foreign.value.message.replace(str(kims_id), "N") == missing.value.message.replace(str(kims_id + 1000), "N")
    assert tokens.list_tokens(None, "kim@acme.demo")[0].state == "active"


def test_a_platform_admin_manages_anyones_tokens(database, admin):
    token_id, _, _ = tokens.create_token(admin, "lee@globex.demo", scope="read")
    assert tokens.list_tokens(admin, "lee@globex.demo")[0].id == token_id
    assert tokens.revoke_token(admin, token_id)
    with pytest.raises(NotFound):
        tokens.list_tokens(admin, "nobody@globex.demo")


def test_the_admin_list_is_newest_first_bounded_and_admins_only(database, admin):
    ids = [tokens.create_token(None, email)[0] for email in (ADMIN, ACME_OPS, SAM)]
    rows = tokens.recent_tokens(admin)
    assert [r.id for r in rows] == ids[::-1] and [r.email for r in rows] == [SAM, ACME_OPS, ADMIN]
    assert len(tokens.recent_tokens(admin, limit=2)) == 2
    assert len(tokens.recent_tokens(admin, limit=10_000)) == 3
    with pytest.raises(Forbidden):
        tokens.recent_tokens(actor_for_email(ACME_OPS))


def test_the_old_entry_points_still_work(database):
    from app.services.auth import actor_for_api_token, create_api_token

    secret = create_api_token(ADMIN, name="bench")
    assert actor_for_api_token(secret).email == ADMIN
    assert actor_for_api_token(secret, "publish").email == ADMIN
    assert tokens.list_tokens(None, ADMIN)[0].name == "bench"


# --- the command line ----------------------------------------------------------------------------

def test_cli_create_list_revoke(database):
    created = beacon(database, "token", "create", "--email", SAM, "--expires", "30d", "--scope", "read")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.split()[-1]
    assert created.stdout.strip() == secret  # TOKEN=$(beacon token create ...) works
    assert (created.stderr + created.stdout).split()[-1] == secret  # the last word either way
    assert tokens.actor_for_api_token(secret).email == SAM

    listed = beacon(database, "token", "list", "--email", SAM)
    assert listed.returncode == 0, listed.stderr
    [line] = listed.stdout.splitlines()
    token_id = int(line.split()[0])
    assert secret not in listed.stdout and "read" in line and "active" in line

    revoked = beacon(database, "token", "revoke", str(token_id))
    assert revoked.returncode == 0 and f"#{token_id} revoked" in revoked.stdout
    with pytest.raises(NotAuthenticated):
        tokens.actor_for_api_token(secret)
    assert "revoked" in beacon(database, "token", "list", "--email", SAM).stdout.split("\n")[0]


def test_cli_lists_one_line_per_token_and_nothing_else(database):
    for _ in range(3):  # created through the service: this test is about what `list` prints
        tokens.create_token(None, ADMIN)
    listed = beacon(database, "token", "list", "--email", ADMIN)
    lines = listed.stdout.splitlines()
    assert len(lines) == 3 and all(line.split()[0].isdigit() for line in lines)
    empty = beacon(database, "token", "list", "--email", SAM)
    assert empty.returncode == 0 and empty.stdout == ""


@pytest.mark.parametrize("args", [
    ("token", "create", "--email", ADMIN, "--expires", "99999999999d"),
    ("token", "create", "--email", ADMIN, "--expires", "-1d"),
    ("token", "create", "--email", ADMIN, "--expires", "2001-01-01"),
    ("token", "create", "--email", ADMIN, "--scope", "admin"),
    ("token", "create", "--email", "nobody@beacon.demo"),
    ("token", "list", "--email", "nobody@beacon.demo"),
    ("token", "revoke", "999"),
    ("token", "revoke", "abc"),
    ("token", "revoke", "1", "--as", SAM),
    ("token", "list", "--email", ADMIN, "--as", SAM),
])
def test_cli_errors_are_one_line_and_a_nonzero_exit(database, args):
    # The command's own message and exit code, through the real entry in this process; the real
    # process says its one line in test_cli_as_a_user_revoking_a_foreign_token_reads_like_a_missing_one.
    done = beacon_in_process(database, *args)
    assert done.returncode != 0
    assert done.stdout == "" and done.stderr.strip().count("\n") == 0 and done.stderr.startswith("beacon: ")


def test_cli_as_a_user_revoking_a_foreign_token_reads_like_a_missing_one(database):
    foreign_id = tokens.create_token(None, ADMIN)[0]
    foreign = beacon(database, "token", "revoke", str(foreign_id), "--as", SAM)
    missing = beacon(database, "token", "revoke", str(foreign_id + 1000), "--as", SAM)
    assert foreign.returncode == missing.returncode != 0
    assert foreign.stderr.replace(str(foreign_id), "N") == missing.stderr.replace(str(foreign_id + 1000), "N")


# --- migration 0005 ------------------------------------------------------------------------------

def _token_columns() -> set[str]:
    dispose_engines()
    return {c["name"] for c in sa.inspect(get_engine()).get_columns("api_tokens")}


def check_migration() -> None:
    command.downgrade(alembic_config(), "0004")
    assert not {"expires_at", "scope"} & _token_columns()
    created = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    with get_engine().begin() as conn:
        user_id = conn.execute(sa.text("SELECT id FROM users WHERE email = :e"), {"e": ADMIN}).scalar_one()
        table = sa.table("api_tokens", *(sa.column(c) for c in ("user_id", "name", "prefix", "token_hash")),
                         sa.column("created_at", ApiToken.__table__.c.created_at.type))
        conn.execute(sa.insert(table).values(user_id=user_id, name="old", prefix="bkn_old", token_hash="0" * 64,
                                             created_at=created))
    upgrade_database()
    assert {"expires_at", "scope"} <= _token_columns()
    with read_session() as session:
        old = session.exec(select(ApiToken).where(ApiToken.name == "old")).one()
    assert old.scope == "publish" and old.expires_at == created + timedelta(days=90)
    from tests.integration.test_read_side_indexes import schema_differences

    assert schema_differences() == []


def test_migration_0005_on_sqlite(database):
    check_migration()


@pytest.mark.postgres
def test_migration_0005_on_postgres(postgres_database):
    check_migration()
