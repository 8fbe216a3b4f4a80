"""The service status and system messages a user sees (top-bar banner, dashboard, agents page)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from app.models import ServiceStatus
from app.state.views import assign_changed
from app.views.live import NO_MESSAGE, MessageLine


class SystemState(rx.State):
    status: str = ServiceStatus.ACTIVE
    status_label: str = "Active"
    status_scope: str = "default"
    banner_visible: bool = False
    shown_message: MessageLine = NO_MESSAGE
    other_messages: rx.Field[list[MessageLine]] = rx.field(default_factory=list)
    more_messages: rx.Field[int] = rx.field(0)  # messages in force beyond those listed
    # Scheduled maintenance: in progress, or starting soon.
    maintenance_notices: rx.Field[list[str]] = rx.field(default_factory=list)

    def _apply_view(self, view: dict[str, Any]) -> None:
        assign_changed(self, view, ("status", "status_label", "status_scope", "banner_visible",
                                    "shown_message", "other_messages", "more_messages", "maintenance_notices"))

    @rx.var
    def service_unavailable(self) -> bool:
        return self.status != ServiceStatus.ACTIVE

    @rx.var
    def has_message(self) -> bool:
        return bool(self.shown_message.message)
