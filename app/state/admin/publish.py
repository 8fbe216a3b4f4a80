"""The publish form ("Agent Status & Messaging") and the edit dialog of the messages table, with
its Withdraw, and the statuses table's "Use global status"."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from app.models import MessageType
from app.rules.errors import ServiceError
from app.rules.timeparse import parse_local_datetime
from app.services import system_status, throttle
from app.state.admin.forms import UTC_INPUT_FORMAT
from app.state.admin.lists import AdminListsState
from app.state.clock import BrowserClock
from app.state.events import event
from app.state.forms import form_dict, form_text
from app.state.signed_in import SignedIn
from app.views.access import as_row_id, not_found

NOT_EDITING = 0  # editing_id while the edit dialog is closed (no row has id 0)


class PublishState(SignedIn, rx.State):
    # The publish form.
    form_errors: dict[str, str] = {}
    publishing: bool = False
    published_note: str = ""
    published_count: int = 0

    # The edit dialog.
    editing_id: int = NOT_EDITING
    edit_message: str = ""
    edit_type: str = "Info"
    edit_expires: str = ""  # UTC, as the datetime field shows it
    edit_errors: dict[str, str] = {}

    @event
    async def publish(self, form_data: dict):
        actor, refusal = await self._signed_in()  # the services decide whether the caller may publish
        if actor is None:
            yield refusal
            return
        self.form_errors = {}
        self.published_note = ""
        self.publishing = True
        yield
        form_data = form_dict(form_data)
        scope = form_text(form_data.get("client")).strip()
        try:
            await asyncio.to_thread(throttle.check_write, actor, throttle.PUBLISH)
            # Platform admins only, checked before the client's name is looked up.
            client_id = await asyncio.to_thread(system_status.client_id_for_scope, actor, scope, publishing=True)
            offset = (await self.get_state(BrowserClock)).utc_offset_minutes
            expires_at = parse_local_datetime(form_text(form_data.get("expires_at")), offset)
            # The service checks each field (choices, the message's length) and names what is wrong.
            result = await asyncio.to_thread(
                system_status.publish_system_status,
                actor,
                client_id,
                form_text(form_data.get("status")).lower(),
                form_text(form_data.get("message")),
                form_text(form_data.get("type")).lower() or MessageType.INFO,
                expires_at,
            )
        except ServiceError as error:
            self._show_refusal("form_errors", error)
            self.publishing = False
            return
        self.publishing = False
        self.published_count += 1
        scope = scope or system_status.ALL_CLIENTS_LABEL  # a name that resolved: a client's own
        self.published_note = f"Published {result.status} for {scope}."
        yield rx.set_value("message-input", "")
        yield rx.set_value("expires-input", "")
        yield rx.toast.success(self.published_note)

    @event
    async def start_edit(self, message_id: Any):
        """Open the edit dialog on one of the listed messages: only its id is taken from the page,
        the rest from the list the server pushed (platform admins' tabs only hold one)."""
        row = (await self.get_state(AdminListsState))._message(as_row_id(message_id))
        if row is None:
            return rx.toast.error(not_found("message").message)
        self.editing_id = row.id
        self.edit_message = row.message
        self.edit_type = row.type.capitalize()
        self.edit_expires = row.expires_at.strftime(UTC_INPUT_FORMAT) if row.expires_at else ""
        self.edit_errors = {}
        return None

    @event
    def cancel_edit(self):
        self.editing_id = NOT_EDITING
        self.edit_errors = {}

    @event
    async def save_edit(self, form_data: dict):
        form_data = form_dict(form_data)

        def update(actor, message_id: int, expires: str, message: str, kind: str):
            # The edit field shows UTC (it was filled from the stored UTC value).
            expires_at = parse_local_datetime(expires, 0)
            return system_status.update_system_message(actor, message_id, message, kind, expires_at)

        def updated(_):
            self.editing_id = NOT_EDITING
            return rx.toast.success("Message updated.")

        # An edit republishes: it counts against the publishing throttle.
        return await self._call(update, self.editing_id, form_text(form_data.get("expires_at")),
                                form_text(form_data.get("message")), form_text(form_data.get("type")).lower(),
                                limit=throttle.PUBLISH, errors="edit_errors", success=updated)

    @event
    async def withdraw(self, message_id: int):
        return await self._call(system_status.withdraw_system_message, message_id, limit=throttle.PUBLISH,
                                success="Message withdrawn.")

    @event
    async def clear_override(self, client_id: int):
        return await self._call(system_status.clear_status_override, client_id, limit=throttle.PUBLISH,
                                success="The client follows the global status again.")
