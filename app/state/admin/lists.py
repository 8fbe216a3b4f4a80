"""The admin lists pushed by the change feed: one shared view for every platform admin's pages
(app/views/admin.py AdminView), applied field by field onto vars of the same names."""

from __future__ import annotations

from dataclasses import fields

import reflex as rx

from app.services import system_status
from app.state.signed_in import SignedIn
from app.views.admin import AdminMessageRow, AdminUserRow, AdminView, ClientRow
from app.views.maintenance import MessageStat, UptimeSeries, WindowRow
from app.views.status import StatusRow


class AdminListsState(SignedIn, rx.State):
    """Holds no event of its own: the live link applies the view, and the other admin states read
    the lists (a listed row by id, the clients a form may name) through `get_state`."""

    messages: list[AdminMessageRow] = []
    statuses: list[StatusRow] = []
    users: list[AdminUserRow] = []
    clients: list[ClientRow] = []
    windows: list[WindowRow] = []
    uptime: list[UptimeSeries] = []
    message_stats: list[MessageStat] = []

    def _apply_view(self, view: AdminView) -> None:
        """Set each var whose value changed, so an unchanged list is not resent."""
        for field in fields(view):
            value = getattr(view, field.name)
            if getattr(self, field.name) != value:
                setattr(self, field.name, value)

    @rx.var
    def client_choices(self) -> list[str]:
        return [system_status.ALL_CLIENTS_LABEL] + [c.name for c in self.clients]

    def _message(self, message_id: int | None) -> AdminMessageRow | None:
        return next((m for m in self.messages if m.id == message_id), None)

    def _window(self, window_id: int | None) -> WindowRow | None:
        return next((w for w in self.windows if w.id == window_id), None)

    def _client_names(self) -> dict[str, str]:
        """The listed clients' names by id, as the page's controls send ids (text)."""
        return {str(c.id): c.name for c in self.clients}
