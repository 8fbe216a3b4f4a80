"""The browser's sign-in session: an HttpOnly cookie holding a random token, kept by the browser alone.

- POST /auth/sign-in (app/api/auth.py) sets the session cookie (`session_cookies` below):
  `__Host-beacon_session=<token>; HttpOnly; SameSite=Strict; Path=/; Secure` over HTTPS, plain
  `beacon_session=<token>; HttpOnly; SameSite=Strict; Path=/` over HTTP (a browser on localhost).
  Page scripts cannot read it, other sites' requests do not carry it, and the `__Host-` prefix
  makes the browser refuse that name from anything but this host over HTTPS with Path=/ and no
  Domain: a sibling subdomain cannot set or overwrite it.
- A request carrying two session cookies (the same name twice, or both names) is signed out:
  one of them was planted (a sibling subdomain's `Domain=` cookie, or one on `Path=/_event`, which
  the browser sends first) and nothing says which. Over HTTPS a plain-named one counts as a
  second and is never a sign-in by itself; this module alone holds the name rule.
- Every request reaching the backend passes through `protect_session_cookie` first, which replaces
  that cookie by `beacon_session_key=<SHA-256 of the token>` (the database's `token_hash`), and drops
  any `beacon_session_key` the client sent itself. So Reflex, which copies the websocket's request
  headers into every event's router data and stores them with the tab's state (in memory, on disk,
  or in Redis), never holds the raw token; neither does any handler nor any log of headers.
  A key is no credential: one sent as a cookie is discarded, one sent as a token is hashed again.
- State handlers find their user with `session_key_from_cookie_header(router.headers.cookie)`
  (app/state/auth.py). The websocket's headers are those of its connection, so the page loads
  afresh (a full navigation) after signing in and after signing out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import HTTPConnection

from app.web.request import served_over_https

SESSION_COOKIE = "beacon_session"  # the raw token, in the browser only: its name over plain HTTP
SECURE_SESSION_COOKIE = "__Host-" + SESSION_COOKIE  # its name over HTTPS (see the module's docstring)
SESSION_COOKIE_NAMES = (SESSION_COOKIE, SECURE_SESSION_COOKIE)
SESSION_KEY_COOKIE = "beacon_session_key"  # what the backend sees instead: the token's digest

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


def cookie_pairs(header: str) -> list[tuple[str, str]]:
    """A Cookie header's name=value pairs, in order (values as sent, no unquoting)."""
    pairs = []
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name.strip():
            pairs.append((name.strip(), value.strip()))
    return pairs


def cookie_value(header: str, name: str) -> str:
    """The first value of cookie `name` in a Cookie header ("" without one). Browsers send the
    cookie of the most specific path first."""
    for key, value in cookie_pairs(header):
        if key == name:
            return value
    return ""


def session_key_from_cookie_header(header: str) -> str:
    """The session key the edge put in place of the session cookie ("" when not signed in)."""
    return cookie_value(header or "", SESSION_KEY_COOKIE)


def session_cookie_name(over_https: bool) -> str:
    """The session cookie's name for a browser that reached us over HTTPS or not."""
    return SECURE_SESSION_COOKIE if over_https else SESSION_COOKIE


def session_token(header: str, over_https: bool) -> str:
    """The session token a Cookie header carries: its one session cookie, under the name of the
    request's transport. "" (signed out) for none, for two or more of either name, and for a
    plain-named one over HTTPS."""
    found = [(name, value) for name, value in cookie_pairs(header) if name in SESSION_COOKIE_NAMES]
    if len(found) != 1:
        return ""
    name, value = found[0]
    return value if name == session_cookie_name(over_https) else ""


def session_cookies(token: str, max_age: int, over_https: bool) -> list[str]:
    """The Set-Cookie values that hand the browser `token` for `max_age` seconds (with "" and 0:
    that take it away). Over HTTPS they also expire a plain-named cookie set before the `__Host-`
    name (or over plain HTTP), which would otherwise make two and sign the browser out."""
    attributes = ["HttpOnly", "SameSite=Strict", "Path=/", *(["Secure"] if over_https else [])]
    cookies = ["; ".join([f"{session_cookie_name(over_https)}={token}", *attributes, f"Max-Age={max_age}"])]
    if over_https:
        cookies.append("; ".join([f"{SESSION_COOKIE}=", *attributes, "Max-Age=0"]))
    return cookies


def _rewritten_cookie_header(header: str, over_https: bool) -> str:
    from app.services.auth import session_key

    token = session_token(header, over_https)
    dropped = (*SESSION_COOKIE_NAMES, SESSION_KEY_COOKIE)
    kept = [(k, v) for k, v in cookie_pairs(header) if k not in dropped]
    if token:
        kept.append((SESSION_KEY_COOKIE, session_key(token)))
    return "; ".join(f"{k}={v}" for k, v in kept)


def protect_session_cookie(app: ASGIApp) -> ASGIApp:
    """ASGI middleware (Reflex's api_transformer): the session cookie becomes its key on every
    HTTP and websocket request before anything else reads the headers."""

    async def middleware(scope: Scope, receive, send) -> None:
        if scope.get("type") in ("http", "websocket"):
            headers = list(scope.get("headers") or [])
            cookies = [value.decode("latin-1") for name, value in headers if name.lower() == b"cookie"]
            if cookies:
                joined = "; ".join(cookies)  # several Cookie fields (HTTP/2) are one list (RFC 9113 8.2.3)
                rewritten = _rewritten_cookie_header(joined, served_over_https(HTTPConnection(scope)))
                headers = [(n, v) for n, v in headers if n.lower() != b"cookie"]
                if rewritten:
                    headers.append((b"cookie", rewritten.encode("latin-1")))
                scope = {**scope, "headers": headers}
        await app(scope, receive, send)

    return middleware


# --- what the login page may say --------------------------------------------------------------
# The sign-in endpoint sends the login page one of these codes (and, when locked, whole minutes);
# the page shows the matching words. No text travels in the address: a link cannot make the
# page say anything else.

WRONG = "wrong"
LOCKED = "locked"
DELAYED = "delayed"  # the account's growing delay (app/services/signin_throttle.py): whole seconds
REFUSED = "refused"
INVALID = "invalid"
DEMO_PASSWORD = "demo"  # a demo account's published password, from anywhere but a browser on the server
MAX_LOCKED_MINUTES = 24 * 60  # a claimed lockout longer than a day is not one we set
MAX_DELAY_SECONDS_SHOWN = 10 * 60  # a claimed delay longer than this is not one we set


TRY_LATER = "Too many attempts, try again later"  # a lock or delay whose length the address does not say


def _whole_up_to(text: str, most: int) -> int | None:
    """A whole number from the address between 1 and `most`; None for anything else."""
    try:
        whole = int(text)
    except ValueError:
        return None
    return whole if 1 <= whole <= most else None


def login_error_message(code: str, minutes: str = "", seconds: str = "") -> str:
    from app.services.auth import SIGN_IN_REFUSED
    from app.services.signin_throttle import lockout_message

    if code == WRONG:
        return SIGN_IN_REFUSED
    if code == LOCKED:
        whole = _whole_up_to(minutes, MAX_LOCKED_MINUTES)
        return lockout_message(whole * 60) if whole else TRY_LATER
    if code == DELAYED:
        from app.services.signin_throttle import delay_message

        whole = _whole_up_to(seconds, MAX_DELAY_SECONDS_SHOWN)
        return delay_message(whole) if whole else TRY_LATER
    if code == REFUSED:
        return "This account cannot sign in. Ask a platform admin."
    if code == INVALID:
        return "Enter your email and password."
    if code == DEMO_PASSWORD:
        from app.services.auth import DEMO_PASSWORD_REFUSED

        return DEMO_PASSWORD_REFUSED
    return ""
