"""Sign-in, sign-out and the server-side check behind every other state's handlers."""

from __future__ import annotations

import asyncio

import reflex as rx

from app.services import auth as auth_service
from app.services.actors import Actor
from app.services.errors import NotAuthenticated
from app.services.signin_throttle import TooManyAttempts

SESSION_COOKIE = "beacon_session"
SESSION_COOKIE_MAX_AGE_SECONDS = 7 * 24 * 3600  # the server ends sessions sooner (BEACON_SESSION_HOURS)
LOGIN_ROUTE = "/login"
HOME_ROUTE = "/"


class AuthState(rx.State):
    # An opaque token; the session itself (user, expiry, end) lives in the database.
    session_token: str = rx.Cookie(
        "", name=SESSION_COOKIE, same_site="strict", max_age=SESSION_COOKIE_MAX_AGE_SECONDS
    )
    # For display only: handlers never trust these, they ask the database through _actor().
    user_name: str = ""
    user_email: str = ""
    client_name: str = ""
    role: str = ""
    login_error: str = ""
    signing_in: bool = False

    async def _actor(self) -> Actor | None:
        try:
            return await asyncio.to_thread(auth_service.actor_for_session, self.session_token)
        except NotAuthenticated:
            return None

    def _client_address(self) -> str:
        """The websocket peer's address, as Reflex resolved it when the socket connected: the
        TCP peer, or X-Forwarded-For only through REFLEX_TRUSTED_PROXY_HOPS trusted proxies (a
        client cannot pick its own address to escape the per-address throttle)."""
        return self.router.session.client_ip or ""

    def _show(self, actor: Actor) -> None:
        self.user_name = actor.name
        self.user_email = actor.email
        self.client_name = actor.client_name or "All Clients"
        self.role = actor.role

    @rx.var
    def is_platform_admin(self) -> bool:
        return self.role == "platform_admin"

    @rx.event
    async def require_sign_in(self):
        actor = await self._actor()
        if actor is None:
            self.role = ""
            return rx.redirect(LOGIN_ROUTE)
        self._show(actor)

    @rx.event
    async def require_platform_admin(self):
        actor = await self._actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE)
        self._show(actor)
        if not actor.is_platform_admin:
            return rx.redirect(HOME_ROUTE)

    @rx.event
    async def redirect_if_signed_in(self):
        if await self._actor() is not None:
            return rx.redirect(HOME_ROUTE)

    @rx.event
    async def sign_in(self, form_data: dict):
        self.login_error = ""
        self.signing_in = True
        yield
        try:
            token, actor = await asyncio.to_thread(
                auth_service.sign_in, str(form_data.get("email", "")), str(form_data.get("password", "")),
                self._client_address(),
            )
        except (NotAuthenticated, TooManyAttempts) as error:
            self.login_error = error.message
            self.signing_in = False
            return
        self.session_token = token
        self._show(actor)
        self.signing_in = False
        yield rx.redirect(HOME_ROUTE)

    @rx.event
    async def sign_out(self):
        token = self.session_token
        await self._forget_everything()
        await asyncio.to_thread(auth_service.sign_out, token)
        return rx.redirect(LOGIN_ROUTE)

    async def _forget_everything(self) -> None:
        """Nothing the signed-out user could see stays in the tab for whoever signs in next."""
        from app.state.admin import AdminState
        from app.state.contacts import ContactsState
        from app.state.live import LiveLinkState
        from app.state.presence import PresenceState
        from app.state.system import SystemState
        from app.state.work import WorkState
        from app.state.workforce import WorkforceState

        for state in (AdminState, ContactsState, LiveLinkState, PresenceState, SystemState, WorkState,
                      WorkforceState):
            (await self.get_state(state)).reset()
        self.reset()
        self.session_token = ""
