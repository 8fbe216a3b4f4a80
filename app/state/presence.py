"""The signed-in agent's own presence: the status they choose, and their activity."""

from __future__ import annotations

import asyncio

import reflex as rx

from app.services import presence, throttle
from app.services.errors import ServiceError
from app.state.auth import LOGIN_ROUTE, AuthState

CHOICES = ["Available", "Away", "Busy", "Offline"]
# The page reports activity at most this often (a throttled event): enough for auto-away.
ACTIVITY_REPORT_MS = 30_000


class PresenceState(rx.State):
    chosen: str = ""  # "" for users who are not human agents (the control is hidden)

    async def _caller(self):
        return await (await self.get_state(AuthState))._actor()

    @rx.event
    async def load(self):
        actor = await self._caller()
        status = await asyncio.to_thread(presence.my_manual_status, actor) if actor else None
        self.chosen = status.capitalize() if status else ""

    @rx.event
    async def choose(self, value: str):
        actor = await self._caller()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE)
        try:
            await asyncio.to_thread(throttle.check_write, actor, throttle.PRESENCE)
            await asyncio.to_thread(presence.set_manual_status, actor, value)
        except ServiceError as error:
            return rx.toast.error(error.message)
        self.chosen = value.strip().capitalize()  # one of the four choices: the service checked it

    @rx.event
    async def report_activity(self):
        if not self.chosen:
            return
        actor = await self._caller()
        if actor is not None:
            await asyncio.to_thread(presence.record_activity, actor)
