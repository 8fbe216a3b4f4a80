"""Hostile: another site's page, a sibling subdomain and a planted cookie against the running
server (`reflex run --env prod`, as `make run` serves it), made as an attacker would: raw HTTP
with forged headers, a raw websocket handshake, and the raw socket.io client
(tests/support/websocket_client.py LightClient) carrying a victim's cookie.

- The websocket (Reflex's /_event) and `POST /auth/*` are refused unless the request's Origin is
  the server's own (its Host; or BEACON_PUBLIC_ORIGIN) or, without an Origin, Sec-Fetch-Site says
  same-origin or none (app/web/origin.py). SameSite=Strict does not stop a sibling subdomain (it
  is the same site), and a header-less request is an older browser that says nothing.
- Two session cookies (the victim's and one an attacker planted, e.g. on Path=/_event from a
  sibling subdomain) sign the request in as nobody (app/web/session.py).
- No cross-origin read: no Access-Control-Allow-Origin for another origin (Reflex's default `*`
  is gone, rxconfig.py).
- Every response carries the security headers, and every page works under the CSP in Chromium
  (app/web/headers.py).
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, expect

from tests.support import websocket_client as S
from tests.support.browser import wait_until_following
from tests.support.database import use_database
from tests.support.loops import run_async
from tests.support.project import ROOT
from tests.support.server import BeaconServer
from tests.support.waiting import until_async

LINK_TIMEOUT_S = 30.0  # connect and receive the first views, on a busy 2-core machine
FOREIGN_ORIGIN = "https://evil.example"
# The server as a deployment names it, and a sibling subdomain of the same site: a browser sends
# the victim's SameSite=Strict cookie along from there (same site), with Sec-Fetch-Site: same-site.
BEACON_HOST = "beacon.example.test"
SIBLING_HOST = "blog.example.test"
VICTIM = "kim@acme.demo"
ATTACKER = "ops@globex.demo"
SESSION_COOKIE = S.SESSION_COOKIE  # over plain HTTP (localhost); over HTTPS `__Host-beacon_session`
HOST_SESSION_COOKIE = "__Host-" + SESSION_COOKIE
SIGNED_OUT_WAIT_S = 15.0  # a signed-out tab is sent to /login by its first on_load handler


def _port(server: BeaconServer) -> int:
    return urlsplit(server.url).port or 80


def _connect_link(server: BeaconServer, headers: dict[str, str], token: str = "") -> str:
    """Open a socket.io link as the raw client; what came of it: "refused" at the handshake,
    "signed in as <email>", or "signed out" (sent to /login)."""
    import socketio

    async def go() -> str:
        async with S.shared_http_session() as http:
            client = S.LightClient(url=server.url, frontend=S.read_frontend(ROOT), session_token=token, http=http,
                                   headers=headers)
            try:
                await client.connect()
            except socketio.exceptions.ConnectionError:
                return "refused"
            try:
                await until_async(lambda: client.live.is_set() or "/login" in client.redirects, LINK_TIMEOUT_S,
                                  "the link signed in or sent to /login")
                if "/login" in client.redirects:
                    return "signed out"
                return f"signed in as {client.auth.get('user_email', '')}"
            finally:
                await client.disconnect()

    return run_async(go())


def _handshake_status(server: BeaconServer, headers: dict[str, str]) -> int:
    """The HTTP status a raw websocket handshake to /_event gets (101: upgraded)."""
    import aiohttp

    url = server.url.replace("http://", "ws://") + "/_event/?EIO=4&transport=websocket"

    async def go() -> int:
        async with aiohttp.ClientSession() as http:
            try:
                async with http.ws_connect(url, headers=headers, timeout=aiohttp.ClientWSTimeout(ws_close=5)):
                    return 101
            except aiohttp.WSServerHandshakeError as refused:
                return refused.status

    return run_async(go())


# --- the websocket ---------------------------------------------------------------------------


def test_a_websocket_from_another_site_is_refused_at_the_handshake(server: BeaconServer):
    assert _handshake_status(server, {"Origin": FOREIGN_ORIGIN}) == 403


def test_another_sites_page_cannot_open_the_victims_live_link(server: BeaconServer):
    victim = server.session_token(VICTIM)
    assert _connect_link(server, {"Origin": FOREIGN_ORIGIN, "Sec-Fetch-Site": "cross-site"}, victim) == "refused"


def test_a_sibling_subdomain_cannot_open_the_victims_live_link(server: BeaconServer):
    victim = server.session_token(VICTIM)
    port = _port(server)
    sibling = {"Host": f"{BEACON_HOST}:{port}", "Origin": f"http://{SIBLING_HOST}:{port}",
               "Sec-Fetch-Site": "same-site"}
    assert _connect_link(server, sibling, victim) == "refused"


def test_a_websocket_with_no_origin_but_same_site_fetch_metadata_is_refused(server: BeaconServer):
    victim = server.session_token(VICTIM)
    assert _connect_link(server, {"Sec-Fetch-Site": "same-site"}, victim) == "refused"


def test_a_websocket_that_names_no_origin_at_all_is_refused(server: BeaconServer):
    victim = server.session_token(VICTIM)
    assert _connect_link(server, {}, victim) == "refused"


def test_the_pages_own_origin_opens_the_live_link_signed_in(server: BeaconServer):
    victim = server.session_token(VICTIM)
    assert _connect_link(server, {"Origin": server.url}, victim) == f"signed in as {VICTIM}"


# --- two session cookies ---------------------------------------------------------------------


@pytest.mark.parametrize("planted_name", [SESSION_COOKIE, HOST_SESSION_COOKIE])
def test_a_planted_second_session_cookie_signs_the_socket_in_as_nobody(server: BeaconServer, planted_name: str):
    victim, attacker = server.session_token(VICTIM), server.session_token(ATTACKER)
    # The browser sends the cookie of the longer path first: the planted one (Path=/_event).
    cookie = f"{planted_name}={attacker}; {SESSION_COOKIE}={victim}"
    assert _connect_link(server, {"Origin": server.url, "Cookie": cookie}) == "signed out"


# --- POST /auth/* ----------------------------------------------------------------------------


def _post(server: BeaconServer, path: str, headers: dict[str, str]) -> httpx.Response:
    with httpx.Client(base_url=server.url, timeout=60) as http:
        return http.post(path, data={"email": ATTACKER, "password": "beacon-demo"}, headers=headers)


def test_another_sites_form_cannot_sign_the_victim_into_the_attackers_account(server: BeaconServer):
    # An older browser: Origin, but no Sec-Fetch-Site.
    response = _post(server, "/auth/sign-in", {"Origin": FOREIGN_ORIGIN})
    assert response.status_code == 403 and "set-cookie" not in response.headers
    assert response.json()["error"]["status"] == 403


@pytest.mark.parametrize("path", ["/auth/sign-in", "/auth/sign-out"])
def test_a_same_site_post_without_origin_to_auth_is_refused(server: BeaconServer, path: str):
    response = _post(server, path, {"Sec-Fetch-Site": "same-site"})
    assert response.status_code == 403 and "set-cookie" not in response.headers


@pytest.mark.parametrize("path", ["/auth/sign-in", "/auth/sign-out"])
def test_a_post_to_auth_that_names_no_origin_at_all_is_refused(server: BeaconServer, path: str):
    response = _post(server, path, {})
    assert response.status_code == 403 and "set-cookie" not in response.headers


# --- CORS ------------------------------------------------------------------------------------


def test_a_cors_preflight_from_another_origin_gets_no_allow_origin(server: BeaconServer):
    response = httpx.options(server.url + "/api/v1/system-status", timeout=60, headers={
        "Origin": FOREIGN_ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert response.status_code == 400 and "access-control-allow-origin" not in response.headers


def test_a_cross_origin_read_with_the_victims_cookie_gets_no_allow_origin(server: BeaconServer):
    victim = server.session_token(VICTIM)
    response = httpx.get(server.url + "/api/v1/health", timeout=60,
                         headers={"Origin": FOREIGN_ORIGIN, "Cookie": f"{SESSION_COOKIE}={victim}"})
    assert "access-control-allow-origin" not in response.headers


# --- security headers ------------------------------------------------------------------------


def _assert_security_headers(headers, what: str) -> None:
    policy = headers.get("content-security-policy", "")
    for directive in ("frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "form-action 'self'"):
        assert directive in policy, (what, policy)
    script_src = re.search(r"script-src ([^;]*)", policy)
    assert script_src, (what, policy)
    assert "'self'" in script_src.group(1) and "'unsafe-inline'" not in script_src.group(1), (what, policy)
    assert headers.get("x-frame-options") == "DENY", what
    assert headers.get("referrer-policy") == "same-origin", what
    assert headers.get("x-content-type-options") == "nosniff", what
    assert "strict-transport-security" not in headers, what  # plain http: HSTS only over HTTPS


@pytest.mark.parametrize("path", ["/login", "/login.js", "/favicon.svg", "/api/v1/health", "/no-such-page"])
def test_every_response_carries_the_security_headers(server: BeaconServer, path: str):
    response = httpx.get(server.url + path, timeout=60, follow_redirects=True)
    for answer in (*response.history, response):  # /login redirects to /login/ first
        _assert_security_headers(answer.headers, f"{answer.request.url.path} ({answer.status_code})")


def test_a_page_allows_exactly_the_inline_scripts_it_holds(server: BeaconServer):
    response = httpx.get(server.url + "/login/", timeout=60)
    inline = [body for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", response.text, re.S)
              if "src=" not in attributes]
    assert inline, "the compiled page holds inline scripts"
    policy = response.headers["content-security-policy"]
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy


# --- every page in Chromium under the policy -------------------------------------------------

# Recorded in the page itself (the event fires for every violation, reported or not); Playwright's
# init script runs outside the page's CSP.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`);
});
"""
CSP_CONSOLE = re.compile(r"Content Security Policy|Refused to", re.I)
# What an injection would add: an inline script the page does not hold. It must not run.
PROBE_SCRIPT = "window.__cspProbeRan = true;"
PROBE = """(source) => new Promise((done) => {
  const before = window.__cspViolations.length;
  const script = document.createElement("script");
  script.textContent = source;
  document.body.appendChild(script);
  setTimeout(() => done({ran: window.__cspProbeRan === true, refused: window.__cspViolations.splice(before)}), 100);
})"""


def _acme_agent_id(server: BeaconServer) -> int:
    from sqlmodel import select

    from app.db import read_session
    from app.models import AIAgent, Client

    use_database(server.database_url)
    with read_session() as session:
        acme = session.exec(select(Client).where(Client.name == "Acme")).one()
        return session.exec(select(AIAgent.id).where(AIAgent.client_id == acme.id)).first()


def _settle_and_probe(page, path: str, violations: list[str]) -> None:
    """The page is up (live, unless it is /login); any violation so far is noted; then an injected
    inline script is refused by the policy in force (whatever headers a cached copy came with)."""
    if not path.startswith("/login"):
        wait_until_following(page)
    page.wait_for_load_state("networkidle")
    violations.extend(f"{path}: {v}" for v in page.evaluate("window.__cspViolations"))
    probe = page.evaluate(PROBE, PROBE_SCRIPT)
    assert probe["ran"] is False and [v.split(" ")[0] for v in probe["refused"]] == ["script-src-elem"], (path, probe)


@pytest.mark.parametrize("email,password,paths", [
    ("ops@acme.demo", "beacon-demo", ["/agents", "/agents/{agent}", "/contacts", "/approvals", "/follow-ups"]),
    ("admin@beacon.demo", "beacon-admin", ["/admin"]),
], ids=["client_admin", "platform_admin"])
def test_every_page_works_under_the_content_security_policy(browser: Browser, server: BeaconServer, email: str,
                                                            password: str, paths: list[str]):
    violations: list[str] = []
    documents: list[tuple[str, int, dict[str, str]]] = []  # every page load and redirect, as received
    context = browser.new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    probe_hash = base64.b64encode(hashlib.sha256(PROBE_SCRIPT.encode()).digest()).decode()

    def on_console(message: ConsoleMessage) -> None:
        if CSP_CONSOLE.search(message.text) and probe_hash not in message.text:
            violations.append(f"console: {message.text}")

    def on_response(response) -> None:
        if response.request.resource_type == "document":
            documents.append((response.url, response.status, response.all_headers()))

    page.on("console", on_console)
    page.on("response", on_response)
    page.goto(server.url + "/login")
    _settle_and_probe(page, "/login", violations)
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()  # the form's post (form-action 'self'), then home
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    _settle_and_probe(page, "/", violations)
    agent = _acme_agent_id(server)
    for path in (p.format(agent=agent) for p in paths):
        page.goto(server.url + path)
        _settle_and_probe(page, path, violations)
    page.get_by_role("button", name="Sign out").click()  # its cookie-clearing post runs as a server-sent script
    expect(page).to_have_url(server.url + "/login")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.wait_for_load_state("networkidle")
    violations.extend(f"after sign-out: {v}" for v in page.evaluate("window.__cspViolations"))

    assert violations == []
    # Every route's first load came from the network with the whole set (a later load of the same
    # address may be a 304, whose headers Chromium reports in place of the stored answer's).
    first_loads: dict[str, tuple[int, dict[str, str]]] = {}
    for url, status, headers in documents:
        first_loads.setdefault(url, (status, headers))
    for url, (status, headers) in first_loads.items():
        _assert_security_headers(headers, f"{url} ({status})")
    assert {urlsplit(url).path.rstrip("/") or "/" for url in first_loads} >= {"/login", "/", *(
        p.format(agent=agent) for p in paths)}
