"""Hostile: the sign-in session cookie, attacked over HTTP as a script or another site would.

POST /auth/sign-in sets `beacon_session` HttpOnly (no page script, so no injected script, reads
it), SameSite=Strict (no other site's request carries it), Path=/; over HTTPS it is
`__Host-beacon_session` and Secure; a wrong password sets nothing; sign-out ends the session and
clears the cookie. The backend never sees the raw token past the edge: protect_session_cookie
turns it into its key (its SHA-256, the database's token_hash) on every request, and a key sent
as a cookie is discarded, so a leaked database row or state store signs nobody in. Two session
cookies (one planted) sign nobody in.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.api.routes import api
from app.config import reset_settings_cache
from app.rules.errors import NotAuthenticated
from app.services import auth
from app.services.signin_throttle import ACCOUNT_FAILURES_BEFORE_LOCK
from app.web.edge import browser_edge
from app.web.session import (
    SECURE_SESSION_COOKIE,
    SESSION_COOKIE,
    SESSION_KEY_COOKIE,
    login_error_message,
    protect_session_cookie,
    session_key_from_cookie_header,
)
from tests.support.loops import run_async

APP = browser_edge(api)  # as app/app.py serves it (Reflex's backend sits beneath `api`)


def post(path: str, data: dict | None = None, base_url: str = "http://beacon", headers: dict | None = None,
         content: bytes | None = None) -> httpx.Response:
    """A post from Beacon's own page at `base_url` (its Origin), unless `headers` say otherwise."""
    headers = {"Origin": base_url, **(headers or {})}

    async def go():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=APP), base_url=base_url) as client:
            if content is not None:
                return await client.post(path, content=content, headers=headers)
            return await client.post(path, data=data, headers=headers)

    return run_async(go())


def sign_in(email: str = "ops@acme.demo", password: str = "beacon-demo", **kwargs) -> httpx.Response:
    return post("/auth/sign-in", {"email": email, "password": password}, **kwargs)


def set_cookie(response: httpx.Response, name: str = SESSION_COOKIE) -> tuple[str, set[str], dict[str, str]]:
    """The one Set-Cookie of cookie `name` in `response`: its value, its flag attributes, its valued
    attributes (the device cookie beside it is test_lockout_as_weapon.py's)."""
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(name + "=")]
    assert len(headers) == 1, response.headers.get_list("set-cookie")
    first, *attributes = [part.strip() for part in headers[0].split(";")]
    cookie_name, _, value = first.partition("=")
    assert cookie_name == name
    flags = {a for a in attributes if "=" not in a}
    valued = {k: v for k, _, v in (a.partition("=") for a in attributes if "=" in a)}
    return value, flags, valued


def login_redirect(response: httpx.Response) -> dict[str, list[str]]:
    assert response.status_code == 303, response.text
    location = urlsplit(response.headers["location"])
    assert location.path == "/login"
    return parse_qs(location.query)


def test_signing_in_sets_an_httponly_strict_cookie_and_goes_home(database):
    response = sign_in()
    assert response.status_code == 303 and response.headers["location"] == "/"
    token, flags, valued = set_cookie(response)
    assert "HttpOnly" in flags and "Secure" not in flags  # plain http: a Secure cookie would be dropped
    assert valued["SameSite"] == "Strict" and valued["Path"] == "/"
    assert int(valued["Max-Age"]) == 12 * 3600  # as long as the server-side session (BEACON_SESSION_HOURS)
    assert auth.actor_for_session(token).email == "ops@acme.demo"
    assert response.headers["cache-control"] == "no-store"


def test_over_https_the_cookie_is_host_prefixed_and_secure(database):
    response = sign_in(base_url="https://beacon")
    token, flags, valued = set_cookie(response, SECURE_SESSION_COOKIE)
    # What the browser demands of a __Host- cookie: Secure, Path=/, no Domain.
    assert {"HttpOnly", "Secure"} <= flags and valued["Path"] == "/" and "Domain" not in valued
    assert valued["SameSite"] == "Strict"
    assert auth.actor_for_session(token).email == "ops@acme.demo"
    # A plain-named cookie from before the prefix would make two: it is expired in the same answer.
    old, _, old_valued = set_cookie(response, SESSION_COOKIE)
    assert old == "" and old_valued["Max-Age"] == "0" and old_valued["Path"] == "/"


def test_https_named_by_a_trusted_proxy_makes_it_secure_and_by_anyone_else_not(database, monkeypatch):
    from app.services.users import change_password

    # Through a proxy a demo account signs in only with a password of its own (test_demo_password_remote.py).
    change_password(None, "ops@acme.demo", "an-own-long-password")
    forwarded = {"X-Forwarded-Proto": "https", "Origin": "https://beacon"}
    _, flags, _ = set_cookie(sign_in(password="an-own-long-password", headers={"X-Forwarded-Proto": "https"}))
    assert "Secure" not in flags  # no proxy is trusted (BEACON_TRUSTED_PROXIES empty): the header is the client's
    monkeypatch.setenv("REFLEX_TRUSTED_PROXY_HOPS", "1")  # Reflex's hops alone trust no peer
    _, flags, _ = set_cookie(sign_in(password="an-own-long-password", headers={"X-Forwarded-Proto": "https"}))
    assert "Secure" not in flags
    monkeypatch.setenv("BEACON_TRUSTED_PROXIES", "127.0.0.1")  # the test client's address
    reset_settings_cache()
    try:
        _, flags, _ = set_cookie(sign_in(password="an-own-long-password", headers=forwarded), SECURE_SESSION_COOKIE)
    finally:
        monkeypatch.delenv("BEACON_TRUSTED_PROXIES")
        reset_settings_cache()
    assert "Secure" in flags


def test_a_wrong_password_sets_no_cookie_and_says_only_a_code(database):
    response = sign_in(password="not-the-password")
    assert "set-cookie" not in response.headers
    assert login_redirect(response) == {"error": ["wrong"]}
    assert login_error_message("wrong") == "Wrong email or password."
    unknown = sign_in(email="nobody@acme.demo")
    assert "set-cookie" not in unknown.headers and login_redirect(unknown) == {"error": ["wrong"]}


def test_guessing_over_http_locks_the_account_with_minutes_and_the_right_password_then_too(database):
    codes = []
    for n in range(ACCOUNT_FAILURES_BEFORE_LOCK):
        # A forged client address in every guess: no proxy is trusted, so the TCP peer counts.
        response = sign_in(password=f"guess-{n}", headers={"X-Forwarded-For": f"10.0.0.{n}"})
        assert "set-cookie" not in response.headers
        codes.append(login_redirect(response))
    assert codes[:-1] == [{"error": ["wrong"]}] * (ACCOUNT_FAILURES_BEFORE_LOCK - 1)
    assert codes[-1] == {"error": ["locked"], "minutes": ["15"]}
    assert login_error_message("locked", "15") == "Too many attempts, try again in 15 minutes"
    right = sign_in()
    assert "set-cookie" not in right.headers
    assert login_redirect(right) == {"error": ["locked"], "minutes": ["15"]}
    assert set_cookie(sign_in("ops@globex.demo"))[0]  # other accounts are unaffected


@pytest.mark.parametrize("code,minutes", [
    ("<script>alert(1)</script>", ""), ("Your account was closed, call +1 555 0100", ""),
    ("wrong ", ""), ("locked", "<b>5</b>"), ("locked", "0"), ("locked", "99999999"),
])
def test_the_login_page_shows_only_its_own_words(code, minutes):
    message = login_error_message(code, minutes)
    assert message in ("", "Too many attempts, try again later")
    assert "<" not in message and "555" not in message


def test_signing_out_ends_the_session_and_clears_the_cookie(database):
    token, _, _ = set_cookie(sign_in())
    response = post("/auth/sign-out", headers={"Cookie": f"{SESSION_COOKIE}={token}"})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    value, flags, valued = set_cookie(response)
    assert value == "" and valued["Max-Age"] == "0" and valued["Path"] == "/" and "HttpOnly" in flags
    with pytest.raises(NotAuthenticated):
        auth.actor_for_session(token)  # the old token signs nobody in, whatever the browser kept


ANOTHER_SITE = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}


def test_signing_out_from_another_site_is_refused(database):
    token, _, _ = set_cookie(sign_in())
    refused = post("/auth/sign-out", headers={"Cookie": f"{SESSION_COOKIE}={token}", **ANOTHER_SITE})
    assert refused.status_code == 403 and "set-cookie" not in refused.headers
    assert auth.actor_for_session(token).email == "ops@acme.demo"


def test_another_sites_form_cannot_sign_the_victim_into_the_attackers_account(database):
    response = sign_in(headers=ANOTHER_SITE)
    assert response.status_code == 403 and "set-cookie" not in response.headers


def test_a_huge_or_malformed_form_is_refused_without_a_cookie(database):
    huge = sign_in(password="x" * 100_000)
    assert "set-cookie" not in huge.headers and login_redirect(huge) == {"error": ["invalid"]}
    as_json = post("/auth/sign-in", content=b'{"email": "ops@acme.demo", "password": "beacon-demo"}',
                   headers={"Content-Type": "application/json"})
    assert "set-cookie" not in as_json.headers and login_redirect(as_json) == {"error": ["invalid"]}


def _headers_seen_by_the_backend(cookie: str, scope_type: str = "http", over_https: bool = False) -> dict[bytes, bytes]:
    """What anything beneath the edge (Reflex's websocket, its state, the API) is handed."""
    seen: dict[bytes, bytes] = {}

    async def backend(scope, receive, send):
        seen.update(dict(scope["headers"]))

    scheme = {("http", False): "http", ("http", True): "https", ("websocket", False): "ws",
              ("websocket", True): "wss"}[(scope_type, over_https)]

    async def go():
        await protect_session_cookie(backend)(
            {"type": scope_type, "scheme": scheme, "path": "/_event/",
             "headers": [(b"cookie", cookie.encode()), (b"host", b"x")]},
            None, None)

    run_async(go())
    return seen


@pytest.mark.parametrize("scope_type", ["http", "websocket"])
def test_the_backend_sees_the_sessions_key_never_its_token(database, scope_type):
    token, _, _ = set_cookie(sign_in())
    seen = _headers_seen_by_the_backend(f"theme=dark; {SESSION_COOKIE}={token}", scope_type)
    assert token.encode() not in b"".join(seen.values())
    key = session_key_from_cookie_header(seen[b"cookie"].decode())
    assert key == auth.session_key(token)
    assert b"theme=dark" in seen[b"cookie"]
    assert auth.actor_for_session_key(key).email == "ops@acme.demo"


def test_a_key_from_a_leaked_database_or_state_store_signs_nobody_in(database):
    token, _, _ = set_cookie(sign_in())
    leaked_key = auth.session_key(token)
    # Sent as the key cookie: discarded at the edge.
    seen = _headers_seen_by_the_backend(f"{SESSION_KEY_COOKIE}={leaked_key}", "websocket")
    assert session_key_from_cookie_header(seen.get(b"cookie", b"").decode()) == ""
    # Sent as the session cookie: hashed again, which matches no session.
    seen = _headers_seen_by_the_backend(f"{SESSION_COOKIE}={leaked_key}", "websocket")
    with pytest.raises(NotAuthenticated):
        auth.actor_for_session_key(session_key_from_cookie_header(seen[b"cookie"].decode()))
    # Both at once: the forged key does not win over (or beside) the hashed one.
    seen = _headers_seen_by_the_backend(f"{SESSION_KEY_COOKIE}={leaked_key}; {SESSION_COOKIE}=x", "websocket")
    assert seen[b"cookie"].decode().count(SESSION_KEY_COOKIE) == 1
    assert session_key_from_cookie_header(seen[b"cookie"].decode()) == auth.session_key("x")


def _signed_in_as(cookie: str, scope_type: str = "websocket", over_https: bool = False) -> str | None:
    """Whom the backend takes a request carrying this Cookie header for (None: nobody)."""
    seen = _headers_seen_by_the_backend(cookie, scope_type, over_https)
    key = session_key_from_cookie_header(seen.get(b"cookie", b"").decode())
    try:
        return auth.actor_for_session_key(key).email
    except NotAuthenticated:
        return None


@pytest.mark.parametrize("planted,victims,over_https", [
    (SESSION_COOKIE, SESSION_COOKIE, False),  # the same name twice: one on Path=/_event, sent first
    (SECURE_SESSION_COOKIE, SESSION_COOKIE, False),
    (SESSION_COOKIE, SECURE_SESSION_COOKIE, True),  # a sibling's Domain= cookie beside the __Host- one
    (SECURE_SESSION_COOKIE, SECURE_SESSION_COOKIE, True),
], ids=["plain-twice", "both-names-http", "both-names-https", "host-prefixed-twice"])
@pytest.mark.parametrize("scope_type", ["http", "websocket"])
def test_two_session_cookies_sign_the_request_in_as_nobody(database, planted, victims, over_https, scope_type):
    victim, attacker = set_cookie(sign_in("kim@acme.demo"))[0], set_cookie(sign_in("ops@globex.demo"))[0]
    assert _signed_in_as(f"{planted}={attacker}; {victims}={victim}", scope_type, over_https) is None
    seen = _headers_seen_by_the_backend(f"theme=dark; {planted}={attacker}; {victims}={victim}", scope_type, over_https)
    assert seen[b"cookie"] == b"theme=dark"  # the other cookies pass, the session ones do not
    assert attacker.encode() not in seen.get(b"cookie", b"") and victim.encode() not in seen.get(b"cookie", b"")


def test_over_https_a_plain_named_session_cookie_signs_nobody_in(database):
    """Over HTTPS the session is `__Host-beacon_session`, which no sibling subdomain can set; a
    plain `beacon_session` there is one it could have set (Domain=.example.com)."""
    token = set_cookie(sign_in(base_url="https://beacon"), SECURE_SESSION_COOKIE)[0]
    assert _signed_in_as(f"{SECURE_SESSION_COOKIE}={token}", over_https=True) == "ops@acme.demo"
    assert _signed_in_as(f"{SESSION_COOKIE}={token}", over_https=True) is None
