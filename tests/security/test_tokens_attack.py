"""Hostile: what someone holding (or guessing) an API token tries against the HTTP API.

Each test is the attack as it would be made: raw HTTP requests (httpx on the API's own ASGI app,
the real database), tokens issued and revoked the way operators do it (`beacon token ...` and the
services behind it), time passing by moving a token's expiry into the past.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import httpx
import pytest
from sqlmodel import func, select

from app.db import read_session, transaction
from app.models import AgentStatus, ApiToken, AuditAction, AuditLog, SystemMessage, utc_now
from app.rules.errors import NotFound
from app.services import tokens
from app.services.auth import actor_for_email
from tests.support.api import call_api
from tests.support.cli import beacon, beacon_in_process
from tests.support.factory import count

STATUS = "/api/v1/system-status"
ADMIN = "admin@beacon.demo"


def call(method: str, path: str, authorization: str | None = None, **kwargs):
    return call_api(method, path, authorization=authorization, **kwargs)


def bearer(token: str) -> str:
    return f"Bearer {token}"


def assert_json_error(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]["status"] == status
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"


def publish_attempt(token: str) -> httpx.Response:
    return call("POST", STATUS, bearer(token), json={"client_id": None, "status": "inactive",
                                                     "message": "owned", "type": "error"})


def nothing_published() -> bool:
    return (count(SystemMessage) == 0 and count(AuditLog, AuditLog.action == "system_status.publish") == 0
            and count(AgentStatus) == 0)


def expire(token_id: int) -> None:
    with transaction() as session:
        row = session.get(ApiToken, token_id)
        row.expires_at = utc_now() - timedelta(seconds=1)
        session.add(row)


@pytest.fixture
def admin_token(database) -> tuple[int, str]:
    token_id, secret, _ = tokens.create_token(None, ADMIN, "30d", "publish")
    return token_id, secret


def test_an_expired_token_gets_401_on_every_method(admin_token):
    token_id, secret = admin_token
    assert call("GET", STATUS, bearer(secret)).status_code == 200  # the control: it worked before
    expire(token_id)
    assert_json_error(call("GET", STATUS, bearer(secret)), 401)
    assert_json_error(publish_attempt(secret), 401)
    assert_json_error(call("GET", "/api/v1/health", bearer(secret)), 401)
    assert nothing_published()


def test_a_revoked_token_gets_401_at_once(database):
    token_id, secret, _ = tokens.create_token(None, ADMIN)
    assert call("GET", STATUS, bearer(secret)).status_code == 200
    assert beacon(database, "token", "revoke", str(token_id)).returncode == 0  # as the operator does
    assert_json_error(call("GET", STATUS, bearer(secret)), 401)
    assert_json_error(publish_attempt(secret), 401)
    assert nothing_published()


def test_a_read_only_token_cannot_publish_even_for_a_platform_admin(database):
    _, secret, _ = tokens.create_token(None, ADMIN, "30d", "read")
    assert call("GET", STATUS, bearer(secret)).status_code == 200  # it reads
    response = publish_attempt(secret)
    assert_json_error(response, 403)
    assert "read" in response.json()["error"]["message"]
    assert nothing_published()
    # Nor by another verb, nor with a body the validator would reject (scope is checked first).
    for method in ("PUT", "PATCH", "DELETE"):
        assert call(method, STATUS, bearer(secret)).status_code in (403, 405)
    assert_json_error(call("POST", STATUS, bearer(secret), content=b"not json"), 403)
    assert nothing_published()


def test_a_publish_token_still_cannot_exceed_its_users_rights(database):
    _, secret, _ = tokens.create_token(None, "ops@acme.demo", "30d", "publish")
    assert_json_error(publish_attempt(secret), 403)
    assert nothing_published()


@pytest.mark.parametrize("authorization", [
    "",
    "Bearer",
    "Bearer ",
    "bkn_" + "A" * 43,  # no scheme
    "Basic YWRtaW5AYmVhY29uLmRlbW86YmVhY29uLWFkbWlu",  # admin@beacon.demo:beacon-admin
    "Bearer bkn_forged",
    "Bearer " + "bkn_" + secrets.token_urlsafe(32),  # a well-formed guess
    "Bearer ' OR '1'='1",
    "Bearer " + "x" * 100_000,
    "Bearer null",
    "Bearer undefined",
])
def test_missing_guessed_and_garbage_tokens_get_401(admin_token, authorization):
    assert_json_error(call("GET", STATUS, authorization), 401)
    assert_json_error(call("POST", STATUS, authorization, json={"status": "inactive"}), 401)
    assert nothing_published()


def test_a_real_tokens_prefix_or_a_near_miss_is_not_a_token(admin_token):
    token_id, secret = admin_token
    prefix = tokens.list_tokens(None, ADMIN)[0].prefix  # what a list (or a shoulder-surfer) shows
    near = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for guess in (prefix, secret.upper(), near, secret + "x", secret[4:]):
        assert_json_error(call("GET", STATUS, bearer(guess)), 401)
    assert call("GET", STATUS, bearer(secret)).status_code == 200


def test_the_token_of_a_disabled_user_gets_401(database):
    _, secret, _ = tokens.create_token(None, "sam@acme.demo", "30d", "read")
    assert call("GET", STATUS, bearer(secret)).status_code == 200
    import sqlalchemy as sa

    with transaction() as session:
        session.execute(sa.text("UPDATE users SET is_active = false WHERE email = 'sam@acme.demo'"))
    assert_json_error(call("GET", STATUS, bearer(secret)), 401)


def test_revoking_another_users_token_reads_exactly_like_a_missing_id(database):
    """A non-admin probing token ids learns nothing: foreign and missing ids answer the same,
    through the services and through the command line, and the foreign token keeps working."""
    victim_id, victim_secret, _ = tokens.create_token(None, ADMIN)
    missing_id = victim_id + 10_000
    attacker = actor_for_email("sam@acme.demo")

    with pytest.raises(NotFound) as foreign:
        tokens.revoke_token(attacker, victim_id)
    with pytest.raises(NotFound) as missing:
        tokens.revoke_token(attacker, missing_id)
    assert type(foreign.value) is type(missing.value)
    assert foreign.value.message.replace(str(victim_id), "ID") == missing.value.message.replace(str(missing_id), "ID")

    # The command's answers through its real entry, in this process (the real process's answer
    # is compared the same way in tests/integration/test_tokens.py).
    by_cli = [beacon_in_process(database, "token", "revoke", str(i), "--as", "sam@acme.demo")
              for i in (victim_id, missing_id)]
    assert by_cli[0].returncode == by_cli[1].returncode != 0
    assert by_cli[0].stdout == by_cli[1].stdout == ""
    assert by_cli[0].stderr.replace(str(victim_id), "ID") == by_cli[1].stderr.replace(str(missing_id), "ID")

    assert call("GET", STATUS, bearer(victim_secret)).status_code == 200  # untouched
    with read_session() as session:
        assert session.exec(select(func.count()).select_from(AuditLog)
                            .where(AuditLog.action == AuditAction.API_TOKEN_REVOKE)).one() == 0


def test_a_non_admin_cannot_mint_or_list_tokens_of_others(database):
    # The first attempt as a real process, the others through the same entry in this process.
    for run, args in ((beacon, ("create", "--email", ADMIN)), (beacon_in_process, ("list", "--email", ADMIN)),
                      (beacon_in_process, ("create", "--email", "nobody@acme.demo")),
                      (beacon_in_process, ("list", "--email", "nobody@acme.demo"))):
        done = run(database, "token", *args, "--as", "sam@acme.demo")
        assert done.returncode != 0 and done.stdout == ""
        assert "only manage your own" in done.stderr  # the same line whether the account exists or not
    assert tokens.list_tokens(None, ADMIN) == []


def test_an_absurd_expiry_is_refused_not_a_crash(database):
    done = beacon(database, "token", "create", "--email", ADMIN, "--expires", "99999999999d")
    assert done.returncode == 1 and done.stderr.startswith("beacon: expires:")
    assert "Traceback" not in done.stderr and tokens.list_tokens(None, ADMIN) == []
