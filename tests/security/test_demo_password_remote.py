"""Hostile: a demo account's published password tried through a reverse proxy or from afar.

The README advises a proxy on the same host (nginx, Caddy) relaying to 127.0.0.1, a bind the
start-up guard accepts; the proxy's requests reach Beacon from loopback. So the sign-in itself
refuses a demo account that still has its demo password unless the TCP peer is loopback and no
proxy header says the request was relayed: the login page gets the fixed code `demo`, no cookie is
set, the refusal is audited, and it counts as a failure for the throttle. From a browser on the
server itself (what `make run` is for) the demo accounts sign in as before.

Sent as HTTP posts to the real routes (app/api/auth.py) behind the session-cookie edge, with the
TCP peer chosen by the transport (an ASGI client address), as an attacker or a proxy would send them.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.api.routes import api
from app.models import AuditAction, AuditLog
from app.services import auth
from app.services.users import change_password
from app.web.session import login_error_message, protect_session_cookie
from tests.support.factory import count
from tests.support.loops import run_async

APP = protect_session_cookie(api)
LOOPBACK = ("127.0.0.1", 50123)  # a proxy on the same host, or a browser on it
IPV6_LOOPBACK = ("::1", 50123)
INTERNET = ("203.0.113.7", 50123)


def post_sign_in(email: str, password: str, peer: tuple[str, int] = LOOPBACK,
                 headers: dict | None = None) -> httpx.Response:
    async def go():
        transport = httpx.ASGITransport(app=APP, client=peer)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:3000") as client:
            return await client.post("/auth/sign-in", data={"email": email, "password": password},
                                     headers=headers)

    return run_async(go())


def signed_in(response: httpx.Response) -> bool:
    assert response.status_code == 303, response.text
    if response.headers["location"] == "/":
        assert response.headers.get("set-cookie", "").startswith("beacon_session=")
        return True
    assert "set-cookie" not in response.headers
    return False


def login_code(response: httpx.Response) -> dict[str, list[str]]:
    location = urlsplit(response.headers["location"])
    assert location.path == "/login"
    return parse_qs(location.query)


def refusals() -> int:
    return count(AuditLog, AuditLog.action == AuditAction.SIGN_IN_DEMO_PASSWORD_REFUSED)


PROXY_HEADERS = [
    {"X-Forwarded-For": "198.51.100.23"},  # nginx's $proxy_add_x_forwarded_for, Caddy's default
    {"Forwarded": "for=198.51.100.23;proto=https"},
    {"X-Real-IP": "198.51.100.23"},
    {"X-Forwarded-For": "127.0.0.1"},  # a forged "it's me, localhost" is still a relayed request
    {"X-Forwarded-Proto": "https"},
    {"Via": "1.1 caddy"},
]


@pytest.mark.parametrize("headers", PROXY_HEADERS, ids=lambda h: next(iter(h)))
def test_the_demo_admin_through_a_proxy_on_the_same_host_is_refused_and_audited(database, headers):
    response = post_sign_in("admin@beacon.demo", "beacon-admin", LOOPBACK, headers)
    assert not signed_in(response)
    assert login_code(response) == {"error": ["demo"]}
    assert refusals() == 1
    words = login_error_message("demo")
    assert "demo password" in words and "own" in words
    row = next(iter(auth_audit_rows()))
    assert row.actor_label == "admin@beacon.demo" and row.new_value == {"client_address": "127.0.0.1"}


def auth_audit_rows() -> list[AuditLog]:
    from tests.support.factory import audit_rows

    return audit_rows(AuditAction.SIGN_IN_DEMO_PASSWORD_REFUSED)


@pytest.mark.parametrize("peer", [INTERNET, ("10.0.0.5", 40000), ("2001:db8::7", 40000)], ids=str)
def test_a_demo_account_from_any_other_address_is_refused(database, peer):
    for email, password in (("admin@beacon.demo", "beacon-admin"), ("ops@acme.demo", "beacon-demo")):
        response = post_sign_in(email, password, peer)
        assert not signed_in(response) and login_code(response) == {"error": ["demo"]}
    assert refusals() == 2


@pytest.mark.parametrize("peer", [LOOPBACK, IPV6_LOOPBACK], ids=str)
def test_a_browser_on_the_server_itself_signs_the_demo_admin_in(database, peer):
    assert signed_in(post_sign_in("admin@beacon.demo", "beacon-admin", peer))
    assert signed_in(post_sign_in("sam@acme.demo", "beacon-demo", peer))
    assert refusals() == 0


def test_once_it_has_its_own_password_a_demo_account_signs_in_through_the_proxy(database):
    change_password(None, "admin@beacon.demo", "an-own-long-password")
    proxied = {"X-Forwarded-For": "198.51.100.23"}
    assert signed_in(post_sign_in("admin@beacon.demo", "an-own-long-password", LOOPBACK, proxied))
    assert signed_in(post_sign_in("admin@beacon.demo", "an-own-long-password", INTERNET))
    # The old demo password is now just a wrong one: the usual words, nothing about demos.
    wrong = post_sign_in("admin@beacon.demo", "beacon-admin", INTERNET)
    assert login_code(wrong) == {"error": ["wrong"]}
    assert refusals() == 0


def test_an_ordinary_account_whose_password_happens_to_be_a_demo_one_is_not_refused(database):
    from argon2 import PasswordHasher
    from sqlmodel import select

    from app.db import transaction
    from app.models import User

    auth.create_user(None, "pat@acme.demo", "Pat", "a-password-of-pats-own", "user", "Acme")
    # Beacon no longer lets anyone choose a demo password; an account from before that rule (or a
    # restored database) may still hold one.
    with transaction() as session:
        session.exec(select(User).where(User.email == "pat@acme.demo")).one().password_hash = \
            PasswordHasher().hash("beacon-demo")
    assert signed_in(post_sign_in("pat@acme.demo", "beacon-demo", INTERNET))


def test_a_wrong_password_from_afar_says_wrong_not_demo(database):
    # No oracle: only the right (published) password gets the demo answer.
    response = post_sign_in("admin@beacon.demo", "guess-1", INTERNET, {"X-Forwarded-For": "198.51.100.23"})
    assert login_code(response) == {"error": ["wrong"]} and refusals() == 0


def test_remote_demo_attempts_are_throttled_like_failures(database):
    from app.services.signin_throttle import ACCOUNT_FAILURES_BEFORE_LOCK

    codes = [login_code(post_sign_in("ops@globex.demo", "beacon-demo", INTERNET))["error"][0]
             for _ in range(ACCOUNT_FAILURES_BEFORE_LOCK + 2)]
    assert codes[:ACCOUNT_FAILURES_BEFORE_LOCK - 1] == ["demo"] * (ACCOUNT_FAILURES_BEFORE_LOCK - 1)
    assert codes[ACCOUNT_FAILURES_BEFORE_LOCK:] == ["locked", "locked"]
    # Audit rows are bounded by the lock: the locked attempts write none.
    assert refusals() == ACCOUNT_FAILURES_BEFORE_LOCK
