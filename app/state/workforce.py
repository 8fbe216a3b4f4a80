"""The agents of the user's client and how many can take work now."""

from __future__ import annotations

from typing import Any

import reflex as rx

from app.state.views import assign_changed


class WorkforceState(rx.State):
    available_agents: int = 0
    agents: list[dict[str, str]] = []

    def _apply_view(self, view: dict[str, Any]) -> None:
        assign_changed(self, view, ("available_agents", "agents"))
