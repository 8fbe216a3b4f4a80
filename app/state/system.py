"""The service status and system messages a user sees (top-bar banner, dashboard, agents page)."""

from __future__ import annotations

import reflex as rx

from app.models import ServiceStatus
from app.state.views import apply_view
from app.views.shared import NO_MESSAGE, MessageLine, TenantView


class SystemState(rx.State):
    # The tenant view's service part, field by field (views/shared.py ServiceView).
    status: str = ServiceStatus.ACTIVE
    status_label: str = "Active"
    status_scope: str = "default"
    banner_visible: bool = False
    shown_message: MessageLine = NO_MESSAGE
    other_messages: rx.Field[list[MessageLine]] = rx.field(default_factory=list)
    more_messages: rx.Field[int] = rx.field(0)  # messages in force beyond those listed
    # Scheduled maintenance: in progress, or starting soon.
    maintenance_notices: rx.Field[list[str]] = rx.field(default_factory=list)

    def _apply_view(self, view: TenantView) -> None:
        apply_view(self, view.service)

    @rx.var
    def service_unavailable(self) -> bool:
        return self.status != ServiceStatus.ACTIVE

    @rx.var
    def has_message(self) -> bool:
        return bool(self.shown_message.message)
