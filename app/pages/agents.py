"""/agents: the client's agents live, or a full-page notice while the service is down."""

import reflex as rx

from app.components.banner import message_icon
from app.components.layout import page_shell
from app.state.auth import AuthState
from app.state.system import SystemState
from app.state.workforce import WorkforceState

ROUTE = "/agents"

STATE_TONES = {"available": "green", "away": "amber", "busy": "orange", "offline": "gray",
               "enabled": "green", "disabled": "gray"}


def _notice() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon(rx.cond(SystemState.status == "maintenance", "wrench", "power-off"), size=48),
            rx.heading("Agents are unavailable: " + SystemState.status_label, size="6"),
            rx.cond(
                SystemState.has_message,
                rx.hstack(message_icon(SystemState.shown_message["type"]), rx.text(SystemState.shown_message["message"]), align="center"),
                rx.text("The agent service is not active. Agents will be back when it is."),
            ),
            align="center",
            spacing="3",
            padding="3em",
        ),
        width="100%",
        min_height="50vh",
        border_radius="12px",
        background=rx.cond(SystemState.status == "maintenance", "var(--amber-3)", "var(--red-3)"),
        role="alert",
        custom_attrs={"data-testid": "agents-unavailable", "data-status": SystemState.status},
    )


def _agent_row(agent) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.hstack(
            rx.icon(rx.cond(agent["kind"] == "ai", "bot", "user"), size=16),
            rx.cond(agent["kind"] == "ai", rx.link(agent["name"], href="/agents/" + agent["id"]), rx.text(agent["name"])),
            align="center")),
        rx.table.cell(rx.cond(agent["kind"] == "ai", "AI agent", "Human agent")),
        rx.table.cell(rx.badge(agent["state"], color_scheme=rx.match(agent["state"], *STATE_TONES.items(), "gray"))),
        rx.table.cell(agent["chats"]),
        rx.table.cell(rx.cond(agent["can_take_work"] == "yes", "Yes", "No")),
        rx.cond(AuthState.is_platform_admin, rx.table.cell(agent["client"])),
        custom_attrs={"data-testid": "agent-row", "data-agent": agent["key"], "data-state": agent["state"]},
    )


def _list() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell("Agent"),
                rx.table.column_header_cell("Kind"),
                rx.table.column_header_cell("State"),
                rx.table.column_header_cell("Chats"),
                rx.table.column_header_cell("Can take work"),
                rx.cond(AuthState.is_platform_admin, rx.table.column_header_cell("Client")),
            )
        ),
        rx.table.body(rx.foreach(WorkforceState.agents, _agent_row)),
        width="100%",
        custom_attrs={"data-testid": "agent-list"},
    )


def agents_page() -> rx.Component:
    return page_shell(
        "Agents",
        rx.cond(
            SystemState.service_unavailable & ~AuthState.is_platform_admin,
            _notice(),
            _list(),
        ),
    )
