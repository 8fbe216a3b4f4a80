"""A tab's state belongs to one sign-in.

Reflex keeps a tab's token in the browser's sessionStorage and, on every websocket connect, its
hydrate sends the tab's whole state before any on_load runs. If a session ended any way but the
Sign out button (expiry, signed out elsewhere, a password change, the user disabled or moved),
the tab would still hold that user's lists, and the next person to sign in in that tab would
receive them. So the tab records the sign-in session that owns its state (the session key of
the websocket's connection), and every event, hydrate first, is checked against it: another
session, or none, and every Beacon state is reset before anything is sent.

The states to reset are discovered (every rx.State subclass of Beacon's own modules), never
listed by hand: a new state cannot be forgotten.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import reflex as rx
from reflex.middleware import Middleware

from app.web_session import session_key_from_cookie_header

if TYPE_CHECKING:
    from reflex.state import BaseState, StateUpdate

BEACON_MODULES = "app."  # the states Beacon defines live under the `app` package


def beacon_states() -> list[type[BaseState]]:
    """Every state class Beacon defines, nested ones included (discovered from Reflex's tree)."""
    found: list[type[BaseState]] = []

    def walk(cls: type[BaseState]) -> None:
        for sub in sorted(cls.get_substates(), key=lambda s: s.get_full_name()):
            if sub.__module__.startswith(BEACON_MODULES):
                found.append(sub)
            walk(sub)

    walk(rx.State)
    return found


async def forget_everything(state: BaseState) -> None:
    """Reset every Beacon state of `state`'s tab: nothing of the user who was signed in stays."""
    for cls in beacon_states():
        (await state.get_state(cls)).reset()


class TabOwner(Middleware):
    """Ahead of hydrate: a tab whose connection brings another session, or none, starts empty."""

    async def preprocess(self, app, state: BaseState, event) -> StateUpdate | None:
        from app.state.auth import AuthState

        key = session_key_from_cookie_header(state.router.headers.cookie)
        auth = await state.get_state(AuthState)
        if auth._tab_owner != key:
            await forget_everything(state)
            auth._tab_owner = key
        return None
