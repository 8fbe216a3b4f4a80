"""The uptime card's scope. A substate of the pushed lists: the series it picks from, and the
clients a scope must be one of, are theirs."""

from __future__ import annotations

from typing import Any

import reflex as rx

from app.state.admin.lists import AdminListsState
from app.state.events import event
from app.state.forms import form_text
from app.views.maintenance import NO_UPTIME, UptimeSeries

ALL_SCOPES = ""  # the uptime of every client together (UptimeSeries.scope)


class UptimeState(AdminListsState):
    uptime_scope: str = ALL_SCOPES  # or a client id

    @event
    async def set_uptime_scope(self, value: Any):
        actor, refusal = await self._platform_admin()
        if actor is None:
            return refusal
        text = form_text(value)
        if text == ALL_SCOPES or text in self._client_names():
            self.uptime_scope = text
        return None

    @rx.var
    def uptime_shown(self) -> UptimeSeries:
        """The series of the scope the card shows (its bars and Active shares)."""
        scope, series = self.uptime_scope, self.uptime
        return next((u for u in series if u.scope == scope), NO_UPTIME)
