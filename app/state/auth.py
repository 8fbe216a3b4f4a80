"""The signed-in user of a tab, sign-out, and the server-side check behind every other state's
handlers. Signing in is an HTTP form post (app/api/auth.py), not a websocket event."""

from __future__ import annotations

import asyncio

import reflex as rx

from app.models import ALL_CLIENTS_LABEL, Role
from app.rules.actors import Actor
from app.rules.errors import NotAuthenticated
from app.services import auth as auth_service
from app.services.auth import EMAIL_MAX_LENGTH
from app.state.events import event
from app.state.reset import forget_everything
from app.web.session import login_error_message, session_key_from_cookie_header

LOGIN_ROUTE = "/login"
HOME_ROUTE = "/"
LOGIN_EMAIL_STORAGE = "beacon-login-email"  # assets/login.js writes it
SIGN_OUT_URL = "/auth/sign-out"  # app/api/auth.py: ends the session and clears the cookie
# The HttpOnly cookie can only be cleared by an HTTP answer: the page posts the sign-out while the
# event's redirect takes it to /login (keepalive: the post completes even if the page is left).
CLEAR_COOKIE = (
    f"fetch({SIGN_OUT_URL!r}, {{method: 'POST', credentials: 'same-origin', cache: 'no-store', "
    f"keepalive: true}}).catch(() => null)"
)


def actor_or_none(session_key: str) -> Actor | None:
    """The signed-in user of a session key as the database has them now; None when signed out."""
    try:
        return auth_service.actor_for_session_key(session_key)
    except NotAuthenticated:
        return None


def refusal_for(actor: Actor | None, *, platform_admin: bool = False):
    """Where a caller goes who may not stay (None when they may): signed out, to the login page;
    signed in but not a platform admin, from the admin area to home."""
    if actor is None:
        return rx.redirect(LOGIN_ROUTE)
    if platform_admin and not actor.is_platform_admin:
        return rx.redirect(HOME_ROUTE)
    return None


class AuthState(rx.State):
    # No session token here, nor anywhere in Reflex's state: the browser keeps it in an HttpOnly
    # cookie set by POST /auth/sign-in, and the backend only ever sees its key (app/web/session.py).
    # For display only: handlers never trust these, they ask the database through _actor().
    user_name: str = ""
    user_email: str = ""
    client_name: str = ""
    role: str = ""
    login_error: str = ""  # the words for the error code /auth/sign-in sent the login page back with
    # The email typed before a refused sign-in (assets/login.js keeps it in the tab's sessionStorage).
    login_email: str = rx.SessionStorage("", name=LOGIN_EMAIL_STORAGE)
    # The session key whose user the tab's state belongs to (app/state/tab_owner.py).
    _tab_owner: str = ""

    def _session_key(self) -> str:
        """This tab's session, as the key the edge put in place of the cookie on the websocket's
        request (the headers of its connection: a page loads afresh after signing in or out)."""
        return session_key_from_cookie_header(self.router.headers.cookie)

    async def _actor(self) -> Actor | None:
        return await asyncio.to_thread(actor_or_none, self._session_key())

    def _show(self, actor: Actor) -> None:
        self.user_name = actor.name
        self.user_email = actor.email
        self.client_name = actor.client_name or ALL_CLIENTS_LABEL
        self.role = actor.role

    @rx.var
    def is_platform_admin(self) -> bool:
        return self.role == Role.PLATFORM_ADMIN

    @event
    async def require_sign_in(self):
        actor = await self._actor()
        if actor is None:
            await forget_everything(self)  # whatever ended the session, its user's data goes with it
        else:
            self._show(actor)
        return refusal_for(actor)

    @event
    async def require_platform_admin(self):
        actor = await self._actor()
        if actor is None:
            await forget_everything(self)
        else:
            self._show(actor)
        return refusal_for(actor, platform_admin=True)

    @event
    async def open_login(self):
        """/login's on_load: a signed-in tab goes home; otherwise show the error /auth/sign-in
        sent back, as a code mapped to fixed words (never text from the address)."""
        if await self._actor() is not None:
            return rx.redirect(HOME_ROUTE)
        params = self.router.url.query_parameters
        self.login_error = login_error_message(str(params.get("error", "")), str(params.get("minutes", "")),
                                               str(params.get("seconds", "")))
        if not self.login_error:
            self.login_email = ""  # offered again only right after a refusal
        elif len(self.login_email) > EMAIL_MAX_LENGTH:
            self.login_email = ""  # the page's own storage, but a script may send anything

    @event
    async def sign_out(self):
        key = self._session_key()
        await self._forget_everything()
        await asyncio.to_thread(auth_service.sign_out_session_key, key)
        # The session is over already (every tab of it is sent to /login by its live link, and this
        # tab's websocket names an ended session from now on); the post clears the cookie.
        return [rx.call_script(CLEAR_COOKIE), rx.redirect(LOGIN_ROUTE)]

    async def _forget_everything(self) -> None:
        """Nothing the signed-out user could see stays in the tab for whoever signs in next."""
        await forget_everything(self)
