"""The "Scheduled maintenance" card: schedule a window, and extend or cancel a listed one."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from app.rules.errors import ServiceError
from app.rules.timeparse import parse_local_datetime, parse_span
from app.services import maintenance, system_status, throttle
from app.state.admin.forms import UTC_INPUT_FORMAT
from app.state.admin.lists import AdminListsState
from app.state.clock import BrowserClock
from app.state.events import event
from app.state.forms import form_dict, form_text
from app.state.signed_in import SignedIn
from app.views.access import as_row_id, not_found

NOT_EXTENDING = 0  # extending_id while the Extend dialog is closed (no window has id 0)


class ScheduledMaintenanceState(SignedIn, rx.State):
    # The card's form.
    schedule_errors: dict[str, str] = {}
    schedule_note: str = ""
    schedule_count: int = 0

    # The Extend dialog.
    extending_id: int = NOT_EXTENDING
    extend_ends: str = ""  # UTC, as the datetime field shows it
    extend_errors: dict[str, str] = {}

    @event
    async def schedule(self, form_data: dict):
        """Times are the browser's local time, like "Expires at"."""
        actor, refusal = await self._signed_in()
        if actor is None:
            yield refusal
            return
        self.schedule_errors = {}
        self.schedule_note = ""
        form_data = form_dict(form_data)
        scope = form_text(form_data.get("client")).strip()
        try:
            await asyncio.to_thread(throttle.check_write, actor, throttle.PUBLISH)
            client_id = await asyncio.to_thread(system_status.client_id_for_scope, actor, scope, publishing=True)
            offset = (await self.get_state(BrowserClock)).utc_offset_minutes
            span = parse_span(form_text(form_data.get("starts_at")), form_text(form_data.get("ends_at")),
                              utc_offset_minutes=offset)
            row = await asyncio.to_thread(maintenance.schedule_window, actor, client_id, span.starts_at,
                                          span.ends_at, form_text(form_data.get("message")))
        except ServiceError as error:
            self._show_refusal("schedule_errors", error)
            return
        self.schedule_count += 1
        self.schedule_note = f"Scheduled maintenance #{row.id} for {row.client}."
        yield rx.set_value("window-message-input", "")
        yield rx.toast.success(self.schedule_note)

    @event
    async def start_extend(self, window_id: Any):
        """Only the id comes from the page, the rest from the pushed list."""
        actor, refusal = await self._platform_admin()
        if actor is None:
            return refusal
        row = (await self.get_state(AdminListsState))._window(as_row_id(window_id))
        if row is None:
            return rx.toast.error(not_found("maintenance window").message)
        self.extending_id = row.id
        self.extend_ends = row.ends_at.strftime(UTC_INPUT_FORMAT)
        self.extend_errors = {}
        return None

    @event
    def close_extend(self):
        self.extending_id = NOT_EXTENDING
        self.extend_errors = {}

    @event
    async def save_extend(self, form_data: dict):
        form_data = form_dict(form_data)

        def extend(actor, window_id: int, ends: str):
            # The field shows UTC (it was filled from the stored UTC end).
            return maintenance.extend_window(actor, window_id, parse_local_datetime(ends, 0, field="ends_at"))

        def extended(row):
            self.extending_id = NOT_EXTENDING
            return rx.toast.success(f"Maintenance #{row.id} now ends {row.ends_at:%Y-%m-%d %H:%M:%S} UTC.")

        return await self._call(extend, self.extending_id, form_text(form_data.get("ends_at")),
                                limit=throttle.PUBLISH, errors="extend_errors", success=extended)

    @event
    async def cancel_window(self, window_id: Any):
        return await self._call(maintenance.cancel_window, window_id, limit=throttle.PUBLISH,
                                success=lambda row: rx.toast.success(f"Maintenance #{row.id} cancelled."))
