"""The service status and system messages a user sees (top-bar banner, dashboard, agents page)."""

from __future__ import annotations

from typing import Any

import reflex as rx


class SystemState(rx.State):
    status: str = "active"
    status_label: str = "Active"
    status_scope: str = "default"
    banner_visible: bool = False
    shown_message: dict[str, str] = {}
    other_messages: list[dict[str, str]] = []

    def _apply_view(self, view: dict[str, Any]) -> None:
        self.status = view["status"]
        self.status_label = view["status_label"]
        self.status_scope = view["status_scope"]
        self.banner_visible = view["banner_visible"]
        self.shown_message = view["shown_message"]
        self.other_messages = view["other_messages"]

    @rx.var
    def service_unavailable(self) -> bool:
        return self.status != "active"

    @rx.var
    def has_message(self) -> bool:
        return bool(self.shown_message.get("message"))
