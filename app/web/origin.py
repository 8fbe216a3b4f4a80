"""The edge's same-origin rule for what a browser's cookie can reach: the websocket (Reflex's
/_event, which runs as whoever its cookie names) and POST /auth/* (signing in and out).

SameSite=Strict keeps the session cookie off other sites' requests, but not off a sibling
subdomain's (blog.example.com is the same site as beacon.example.com), and a login CSRF (signing
the victim into the attacker's account) needs no cookie at all. So these requests are refused
unless the browser says they come from Beacon's own page:

- `Origin` is Beacon's page origin (app/web/request.py page_origin: BEACON_PUBLIC_ORIGIN, or the
  request's own scheme and Host). Browsers send it on every websocket handshake and every POST,
  and no page can choose it. (And `Sec-Fetch-Site`, when sent, is not cross-site: the pages
  may be on another port of the same site, as in Reflex's dev mode, never on another site.)
- Without a usable Origin (none, or "null"): `Sec-Fetch-Site` is same-origin, or none (the user
  themself). A request that says neither is refused: a browser old enough to send neither (Firefox
  sent no Origin on form posts before version 70) cannot tell us who made it, which is the
  login-CSRF hole itself. Scripts have no victim's cookie to abuse; they may send an Origin.

A refusal is a 403 with the API's JSON error body over HTTP; a websocket is closed before it is
accepted, which the server answers with a 403 to the upgrade.

Cross-origin reads (CORS) are Reflex's CORSMiddleware's, outside this edge: `cors_allowed_origins`
(rxconfig.py) is the public origin or nothing, and `refuse_open_cors` stops a start where an
environment variable put anything else there.
"""

from __future__ import annotations

import logging
import sys

from reflex import constants
from starlette.requests import HTTPConnection

from app.api.errors import error_response
from app.config import get_settings
from app.rules.origins import normalized_origin
from app.web.request import page_origin
from app.web.session import ASGIApp, Scope

log = logging.getLogger(__name__)

EVENT_PATH = str(constants.Endpoint.EVENT)  # Reflex's socket.io endpoint: websocket, or HTTP when polling
AUTH_PATH_PREFIX = "/auth/"  # app/api/auth.py: sign-in and sign-out
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")  # read-only by HTTP's rules: no cross-site harm in answering them
SAME_ORIGIN_FETCH_SITES = ("same-origin", "none")  # Sec-Fetch-Site of Beacon's own page, or of the user
CROSS_SITE = "cross-site"  # another site's page, whatever Origin says: Beacon's own never is one
POLICY_VIOLATION = 1008  # the websocket close code (RFC 6455 7.4.1) of a refused upgrade
REFUSAL_MESSAGE = "Refused: this request does not come from Beacon's own page."
LOGGED_HEADER_CHARS = 100  # a refused request's Origin in the log, cut: it is the client's text


def from_own_page(connection: HTTPConnection) -> bool:
    """The browser says the request comes from a page of Beacon's origin (see the module docstring)."""
    fetch_site = connection.headers.get("sec-fetch-site", "").strip().lower()
    if fetch_site == CROSS_SITE:
        return False
    origin = connection.headers.get("origin", "").strip()
    if origin and origin.lower() != "null":
        expected = page_origin(connection)
        return expected is not None and normalized_origin(origin) == expected
    return fetch_site in SAME_ORIGIN_FETCH_SITES


def is_guarded(scope: Scope) -> bool:
    """A request the same-origin rule applies to: any websocket, the event endpoint over HTTP, and
    every unsafe method under /auth/."""
    if scope["type"] == "websocket":
        return True
    if scope["type"] != "http":
        return False
    path = scope.get("path", "")
    if path == EVENT_PATH or path.startswith(EVENT_PATH + "/"):
        return True
    return path.startswith(AUTH_PATH_PREFIX) and scope.get("method", "GET") not in SAFE_METHODS


def refuse_foreign_origin(app: ASGIApp) -> ASGIApp:
    """ASGI middleware (Reflex's api_transformer): the websocket and POST /auth/* only from
    Beacon's own page."""

    async def middleware(scope: Scope, receive, send) -> None:
        if not is_guarded(scope):
            await app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        if from_own_page(connection):
            await app(scope, receive, send)
            return
        log.info("refused %s %s from origin %r (Sec-Fetch-Site %r)", scope["type"], scope.get("path", ""),
                 connection.headers.get("origin", "")[:LOGGED_HEADER_CHARS],
                 connection.headers.get("sec-fetch-site", "")[:LOGGED_HEADER_CHARS])
        if scope["type"] == "websocket":
            if (await receive())["type"] == "websocket.connect":
                await send({"type": "websocket.close", "code": POLICY_VIOLATION})
            return
        await error_response(403, REFUSAL_MESSAGE)(scope, receive, send)

    return middleware


# --- CORS -------------------------------------------------------------------------------------


def refuse_open_cors() -> None:
    """Exit (status 1) with one line when Reflex's `cors_allowed_origins` in force is not Beacon's
    (REFLEX_CORS_ALLOWED_ORIGINS overrides rxconfig.py; `*` would let any site read answers made
    with its visitors' cookies)."""
    from reflex.config import get_config

    in_force = list(get_config().cors_allowed_origins)
    if in_force != get_settings().cors_allowed_origins:
        print(f"beacon: refusing to start: cross-origin access is open to {in_force} (REFLEX_CORS_ALLOWED_ORIGINS?); "
              f"Beacon allows only BEACON_PUBLIC_ORIGIN ({get_settings().public_origin or 'unset: none'}): unset "
              f"REFLEX_CORS_ALLOWED_ORIGINS and set BEACON_PUBLIC_ORIGIN instead", file=sys.stderr, flush=True)
        raise SystemExit(1)
