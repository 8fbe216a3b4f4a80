"""The signed-in agent's own presence: the status they choose, and their activity."""

from __future__ import annotations

import asyncio

import reflex as rx

from app.services import presence, throttle
from app.state.auth import AuthState
from app.state.events import event
from app.state.signed_in import SignedIn

CHOICES = ["Available", "Away", "Busy", "Offline"]
# The page reports activity at most this often (a throttled event): enough for auto-away.
ACTIVITY_REPORT_MS = 30_000


class PresenceState(SignedIn, rx.State):
    chosen: str = ""  # "" for users who are not human agents (the control is hidden)

    @event
    async def load(self):
        actor = await self._caller()
        status = await asyncio.to_thread(presence.my_manual_status, actor) if actor else None
        self.chosen = status.capitalize() if status else ""

    @event
    async def choose(self, value: str):
        def chosen(_):
            self.chosen = value.strip().capitalize()  # one of the four choices: the service checked it

        return await self._call(presence.set_manual_status, value, limit=throttle.PRESENCE, success=chosen)

    @event
    async def report_activity(self):
        # Limited on the server, whatever the page's own throttle: one report per sign-in session
        # per ACTIVITY_REPORT_MIN_SECONDS passes, before any query; then the write throttle.
        if not self.chosen:
            return
        key = (await self.get_state(AuthState))._session_key()
        if not key or not presence.activity_report_due(key):
            return
        return await self._call(presence.record_activity, limit=throttle.ACTIVITY)
