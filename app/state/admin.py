"""The admin area: publishing status and messages, and the live lists platform admins read."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from app.services import system_status
from app.services.errors import InvalidInput, ServiceError
from app.services.timeparse import parse_local_datetime
from app.state.auth import LOGIN_ROUTE, AuthState
from app.state.clock import BrowserClock
from app.state.views import assign_changed

STATUS_CHOICES = ["Active", "Maintenance", "Inactive"]
TYPE_CHOICES = ["Info", "Warning", "Error", "Success"]
# The form's fields, by the names services use for them in their error reports.
FORM_FIELDS = ("client", "status", "message", "type", "expires_at")


class AdminState(rx.State):
    messages: list[dict[str, str]] = []
    history: list[dict[str, str]] = []
    audit: list[dict[str, str]] = []
    statuses: list[dict[str, str]] = []
    users: list[dict[str, str]] = []
    clients: list[dict[str, str]] = []

    # The publish form.
    form_errors: dict[str, str] = {}
    publishing: bool = False
    published_note: str = ""
    published_count: int = 0

    # The edit dialog.
    editing_id: str = ""
    edit_message: str = ""
    edit_type: str = "Info"
    edit_expires: str = ""
    edit_errors: dict[str, str] = {}

    def _apply_view(self, view: dict[str, Any]) -> None:
        assign_changed(self, view, ("messages", "history", "audit", "statuses", "users", "clients"))

    @rx.var
    def client_choices(self) -> list[str]:
        return [system_status.ALL_CLIENTS_LABEL] + [c["name"] for c in self.clients]

    async def _admin(self):
        """The caller, if signed in; the services decide whether they may act."""
        return await (await self.get_state(AuthState))._actor()

    @rx.event
    async def publish(self, form_data: dict):
        actor = await self._admin()
        if actor is None:
            yield rx.redirect(LOGIN_ROUTE)
            return
        self.form_errors = {}
        self.published_note = ""
        self.publishing = True
        yield
        try:
            client_id = await asyncio.to_thread(
                system_status.client_id_for_scope, str(form_data.get("client", ""))
            )
            offset = (await self.get_state(BrowserClock)).utc_offset_minutes
            expires_at = parse_local_datetime(str(form_data.get("expires_at", "")), offset)
            result = await asyncio.to_thread(
                system_status.publish_system_status,
                actor,
                client_id,
                str(form_data.get("status", "")).lower(),
                str(form_data.get("message", "")),
                str(form_data.get("type", "")).lower() or "info",
                expires_at,
            )
        except InvalidInput as error:
            self.form_errors = {k: v for k, v in error.fields.items()}
            self.publishing = False
            return
        except ServiceError as error:
            self.form_errors = {"form": error.message}
            self.publishing = False
            return
        self.publishing = False
        self.published_count += 1
        scope = str(form_data.get("client", "")) or system_status.ALL_CLIENTS_LABEL
        self.published_note = f"Published {result.status} for {scope}."
        yield rx.set_value("message-input", "")
        yield rx.set_value("expires-input", "")
        yield rx.toast.success(self.published_note)

    @rx.event
    def start_edit(self, message: dict):
        self.editing_id = str(message.get("id", ""))
        self.edit_message = str(message.get("message", ""))
        self.edit_type = str(message.get("type", "info")).capitalize()
        self.edit_expires = str(message.get("expires_input", ""))
        self.edit_errors = {}

    @rx.event
    def cancel_edit(self):
        self.editing_id = ""
        self.edit_errors = {}

    @rx.event
    async def save_edit(self, form_data: dict):
        actor = await self._admin()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE)
        try:
            # The edit field shows UTC (it was filled from the stored UTC value).
            expires_at = parse_local_datetime(str(form_data.get("expires_at", "")), 0)
            await asyncio.to_thread(
                system_status.update_system_message,
                actor,
                int(self.editing_id or 0),
                str(form_data.get("message", "")),
                str(form_data.get("type", "")).lower(),
                expires_at,
            )
        except InvalidInput as error:
            self.edit_errors = dict(error.fields)
            return
        except ServiceError as error:
            self.edit_errors = {"form": error.message}
            return
        self.editing_id = ""
        self.edit_errors = {}
        return rx.toast.success("Message updated.")

    @rx.event
    async def withdraw(self, message_id: str):
        actor = await self._admin()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE)
        try:
            await asyncio.to_thread(system_status.withdraw_system_message, actor, int(message_id))
        except (ServiceError, ValueError) as error:
            return rx.toast.error(getattr(error, "message", str(error)))
        return rx.toast.success("Message withdrawn.")

    @rx.event
    async def clear_override(self, client_id: str):
        actor = await self._admin()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE)
        try:
            await asyncio.to_thread(system_status.clear_status_override, actor, int(client_id))
        except (ServiceError, ValueError) as error:
            return rx.toast.error(getattr(error, "message", str(error)))
        return rx.toast.success("The client follows the global status again.")
