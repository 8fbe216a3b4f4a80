"""The audit log tab: a paged window (views/audit.py) behind five filters. A filter's value is
applied only when valid; an invalid one is named beside its control, and the window keeps the
last valid filters."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import reflex as rx

from app.rules.text import text_problem
from app.state.admin.forms import CLIENT_ERROR
from app.state.admin.paged import PagedWindow
from app.state.events import event
from app.views.audit import (
    ACTOR_MAX_LENGTH,
    ANY_CLIENT,
    AUDIT_ACTIONS,
    AUDIT_PAGE_SIZE,
    AuditRow,
    AuditWindow,
    valid_client_filter,
)
from app.views.windows import AUDIT_WINDOW

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # what a date field sends: YYYY-MM-DD, or nothing
DATE_ERROR = "Enter a date like 2026-11-22."
ACTION_ERROR = "Choose one of the listed actions."
AUDIT_FILTERS = ("action", "actor", "client", "since", "until")  # the filter controls, by field


def _day(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


class AuditLogState(PagedWindow, rx.State):
    # The filters as applied (valid values only).
    action: str = ""
    actor: str = ""  # part of an actor's email
    client: str = ANY_CLIENT
    since: str = ""  # an ISO date, or ""
    until: str = ""
    errors: dict[str, str] = {}  # by filter: action, actor, client, since, until
    rows: list[AuditRow] = []

    def _kind(self) -> str:
        return AUDIT_WINDOW

    def _page_size(self) -> int:
        return AUDIT_PAGE_SIZE

    def _window(self) -> AuditWindow:
        return AuditWindow(action=self.action, actor=self.actor, client=self.client, since=_day(self.since),
                           until=_day(self.until), offset=self.offset).normalized()

    def _show_rows(self, rows: list[AuditRow]) -> None:
        if self.rows != rows:
            self.rows = rows

    @event
    async def set_audit_filter(self, field: str, value: Any):
        """One of the filters (AUDIT_FILTERS) changed: check it, then re-read page one."""
        caller, refusal = await self._platform_admin()
        if caller is None:
            yield refusal
            return
        if field not in AUDIT_FILTERS:
            return
        text = str(value if value is not None else "")
        error = ""
        if field == "action":
            if text in ("", *AUDIT_ACTIONS):
                self.action = text
            else:
                error = ACTION_ERROR
        elif field == "actor":
            error = text_problem(text[:ACTOR_MAX_LENGTH]) or ""  # before the window (its query) holds it
            if not error:
                self.actor = text[:ACTOR_MAX_LENGTH]
        elif field == "client":
            if valid_client_filter(text):
                self.client = text
            else:
                error = CLIENT_ERROR
        else:
            error = self._set_day(field, text.strip())
        errors = {k: v for k, v in self.errors.items() if k != field}
        if error:
            errors[field] = error
        if self.errors != errors:
            self.errors = errors
        if error:
            return  # the window keeps its last valid filters; the field says what is wrong
        self.offset = 0
        async for update in self._reread():
            yield update

    def _set_day(self, field: str, text: str) -> str:
        """Apply a From/To date; returns what is wrong with it, or ""."""
        if text and not ISO_DATE.fullmatch(text):
            return DATE_ERROR
        try:
            day = _day(text)
        except ValueError:
            return DATE_ERROR  # 2026-02-30 and the like
        since = day if field == "since" else _day(self.since)
        until = day if field == "until" else _day(self.until)
        if since is not None and until is not None and until < since:
            return "The end date is before the start date." if field == "until" else \
                "The start date is after the end date."
        if field == "since":
            self.since = text
        else:
            self.until = text
        return ""
