"""Whatever ends a session resets the tab's states: every state Beacon defines, discovered
(every rx.State subclass of Beacon's own modules), never listed by hand, so a new state cannot
be forgotten. Sign-out, an ended session (app/state/auth.py, live.py) and a tab that connects
with another sign-in (app/state/tab_owner.py) all come here."""

from __future__ import annotations

from typing import TYPE_CHECKING

import reflex as rx

if TYPE_CHECKING:
    from reflex.state import BaseState

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
