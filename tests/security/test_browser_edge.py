"""Hostile: the browser edge (app/web/edge.py) over HTTP, as the server's own chain serves the API:
the same-origin rule for POST /auth/* behind a proxy and with BEACON_PUBLIC_ORIGIN, the security
headers over HTTP and HTTPS (HSTS believed only from a trusted proxy), the page policy's hashes
computed from the page as served (gzip, a file the server sends itself, a 304), and a start that
would reopen cross-origin access refused. The same attacks against the running server, websocket
and Chromium included, are tests/e2e/test_browser_hardening.py's.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from starlette.responses import FileResponse, HTMLResponse, Response

from app.api.routes import api
from app.config import reset_settings_cache
from app.web.edge import browser_edge
from app.web.headers import HSTS_SECONDS
from tests.support.loops import run_async
from tests.support.project import ROOT

APP = browser_edge(api)  # as app/app.py serves it (Reflex's backend sits beneath `api`)
PROXY = ("10.0.0.2", 40000)  # a reverse proxy in front, on the private network
PUBLIC_ORIGIN = "https://beacon.example.com"
FORM = {"email": "ops@acme.demo", "password": "beacon-demo"}
PAGE = ('<!DOCTYPE html><html><head><script src="/a.js"></script><script>window.boot = 1;</script></head>'
        '<body><script type="module">import "/b.js";</script><script>window.boot = 1;</script></body></html>')
PAGE_SCRIPTS = ("window.boot = 1;", 'import "/b.js";')  # the inline ones, each allowed once


def request(method: str, path: str, app=APP, base_url: str = "http://127.0.0.1:3000", peer=("127.0.0.1", 50000),
            **kwargs) -> httpx.Response:
    async def go():
        transport = httpx.ASGITransport(app=app, client=peer)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            return await client.request(method, path, **kwargs)

    return run_async(go())


@pytest.fixture
def behind_a_proxy(monkeypatch):
    """A proxy on 10.0.0.2 that passes Host on as its own upstream's (127.0.0.1:3000), as nginx's
    default `proxy_pass` does: only BEACON_PUBLIC_ORIGIN names the browser's origin."""
    monkeypatch.setenv("BEACON_TRUSTED_PROXIES", "10.0.0.0/24")
    monkeypatch.setenv("BEACON_PUBLIC_ORIGIN", PUBLIC_ORIGIN)
    reset_settings_cache()
    yield
    monkeypatch.delenv("BEACON_TRUSTED_PROXIES")
    monkeypatch.delenv("BEACON_PUBLIC_ORIGIN")
    reset_settings_cache()


def _csp(response: httpx.Response) -> str:
    return response.headers.get("content-security-policy", "")


def _hash(script: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"


# --- the same-origin rule, behind a proxy ----------------------------------------------------


def test_behind_a_proxy_the_public_origins_page_signs_in(database, behind_a_proxy):
    from app.services.users import change_password

    change_password(None, "ops@acme.demo", "an-own-long-password")  # demo passwords stay on loopback
    response = request("POST", "/auth/sign-in", peer=PROXY, data={**FORM, "password": "an-own-long-password"},
                       headers={"Origin": PUBLIC_ORIGIN, "X-Forwarded-Proto": "https",
                                "X-Forwarded-For": "198.51.100.7"})
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert response.headers["set-cookie"].startswith("__Host-beacon_session=")


def test_behind_a_proxy_a_page_of_the_address_the_proxy_dials_is_refused(database, behind_a_proxy):
    """With BEACON_PUBLIC_ORIGIN set, it is the one origin: the Host the proxy passes is not."""
    response = request("POST", "/auth/sign-in", peer=PROXY, data=FORM, headers={"Origin": "http://127.0.0.1:3000"})
    assert response.status_code == 403 and "set-cookie" not in response.headers


def test_an_origin_of_null_counts_as_none(database):
    """A sandboxed frame or a privacy setting sends `Origin: null`: only Sec-Fetch-Site can then vouch."""
    refused = request("POST", "/auth/sign-in", data=FORM, headers={"Origin": "null"})
    assert refused.status_code == 403
    vouched = request("POST", "/auth/sign-in", data=FORM, headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"})
    assert vouched.status_code == 303 and vouched.headers["location"] == "/"


def test_a_cross_site_fetch_is_refused_whatever_its_origin_says(database):
    response = request("POST", "/auth/sign-in", data=FORM,
                       headers={"Origin": "http://127.0.0.1:3000", "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403


def test_a_refusal_is_json_and_carries_the_security_headers(database):
    response = request("POST", "/auth/sign-in", data=FORM, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert response.json()["error"]["status"] == 403
    assert response.headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in _csp(response)


# --- security headers ------------------------------------------------------------------------


def test_an_api_answer_carries_the_security_headers_and_no_hsts_over_http(database):
    response = request("GET", "/api/v1/system-status")  # 401: no token
    assert response.status_code == 401
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "object-src 'none'" in _csp(response)
    assert "strict-transport-security" not in response.headers


def test_over_https_answers_carry_hsts(database):
    response = request("GET", "/api/v1/health", base_url="https://beacon.example.com")
    assert response.headers["strict-transport-security"] == f"max-age={HSTS_SECONDS}"


def test_https_said_by_a_trusted_proxy_brings_hsts_and_by_anyone_else_not(database, behind_a_proxy):
    forwarded = {"X-Forwarded-Proto": "https"}
    assert "strict-transport-security" in request("GET", "/api/v1/health", peer=PROXY, headers=forwarded).headers
    from_anyone = request("GET", "/api/v1/health", peer=("203.0.113.9", 40000), headers=forwarded)
    assert "strict-transport-security" not in from_anyone.headers


def test_the_websocket_the_policy_allows_is_the_page_origins(database, behind_a_proxy):
    assert "connect-src 'self' wss://beacon.example.com;" in _csp(request("GET", "/api/v1/health", peer=PROXY))


# --- the page's policy: its own inline scripts, by hash --------------------------------------


def _serving(response: Response):
    async def app(scope, receive, send):
        await response(scope, receive, send)

    return browser_edge(app)


def test_a_page_allows_its_own_inline_scripts_and_nothing_else_inline():
    policy = _csp(request("GET", "/", app=_serving(HTMLResponse(PAGE))))
    script_src = policy.split("script-src ", 1)[1].split(";", 1)[0].split()
    assert script_src == ["'self'", "'unsafe-eval'", *map(_hash, PAGE_SCRIPTS)]


def test_a_precompressed_page_is_hashed_as_the_browser_reads_it():
    compressed = HTMLResponse(gzip.compress(PAGE.encode()), headers={"Content-Encoding": "gzip"})
    policy = _csp(request("GET", "/", app=_serving(compressed)))
    assert all(_hash(script) in policy for script in PAGE_SCRIPTS)


def test_a_page_the_server_sends_from_its_file_is_hashed_too(tmp_path):
    """Starlette asks the server to send a file itself (ASGI's pathsend) when the server offers it,
    as granian does: the edge reads that file instead."""
    page = tmp_path / "index.html"
    page.write_text(PAGE)
    edge = browser_edge(FileResponse(page, media_type="text/html"))

    async def server(scope, receive, send):
        async def send_files(message):  # what granian does with a pathsend that reaches it
            if message["type"] == "http.response.pathsend":
                await send({"type": "http.response.body", "body": Path(message["path"]).read_bytes()})
            else:
                await send(message)

        offered = {**scope, "extensions": {**scope.get("extensions", {}), "http.response.pathsend": {}}}
        await edge(offered, receive, send_files)

    response = request("GET", "/", app=server)
    assert response.text == PAGE
    assert all(_hash(script) in _csp(response) for script in PAGE_SCRIPTS)


def test_a_304_keeps_the_policy_the_browser_stored_with_the_page():
    """Its headers would replace the stored ones: a 304 carries no policy, the other headers yes."""
    response = request("GET", "/", app=_serving(Response(status_code=304)))
    assert response.status_code == 304 and "content-security-policy" not in response.headers
    assert response.headers["x-frame-options"] == "DENY"


def test_an_answer_that_is_not_a_page_allows_no_inline_script():
    policy = _csp(request("GET", "/", app=_serving(Response(PAGE, media_type="text/plain"))))
    assert "sha256-" not in policy and "'unsafe-inline'" not in policy.split("style-src", 1)[0]


# --- CORS at start ---------------------------------------------------------------------------


def _start_check(**env: str) -> subprocess.CompletedProcess:
    import os

    environment = {k: v for k, v in os.environ.items()
                   if k not in ("REFLEX_CORS_ALLOWED_ORIGINS", "BEACON_PUBLIC_ORIGIN")}
    return subprocess.run([sys.executable, "-c", "from app.web.origin import refuse_open_cors; refuse_open_cors()"],
                          cwd=ROOT, env={**environment, **env}, capture_output=True, text=True, timeout=120)


def test_a_start_that_would_let_every_origin_read_is_refused_in_one_line():
    refused = _start_check(REFLEX_CORS_ALLOWED_ORIGINS="*")
    assert refused.returncode == 1
    assert refused.stderr.strip().count("\n") == 0 and "BEACON_PUBLIC_ORIGIN" in refused.stderr


def test_the_public_origin_is_the_one_cors_allows():
    assert _start_check(BEACON_PUBLIC_ORIGIN=PUBLIC_ORIGIN).returncode == 0
    from reflex.config import get_config

    assert list(get_config().cors_allowed_origins) == []  # this test run's: no public origin, no CORS
