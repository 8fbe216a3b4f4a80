"""The status history card: a paged window of status changes (views/audit.py), by client."""

from __future__ import annotations

import reflex as rx

from app.state.admin.forms import CLIENT_ERROR
from app.state.admin.paged import PagedWindow
from app.state.events import event
from app.views.audit import (
    ANY_CLIENT,
    HISTORY_PAGE_SIZE,
    HistoryRow,
    StatusHistoryWindow,
    valid_client_filter,
)
from app.views.windows import STATUS_HISTORY_WINDOW


class StatusHistoryState(PagedWindow, rx.State):
    client: str = ANY_CLIENT  # as applied (a valid value only)
    errors: dict[str, str] = {}
    rows: list[HistoryRow] = []

    def _kind(self) -> str:
        return STATUS_HISTORY_WINDOW

    def _page_size(self) -> int:
        return HISTORY_PAGE_SIZE

    def _window(self) -> StatusHistoryWindow:
        return StatusHistoryWindow(client=self.client, offset=self.offset).normalized()

    def _show_rows(self, rows: list[HistoryRow]) -> None:
        if self.rows != rows:
            self.rows = rows

    @event
    async def set_history_client(self, value: str):
        actor, refusal = await self._platform_admin()
        if actor is None:
            yield refusal
            return
        text = str(value if value is not None else "")
        if not valid_client_filter(text):
            self.errors = {"client": CLIENT_ERROR}
            return
        if self.errors:
            self.errors = {}
        self.client = text
        self.offset = 0
        async for update in self._reread():
            yield update
