"""The admin area: publishing status and messages, and the live lists platform admins read.

The audit log and the status history are windows (views/audit.py): their filters and offsets
live here and in the tab's subscription, so the feed re-reads them when new audit rows could
move them. Every filter or page change is checked on the server: platform admins only.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Hashable
from datetime import date
from typing import Any

import reflex as rx

from app.feed.guard import UNREADABLE
from app.models import MessageType
from app.rules.actors import Actor
from app.rules.errors import InvalidInput, ServiceError
from app.rules.text import text_problem
from app.rules.timeparse import parse_local_datetime
from app.services import maintenance, system_status, throttle
from app.services import tokens as token_service
from app.state.clock import BrowserClock
from app.state.events import event
from app.state.signed_in import SignedIn
from app.state.views import assign_changed
from app.state.windows import hold_and_read, unreadable_notice
from app.views.access import as_row_id, not_found
from app.views.audit import (
    ACTOR_MAX_LENGTH,
    ANY_CLIENT,
    AUDIT_ACTIONS,
    AUDIT_PAGE_SIZE,
    HISTORY_PAGE_SIZE,
    AuditPage,
    AuditRow,
    AuditWindow,
    HistoryPage,
    HistoryRow,
    StatusHistoryWindow,
    valid_client_filter,
)
from app.views.maintenance import NO_UPTIME, MessageStat, UptimeSeries
from app.views.paging import PagePosition, page_position
from app.views.windows import AUDIT_WINDOW, STATUS_HISTORY_WINDOW

STATUS_CHOICES = ["Active", "Maintenance", "Inactive"]
TYPE_CHOICES = ["Info", "Warning", "Error", "Success"]
# The form's fields, by the names services use for them in their error reports.
FORM_FIELDS = ("client", "status", "message", "type", "expires_at")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # what a date field sends: YYYY-MM-DD, or nothing
DATE_ERROR = "Enter a date like 2026-11-22."
ACTION_ERROR = "Choose one of the listed actions."
AUDIT_FILTERS = ("action", "actor", "client", "since", "until")  # the audit card's controls, by field
CLIENT_ERROR = "Choose one of the listed clients."
BULK_CLIENT_PREFIX = "bulk_client_"  # the bulk card's checkboxes: bulk_client_<client id>


def _text(value: Any) -> str:
    """A form field as a page sent it: anything but text is empty (services check lengths)."""
    return value if isinstance(value, str) else ""


def _day(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


class AdminState(SignedIn, rx.State):
    messages: list[dict[str, str]] = []
    statuses: list[dict[str, str]] = []
    users: list[dict[str, str]] = []
    clients: list[dict[str, str]] = []
    windows: list[dict[str, str]] = []  # maintenance windows, newest first
    uptime: list[UptimeSeries] = []  # all clients, then each client: 90 daily bars and shares
    message_stats: list[MessageStat] = []

    # The "Scheduled maintenance" card, and its Extend dialog.
    schedule_errors: dict[str, str] = {}
    schedule_note: str = ""
    schedule_count: int = 0
    extending_id: str = ""
    extend_ends: str = ""
    extend_errors: dict[str, str] = {}

    # The bulk publish card.
    bulk_errors: dict[str, str] = {}
    bulk_note: str = ""
    bulk_count: int = 0

    # The uptime card's scope: "" (all clients) or a client id.
    uptime_scope: str = ""

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

    # The audit log window: its filters as applied (valid values only), and what it shows.
    audit_action: str = ""
    audit_actor: str = ""
    audit_client: str = ANY_CLIENT
    audit_since: str = ""  # an ISO date, or ""
    audit_until: str = ""
    audit_offset: int = 0
    audit_total: int = 0
    audit_rows: list[AuditRow] = []
    audit_loaded: bool = False
    audit_reading: bool = False
    audit_errors: dict[str, str] = {}  # by filter: action, actor, client, since, until

    # The status history window.
    history_client: str = ANY_CLIENT
    history_offset: int = 0
    history_total: int = 0
    history_rows: list[HistoryRow] = []
    history_loaded: bool = False
    history_reading: bool = False
    history_errors: dict[str, str] = {}

    # The Tokens tab: every user's newest API tokens (at most ADMIN_LIST_LIMIT), read when the
    # tab opens and after a revoke (tokens are not on the change feed).
    tokens: rx.Field[list[token_service.TokenRow]] = rx.field(default_factory=list)
    tokens_loaded: bool = False

    _window_seq: dict[str, int] = {}

    def _apply_view(self, view: dict[str, Any]) -> None:
        assign_changed(self, view, ("messages", "statuses", "users", "clients", "windows", "uptime",
                                    "message_stats"))

    # --- the audit log and status history windows -------------------------------------------

    @rx.var
    def audit_page(self) -> PagePosition:
        return page_position(self.audit_offset, self.audit_total, AUDIT_PAGE_SIZE)

    @rx.var
    def history_page(self) -> PagePosition:
        return page_position(self.history_offset, self.history_total, HISTORY_PAGE_SIZE)

    def _audit_window(self) -> AuditWindow:
        return AuditWindow(action=self.audit_action, actor=self.audit_actor, client=self.audit_client,
                           since=_day(self.audit_since), until=_day(self.audit_until),
                           offset=self.audit_offset).normalized()

    def _history_window(self) -> StatusHistoryWindow:
        return StatusHistoryWindow(client=self.history_client, offset=self.history_offset).normalized()

    def _windows(self) -> dict[str, Hashable]:
        return {AUDIT_WINDOW: self._audit_window(), STATUS_HISTORY_WINDOW: self._history_window()}

    def _opened(self, actor: Actor) -> dict[str, Hashable]:
        """The live link starts (a platform admin on /admin): both windows, from the current filters."""
        self._window_seq = {}
        return self._windows() if actor.is_platform_admin else {}

    def _fresh(self, kind: str, seq: int) -> bool:
        if self._window_seq.get(kind, -1) > seq:
            return False
        self._window_seq[kind] = seq
        return True

    def _apply_audit(self, seq: int, window: AuditWindow, page: AuditPage) -> None:
        if window != self._audit_window() or not self._fresh(AUDIT_WINDOW, seq):
            return  # the admin has moved on to other filters or another page since it was read
        if self.audit_rows != page.rows:
            self.audit_rows = page.rows
        if self.audit_total != page.total:
            self.audit_total = page.total
        if not self.audit_loaded:
            self.audit_loaded = True

    def _apply_history(self, seq: int, window: StatusHistoryWindow, page: HistoryPage) -> None:
        if window != self._history_window() or not self._fresh(STATUS_HISTORY_WINDOW, seq):
            return
        if self.history_rows != page.rows:
            self.history_rows = page.rows
        if self.history_total != page.total:
            self.history_total = page.total
        if not self.history_loaded:
            self.history_loaded = True

    async def _reread(self, kind: str):
        """Hold the window the filters now describe, and read it (the feed keeps it current)."""
        window = self._audit_window() if kind == AUDIT_WINDOW else self._history_window()
        if kind == AUDIT_WINDOW:
            self.audit_offset = window.offset
            self.audit_reading = True
        else:
            self.history_offset = window.offset
            self.history_reading = True
        yield
        seq, page = await hold_and_read(self.router.session.client_token, kind, window)
        if kind == AUDIT_WINDOW:
            self.audit_reading = False
        else:
            self.history_reading = False
        if page is UNREADABLE:
            yield unreadable_notice()
        elif isinstance(window, AuditWindow):
            self._apply_audit(seq, window, page)
        else:
            self._apply_history(seq, window, page)

    @event
    async def set_audit_filter(self, field: str, value: Any):
        """One of the audit log's filters (AUDIT_FILTERS) changed: check it, then re-read page one."""
        actor, refusal = await self._platform_admin()
        if actor is None:
            yield refusal
            return
        if field not in AUDIT_FILTERS:
            return
        text = str(value if value is not None else "")
        error = ""
        if field == "action":
            if text in ("", *AUDIT_ACTIONS):
                self.audit_action = text
            else:
                error = ACTION_ERROR
        elif field == "actor":
            error = text_problem(text[:ACTOR_MAX_LENGTH]) or ""  # before the window (its query) holds it
            if not error:
                self.audit_actor = text[:ACTOR_MAX_LENGTH]
        elif field == "client":
            if valid_client_filter(text):
                self.audit_client = text
            else:
                error = CLIENT_ERROR
        else:
            error = self._set_audit_day(field, text.strip())
        errors = {k: v for k, v in self.audit_errors.items() if k != field}
        if error:
            errors[field] = error
        if self.audit_errors != errors:
            self.audit_errors = errors
        if error:
            return  # the window keeps its last valid filters; the field says what is wrong
        self.audit_offset = 0
        async for update in self._reread(AUDIT_WINDOW):
            yield update

    def _set_audit_day(self, field: str, text: str) -> str:
        """Apply a From/To date; returns what is wrong with it, or ""."""
        if text and not ISO_DATE.fullmatch(text):
            return DATE_ERROR
        try:
            day = _day(text)
        except ValueError:
            return DATE_ERROR  # 2026-02-30 and the like
        since = day if field == "since" else _day(self.audit_since)
        until = day if field == "until" else _day(self.audit_until)
        if since is not None and until is not None and until < since:
            return "The end date is before the start date." if field == "until" else \
                "The start date is after the end date."
        if field == "since":
            self.audit_since = text
        else:
            self.audit_until = text
        return ""

    async def _page(self, kind: str, step: int):
        actor, refusal = await self._platform_admin()
        if actor is None:
            yield refusal
            return
        if kind == AUDIT_WINDOW:
            if (step > 0 and not self.audit_page.has_next) or (step < 0 and not self.audit_page.has_previous):
                return
            self.audit_offset = max(0, self.audit_offset + step * AUDIT_PAGE_SIZE)
        else:
            if (step > 0 and not self.history_page.has_next) or (step < 0 and not self.history_page.has_previous):
                return
            self.history_offset = max(0, self.history_offset + step * HISTORY_PAGE_SIZE)
        async for update in self._reread(kind):
            yield update

    @event
    async def audit_next(self):
        async for update in self._page(AUDIT_WINDOW, 1):
            yield update

    @event
    async def audit_previous(self):
        async for update in self._page(AUDIT_WINDOW, -1):
            yield update

    @event
    async def set_history_client(self, value: str):
        actor, refusal = await self._platform_admin()
        if actor is None:
            yield refusal
            return
        text = str(value if value is not None else "")
        if not valid_client_filter(text):
            self.history_errors = {"client": CLIENT_ERROR}
            return
        if self.history_errors:
            self.history_errors = {}
        self.history_client = text
        self.history_offset = 0
        async for update in self._reread(STATUS_HISTORY_WINDOW):
            yield update

    @event
    async def history_next(self):
        async for update in self._page(STATUS_HISTORY_WINDOW, 1):
            yield update

    @event
    async def history_previous(self):
        async for update in self._page(STATUS_HISTORY_WINDOW, -1):
            yield update

    # --- publishing and editing ---------------------------------------------------------------

    @rx.var
    def client_choices(self) -> list[str]:
        return [system_status.ALL_CLIENTS_LABEL] + [c["name"] for c in self.clients]

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
        form_data = form_data if isinstance(form_data, dict) else {}
        scope = _text(form_data.get("client")).strip()
        try:
            await asyncio.to_thread(throttle.check_write, actor, throttle.PUBLISH)
            # Platform admins only, checked before the client's name is looked up.
            client_id = await asyncio.to_thread(system_status.client_id_for_scope, actor, scope, publishing=True)
            offset = (await self.get_state(BrowserClock)).utc_offset_minutes
            expires_at = parse_local_datetime(_text(form_data.get("expires_at")), offset)
            # The service checks each field (choices, the message's length) and names what is wrong.
            result = await asyncio.to_thread(
                system_status.publish_system_status,
                actor,
                client_id,
                _text(form_data.get("status")).lower(),
                _text(form_data.get("message")),
                _text(form_data.get("type")).lower() or MessageType.INFO,
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
    def start_edit(self, message: dict):
        """Open the edit dialog on one of the listed messages: only its id is taken from the page,
        the rest from the list the server pushed (platform admins' tabs only hold one)."""
        wanted = message.get("id") if isinstance(message, dict) else None
        row = next((m for m in self.messages if isinstance(wanted, (str, int)) and m["id"] == str(wanted)), None)
        if row is None:
            return rx.toast.error(not_found("message").message)
        self.editing_id = row["id"]
        self.edit_message = row["message"]
        self.edit_type = row["type"].capitalize()
        self.edit_expires = row["expires_input"]
        self.edit_errors = {}

    @event
    def cancel_edit(self):
        self.editing_id = ""
        self.edit_errors = {}

    @event
    async def save_edit(self, form_data: dict):
        form_data = form_data if isinstance(form_data, dict) else {}

        def update(actor, message_id: str, expires: str, message: str, kind: str):
            # The edit field shows UTC (it was filled from the stored UTC value).
            expires_at = parse_local_datetime(expires, 0)
            return system_status.update_system_message(actor, message_id, message, kind, expires_at)

        def updated(_):
            self.editing_id = ""
            return rx.toast.success("Message updated.")

        # An edit republishes: it counts against the publishing throttle.
        return await self._call(update, self.editing_id, _text(form_data.get("expires_at")),
                                _text(form_data.get("message")), _text(form_data.get("type")).lower(),
                                limit=throttle.PUBLISH, errors="edit_errors", success=updated)

    @event
    async def withdraw(self, message_id: str):
        return await self._call(system_status.withdraw_system_message, message_id, limit=throttle.PUBLISH,
                                success="Message withdrawn.")

    @event
    async def clear_override(self, client_id: str):
        return await self._call(system_status.clear_status_override, client_id, limit=throttle.PUBLISH,
                                success="The client follows the global status again.")

    # --- API tokens ---------------------------------------------------------------------------

    async def _read_tokens(self, actor: Actor) -> None:
        self.tokens = await asyncio.to_thread(token_service.recent_tokens, actor)
        self.tokens_loaded = True

    @event
    async def load_tokens(self):
        actor, refusal = await self._platform_admin()
        if actor is None:
            return refusal
        await self._read_tokens(actor)

    @event
    async def revoke_token(self, token_id: Any):
        actor, refusal = await self._platform_admin()
        if actor is None:
            return refusal
        wanted = as_row_id(token_id)  # the one id rule: text, a huge number, an object are no token's
        if wanted is None:
            return rx.toast.error("Choose a token from the list.")

        async def revoked(changed: bool):
            await self._read_tokens(actor)
            return rx.toast.success(f"Token #{wanted} revoked." if changed else f"Token #{wanted} was revoked already.")

        return await self._call_as(actor, token_service.revoke_token, wanted, success=revoked)

    # --- scheduled maintenance ----------------------------------------------------------------

    @event
    async def schedule(self, form_data: dict):
        """The "Scheduled maintenance" card: times are the browser's local time, like "Expires at"."""
        actor, refusal = await self._signed_in()
        if actor is None:
            yield refusal
            return
        self.schedule_errors = {}
        self.schedule_note = ""
        form_data = form_data if isinstance(form_data, dict) else {}
        scope = _text(form_data.get("client")).strip()
        try:
            await asyncio.to_thread(throttle.check_write, actor, throttle.PUBLISH)
            client_id = await asyncio.to_thread(system_status.client_id_for_scope, actor, scope, publishing=True)
            offset = (await self.get_state(BrowserClock)).utc_offset_minutes
            problems: dict[str, str] = {}
            moments = {}
            for name in ("starts_at", "ends_at"):
                try:
                    moments[name] = parse_local_datetime(_text(form_data.get(name)), offset, field=name)
                except InvalidInput as error:
                    problems.update(error.fields)
            if problems:
                raise InvalidInput(problems)
            row = await asyncio.to_thread(maintenance.schedule_window, actor, client_id, moments["starts_at"],
                                          moments["ends_at"], _text(form_data.get("message")))
        except ServiceError as error:
            self._show_refusal("schedule_errors", error)
            return
        self.schedule_count += 1
        self.schedule_note = f"Scheduled maintenance #{row.id} for {row.client}."
        yield rx.set_value("window-message-input", "")
        yield rx.toast.success(self.schedule_note)

    def _window(self, window_id: Any) -> dict[str, str] | None:
        """A listed window by id: only the id comes from the page, the rest from the pushed list."""
        wanted = str(window_id) if isinstance(window_id, (str, int)) and not isinstance(window_id, bool) else None
        return next((w for w in self.windows if w["id"] == wanted), None)

    @event
    async def start_extend(self, window_id: Any):
        actor, refusal = await self._platform_admin()
        if actor is None:
            return refusal
        row = self._window(window_id)
        if row is None:
            return rx.toast.error(not_found("maintenance window").message)
        self.extending_id = row["id"]
        self.extend_ends = row["ends_input"]
        self.extend_errors = {}

    @event
    def close_extend(self):
        self.extending_id = ""
        self.extend_errors = {}

    @event
    async def save_extend(self, form_data: dict):
        form_data = form_data if isinstance(form_data, dict) else {}

        def extend(actor, window_id: str, ends: str):
            # The field shows UTC (it was filled from the stored UTC end).
            return maintenance.extend_window(actor, window_id, parse_local_datetime(ends, 0, field="ends_at"))

        def extended(row):
            self.extending_id = ""
            return rx.toast.success(f"Maintenance #{row.id} now ends {row.ends_at:%Y-%m-%d %H:%M:%S} UTC.")

        return await self._call(extend, self.extending_id, _text(form_data.get("ends_at")),
                                limit=throttle.PUBLISH, errors="extend_errors", success=extended)

    @event
    async def cancel_window(self, window_id: Any):
        return await self._call(maintenance.cancel_window, window_id, limit=throttle.PUBLISH,
                                success=lambda row: rx.toast.success(f"Maintenance #{row.id} cancelled."))

    # --- bulk publishing ----------------------------------------------------------------------

    @event
    async def publish_bulk(self, form_data: dict):
        """One status (and message) to the clients ticked in the card: one transaction."""
        actor, refusal = await self._signed_in()
        if actor is None:
            yield refusal
            return
        self.bulk_errors = {}
        self.bulk_note = ""
        form_data = form_data if isinstance(form_data, dict) else {}
        known = {c["id"] for c in self.clients}
        chosen = [key[len(BULK_CLIENT_PREFIX):] for key, value in form_data.items()
                  if isinstance(key, str) and key.startswith(BULK_CLIENT_PREFIX) and value]
        try:
            await asyncio.to_thread(throttle.check_write, actor, throttle.PUBLISH)
            if any(c not in known for c in chosen):
                raise InvalidInput({"client_ids": CLIENT_ERROR})
            offset = (await self.get_state(BrowserClock)).utc_offset_minutes
            expires_at = parse_local_datetime(_text(form_data.get("expires_at")), offset)
            results = await asyncio.to_thread(
                system_status.publish_to_clients, actor, chosen, _text(form_data.get("status")).lower(),
                _text(form_data.get("message")), _text(form_data.get("type")).lower() or MessageType.INFO, expires_at,
            )
        except ServiceError as error:
            self._show_refusal("bulk_errors", error)
            return
        self.bulk_count += 1
        names = {c["id"]: c["name"] for c in self.clients}
        self.bulk_note = (f"Published {results[0].status} for "
                          + ", ".join(names.get(str(r.client_id), "?") for r in results) + ".")
        yield rx.set_value("bulk-message-input", "")
        yield rx.toast.success(self.bulk_note)

    # --- uptime -------------------------------------------------------------------------------

    @event
    async def set_uptime_scope(self, value: Any):
        actor, refusal = await self._platform_admin()
        if actor is None:
            return refusal
        text = value if isinstance(value, str) else ""
        if text == "" or any(c["id"] == text for c in self.clients):
            self.uptime_scope = text

    @rx.var
    def uptime_shown(self) -> UptimeSeries:
        """The series of the scope the card shows (its bars and Active shares)."""
        scope, series = self.uptime_scope, self.uptime
        return next((u for u in series if u.scope == scope), NO_UPTIME)
