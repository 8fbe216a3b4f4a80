"""A tab's state belongs to one sign-in.

Reflex keeps a tab's token in the browser's sessionStorage and, on every websocket connect, its
hydrate sends the tab's whole state before any on_load runs. If a session ended any way but the
Sign out button (expiry, signed out elsewhere, a password change, the user disabled or moved),
the tab would still hold that user's lists, and the next person to sign in in that tab would
receive them. So the tab records the sign-in session that owns its state (the session key of
the websocket's connection), and every event, hydrate first, is checked against it: another
session, or none, and every Beacon state is reset before anything is sent.

The states to reset are discovered (app/state/reset.py), never listed by hand: a new state
cannot be forgotten.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reflex.middleware import Middleware

from app.state.auth import AuthState
from app.state.reset import forget_everything
from app.web.session import session_key_from_cookie_header

if TYPE_CHECKING:
    from reflex.state import BaseState, StateUpdate


class TabOwner(Middleware):
    """Ahead of hydrate: a tab whose connection brings another session, or none, starts empty."""

    async def preprocess(self, app, state: BaseState, event) -> StateUpdate | None:
        key = session_key_from_cookie_header(state.router.headers.cookie)
        auth = await state.get_state(AuthState)
        if auth._tab_owner != key:
            await forget_everything(state)
            auth._tab_owner = key
        return None
