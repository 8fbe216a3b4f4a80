"""POST /auth/sign-in and /auth/sign-out: the browser's sign-in, over plain HTTP.

The session cookie is set and cleared here, by the server, so it can be HttpOnly (no page script
reads it), SameSite=Strict (no other site's request carries it) and, over HTTPS, Secure and
`__Host-` named (app/web/session.py session_cookies). Both answer 303 (the browser then loads the
next page afresh, and that page's websocket carries the new cookie). A failed sign-in goes back to
/login with a short code, never text (app/web/session.py login_error_message). See
app/web/session.py for how the backend sees the cookie (as its key only). A post from any page
but Beacon's own never reaches these: the edge refuses it (app/web/origin.py).
"""

from __future__ import annotations

import asyncio
import functools
import re
import secrets
from urllib.parse import parse_qs, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from app.config import get_settings
from app.rules.addresses import parse_address
from app.rules.errors import InvalidInput, NotAuthenticated
from app.services import auth as auth_service
from app.services.auth import SIGN_IN_REFUSED, DemoPasswordRefused
from app.services.signin_throttle import SignInDelayed, TooManyAttempts, minutes_left, seconds_left
from app.web.request import is_trusted_proxy, served_over_https
from app.web.request import peer as _peer
from app.web.session import (
    DELAYED,
    DEMO_PASSWORD,
    INVALID,
    LOCKED,
    REFUSED,
    SESSION_KEY_COOKIE,
    WRONG,
    session_cookies,
)

LOGIN_ROUTE = "/login"
HOME_ROUTE = "/"
DEVICE_COOKIE = "beacon_device"  # OWASP's device cookie: a browser that signed in here before
DEVICE_COOKIE_SECONDS = 30 * 24 * 3600  # as long as the throttle remembers it
_DEVICE_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
MAX_FORM_BYTES = 4096  # an email (<= 254) and a password: anything bigger is not a sign-in


def client_address(request: Request) -> str:
    """The TCP peer; X-Forwarded-For only when that peer is a trusted proxy (BEACON_TRUSTED_PROXIES),
    read from the right past every trusted proxy: the first address no trusted proxy owns is the
    client (entries to its left were written by the client itself and could be anything). A
    client cannot pick its own address to escape the per-address throttle, and
    REFLEX_TRUSTED_PROXY_HOPS alone makes no peer trusted."""
    peer = _peer(request)
    if not is_trusted_proxy(peer):
        return peer
    hops = [v.strip() for v in request.headers.get("x-forwarded-for", "").split(",") if v.strip()]
    for entry in reversed(hops):
        ip = parse_address(entry)
        if ip is None:  # garbage where a proxy should have written an address: stop at the proxy
            return peer
        if not is_trusted_proxy(str(ip)):
            return str(ip)
    return str(parse_address(hops[0])) if hops else peer


# Headers a reverse proxy writes about the client it relays (RFC 7239's Forwarded, the de-facto
# X-Forwarded-* family, nginx's usual X-Real-IP, Via). Any of them means the request may come from
# anywhere the proxy listens, whatever BEACON_TRUSTED_PROXIES says: no demo password then.
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "via")


def from_local_browser(request: Request) -> bool:
    """The request's TCP peer is this machine and no proxy says it relayed it: a browser here."""
    from app.setup.startup_guard import is_loopback

    peer = _peer(request)
    if not peer or not is_loopback(peer):
        return False
    return not any(request.headers.get(name) is not None for name in PROXY_HEADERS)


def _set_session_cookie(response: Response, request: Request, token: str, max_age: int) -> None:
    for cookie in session_cookies(token, max_age, served_over_https(request)):
        response.headers.append("Set-Cookie", cookie)


def _see_other(path: str) -> Response:
    return RedirectResponse(path, status_code=303, headers={"Cache-Control": "no-store"})


def _back_to_login(code: str, **extra: str) -> Response:
    return _see_other(f"{LOGIN_ROUTE}?{urlencode({'error': code, **extra})}")


async def _form(request: Request) -> dict[str, str] | None:
    """The urlencoded form, or None when it is too big or not a form."""
    if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        return None
    return {name: values[0] for name, values in fields.items()}


async def sign_in(request: Request) -> Response:
    form = await _form(request)
    if form is None or not form.get("email") or not form.get("password"):
        return _back_to_login(INVALID)
    # protect_session_cookie (app/web/session.py) has put the key of the session this browser held
    # until now in place of its cookie: a successful sign-in ends that session.
    previous = request.cookies.get(SESSION_KEY_COOKIE, "")
    device = request.cookies.get(DEVICE_COOKIE, "")
    if not _DEVICE_TOKEN.match(device):
        device = secrets.token_urlsafe(24)  # a new browser: remembered only if this sign-in succeeds
    try:
        token, _actor = await asyncio.to_thread(
            functools.partial(auth_service.sign_in, form["email"], form["password"], client_address(request),
                              previous, from_local_browser=from_local_browser(request), device=device))
    except SignInDelayed as delayed:
        return _back_to_login(DELAYED, seconds=str(seconds_left(delayed.retry_after_seconds)))
    except TooManyAttempts as locked:
        return _back_to_login(LOCKED, minutes=str(minutes_left(locked.retry_after_seconds)))
    except DemoPasswordRefused:
        return _back_to_login(DEMO_PASSWORD)
    except NotAuthenticated as refused:
        return _back_to_login(WRONG if refused.message == SIGN_IN_REFUSED else REFUSED)
    except InvalidInput:  # an email or password holding NUL or another control character
        return _back_to_login(INVALID)
    response = _see_other(HOME_ROUTE)
    _set_session_cookie(response, request, token, get_settings().session_hours * 3600)
    response.headers.append("Set-Cookie", _device_cookie(request, device))
    return response


def _device_cookie(request: Request, device: str) -> str:
    """Sent only to the sign-in (Path=/auth), never readable by a page script."""
    attributes = [f"{DEVICE_COOKIE}={device}", "HttpOnly", "SameSite=Strict", "Path=/auth",
                  f"Max-Age={DEVICE_COOKIE_SECONDS}"]
    if served_over_https(request):
        attributes.append("Secure")
    return "; ".join(attributes)


async def sign_out(request: Request) -> Response:
    # protect_session_cookie (app/web/session.py) has put the session's key in place of the token.
    key = request.cookies.get(SESSION_KEY_COOKIE, "")
    await asyncio.to_thread(auth_service.sign_out_session_key, key)
    response = _see_other(LOGIN_ROUTE)
    _set_session_cookie(response, request, "", 0)
    return response
