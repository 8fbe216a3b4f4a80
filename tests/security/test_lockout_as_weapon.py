"""Hostile: the sign-in lock turned against users (issue 19 point 2), as an attacker sends it.

Raw HTTP posts to the real route (app/api/auth.py) behind the session-cookie edge, the TCP peer
chosen by the transport. Before: ten wrong passwords locked an account for everyone (the right
password refused from anywhere), X-Forwarded-For was believed from any peer once
REFLEX_TRUSTED_PROXY_HOPS was set, and an IPv6 address was keyed whole. What must hold now: an
attacker's failures lock the account only for the attacker's address (a /64 for IPv6), the owner
signs in from their own address during a flood from many addresses, and X-Forwarded-For counts
only from a proxy listed in BEACON_TRUSTED_PROXIES.
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.api.routes import api
from app.config import reset_settings_cache
from app.services.signin_throttle import ACCOUNT_FAILURES_BEFORE_LOCK
from app.services.users import change_password
from app.web.session import protect_session_cookie
from tests.support.loops import run_async

APP = protect_session_cookie(api)
PROXY = ("10.0.0.2", 40000)  # the deployment's reverse proxy
ATTACKER = ("203.0.113.66", 40000)
ADMIN_HOME = "192.0.2.10"
LOCKED = {"error": ["locked"], "minutes": ["15"]}


@pytest.fixture
def behind_proxy(monkeypatch):
    monkeypatch.setenv("BEACON_TRUSTED_PROXIES", "10.0.0.0/24")
    monkeypatch.setenv("REFLEX_TRUSTED_PROXY_HOPS", "1")
    reset_settings_cache()
    yield
    monkeypatch.delenv("BEACON_TRUSTED_PROXIES", raising=False)
    reset_settings_cache()


@pytest.fixture
def own_passwords(database):
    """Through a network a demo password is refused anyway (test_demo_password_remote.py)."""
    change_password(None, "admin@beacon.demo", "admin-own-long-password")
    change_password(None, "ops@acme.demo", "ops-own-long-password")


async def _post(client: httpx.AsyncClient, email: str, password: str, headers: dict | None) -> httpx.Response:
    return await client.post("/auth/sign-in", data={"email": email, "password": password}, headers=headers)


def post_many(peer: tuple[str, int], attempts: list[tuple[str, str, dict | None]],
              cookies: dict | None = None) -> list[httpx.Response]:
    """All attempts in flight at once, as a script would send them."""
    async def go():
        transport = httpx.ASGITransport(app=APP, client=peer)
        async with httpx.AsyncClient(transport=transport, base_url="http://beacon.example", cookies=cookies) as client:
            return await asyncio.gather(*(_post(client, e, p, h) for e, p, h in attempts))

    return run_async(go())


def post(peer, email, password, headers=None, cookies=None) -> httpx.Response:
    return post_many(peer, [(email, password, headers)], cookies)[0]


def answer(response: httpx.Response) -> dict:
    assert response.status_code == 303, response.text
    location = urlsplit(response.headers["location"])
    if location.path == "/":
        return {"in": True}
    return parse_qs(location.query)


def test_a_forged_x_forwarded_for_from_an_untrusted_peer_is_ignored(own_passwords, behind_proxy, monkeypatch):
    # The attacker talks to Beacon directly and names a new address in every guess.
    answers = [answer(post(ATTACKER, "ops@acme.demo", f"guess-{n}", {"X-Forwarded-For": f"198.51.100.{n}"}))
               for n in range(ACCOUNT_FAILURES_BEFORE_LOCK + 2)]
    assert answers[ACCOUNT_FAILURES_BEFORE_LOCK - 1:] == [LOCKED] * 3  # their own address is locked
    # The same header from the listed proxy is believed: another address, not locked.
    assert answer(post(PROXY, "ops@acme.demo", "ops-own-long-password",
                       {"X-Forwarded-For": "198.51.100.200"})) == {"in": True}
    # REFLEX_TRUSTED_PROXY_HOPS alone (no BEACON_TRUSTED_PROXIES) trusts no peer any more.
    monkeypatch.delenv("BEACON_TRUSTED_PROXIES")
    reset_settings_cache()
    assert answer(post(PROXY, "kim@acme.demo", "guess-x",
                       {"X-Forwarded-For": "198.51.100.201"})) == {"error": ["wrong"]}
    for n in range(ACCOUNT_FAILURES_BEFORE_LOCK - 2):  # the proxy's own address is the one counted
        post(PROXY, "kim@acme.demo", f"guess-y{n}", {"X-Forwarded-For": f"198.51.100.{210 + n}"})
    assert answer(post(PROXY, "kim@acme.demo", "guess-z", {"X-Forwarded-For": "198.51.100.250"})) == LOCKED


def test_a_flood_from_many_addresses_does_not_keep_the_admin_out(own_passwords, behind_proxy):
    bots = [f"198.18.{n // 200}.{n % 200 + 1}" for n in range(40)]
    # Every bot guesses at the public admin address through the proxy, all at once, three rounds.
    answers = []
    for round_ in range(3):
        answers += [answer(r) for r in post_many(PROXY, [
            ("admin@beacon.demo", f"guess-{round_}-{n}", {"X-Forwarded-For": bot}) for n, bot in enumerate(bots)])]
        # Meanwhile the admin signs in from home, first try, no wait.
        mine = answer(post(PROXY, "admin@beacon.demo", "admin-own-long-password", {"X-Forwarded-For": ADMIN_HOME}))
        assert mine == {"in": True}, (round_, mine)
    assert not any(a.get("in") for a in answers)
    # The flood met the account's delay, not a lock: "try again in N seconds".
    delayed = [a for a in answers if a.get("error") == ["delayed"]]
    assert delayed, answers[:5]
    assert all(1 <= int(a["seconds"][0]) <= 60 for a in delayed)


def test_rotating_addresses_inside_one_ipv6_64_is_one_address(own_passwords, behind_proxy):
    rotating = [f"2001:db8:bad:1:{n:x}::{n + 7:x}" for n in range(ACCOUNT_FAILURES_BEFORE_LOCK + 5)]
    answers = [answer(post(PROXY, "ops@acme.demo", f"guess-{n}", {"X-Forwarded-For": a}))
               for n, a in enumerate(rotating)]
    assert answers[ACCOUNT_FAILURES_BEFORE_LOCK - 1:] == [LOCKED] * 6
    # The right password from that /64 is refused; the owner in another /64 signs in.
    assert answer(post(PROXY, "ops@acme.demo", "ops-own-long-password",
                       {"X-Forwarded-For": "2001:db8:bad:1::1"})) == LOCKED
    assert answer(post(PROXY, "ops@acme.demo", "ops-own-long-password",
                       {"X-Forwarded-For": "2001:db8:600d:1::1"})) == {"in": True}


def test_parallel_guesses_get_exactly_the_allowance_of_password_checks(own_passwords, monkeypatch):
    from app.services import passwords

    checks = []
    real = passwords.password_matches
    monkeypatch.setattr(passwords, "password_matches", lambda h, p: checks.append(p) or real(h, p))
    # 30 guesses in flight at once from one address.
    attempts = [("ops@acme.demo", f"guess-{n}", None) for n in range(30)]
    answers = [answer(r) for r in post_many(ATTACKER, attempts)]
    assert len(checks) <= ACCOUNT_FAILURES_BEFORE_LOCK, len(checks)  # before: one per guess that passed the check
    assert sum(1 for a in answers if a == LOCKED) >= 30 - ACCOUNT_FAILURES_BEFORE_LOCK


def test_a_browser_that_signed_in_before_gets_in_from_an_address_the_attacker_locked(own_passwords):
    """The attacker shares the owner's address (an office NAT, one IPv6 /64): the owner's browser,
    which signed in there before, keeps its device cookie and still gets in (OWASP's device cookie)."""
    office = ("198.51.100.40", 40000)
    first = post(office, "ops@acme.demo", "ops-own-long-password")
    device = next(h for h in first.headers.get_list("set-cookie") if h.startswith("beacon_device="))
    assert {"HttpOnly", "SameSite=Strict", "Path=/auth"} <= {p.strip() for p in device.split(";")}
    cookie = {"beacon_device": device.split(";")[0].split("=", 1)[1]}
    answers = [answer(post(office, "ops@acme.demo", f"guess-{n}")) for n in range(ACCOUNT_FAILURES_BEFORE_LOCK)]
    assert answers[-1] == LOCKED
    assert answer(post(office, "ops@acme.demo", "ops-own-long-password")) == LOCKED  # a browser without it
    assert answer(post(office, "ops@acme.demo", "ops-own-long-password", cookies=cookie)) == {"in": True}
    # A forged or another account's device cookie is no key.
    assert answer(post(office, "ops@acme.demo", "ops-own-long-password",
                       cookies={"beacon_device": "forged-device-cookie-000000"})) == LOCKED
