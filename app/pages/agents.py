"""/agents: the client's agents live, or a full-page notice while the service is down."""

import reflex as rx

from app.components.banner import maintenance_notices, message_icon
from app.components.labels import AGENT_KIND, CHAT_STATUS, PRESENCE, label
from app.components.layout import page_shell
from app.components.loading import empty_or, page_loading, skeleton_rows
from app.models import ChatStatus, Presence, Role, ServiceStatus
from app.state.auth import AuthState
from app.state.system import SystemState
from app.state.workforce import WorkforceState

ROUTE = "/agents"

STATE_TONES = {Presence.AVAILABLE: "green", Presence.AWAY: "amber", Presence.BUSY: "orange", Presence.OFFLINE: "gray",
               "enabled": "green", "disabled": "gray"}


def _notice() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon(rx.cond(SystemState.status == ServiceStatus.MAINTENANCE, "wrench", "power-off"), size=48),
            rx.heading("Agents are unavailable: " + SystemState.status_label, size="6"),
            rx.cond(
                SystemState.has_message,
                rx.hstack(message_icon(SystemState.shown_message.type), rx.text(SystemState.shown_message.message), align="center"),
                rx.text("The agent service is not active. Agents will be back when it is."),
            ),
            maintenance_notices(),
            align="center",
            spacing="3",
            padding="3em",
        ),
        width="100%",
        min_height="50vh",
        border_radius="12px",
        background=rx.cond(SystemState.status == ServiceStatus.MAINTENANCE, "var(--amber-3)", "var(--red-3)"),
        role="alert",
        custom_attrs={"data-testid": "agents-unavailable", "data-status": SystemState.status},
    )


def _agent_row(agent) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.hstack(
            rx.icon(rx.cond(agent.kind == "ai", "bot", "user"), size=16),
            rx.cond(agent.kind == "ai", rx.link(agent.name, href="/agents/" + agent.id.to_string()), rx.text(agent.name)),
            align="center")),
        rx.table.cell(label(agent.kind, AGENT_KIND)),
        rx.table.cell(rx.badge(label(agent.state, PRESENCE),
                               color_scheme=rx.match(agent.state, *STATE_TONES.items(), "gray"))),
        rx.table.cell(rx.cond(agent.kind == "human",
                              agent.active_chats.to_string() + "/" + agent.max_chats.to_string(), "")),
        rx.table.cell(rx.cond(agent.can_take_work, "Yes", "No")),
        rx.table.cell(rx.cond(agent.kind == "human",
                              rx.button("History", size="1", variant="ghost",
                                        on_click=WorkforceState.show_history(agent.id, agent.name),
                                        custom_attrs={"aria-label": "Presence history of " + agent.name}))),
        rx.cond(AuthState.is_platform_admin, rx.table.cell(agent.client)),
        custom_attrs={"data-testid": "agent-row", "data-agent": agent.key, "data-state": agent.state},
        key=agent.key,
    )


def _list() -> rx.Component:
    return empty_or(WorkforceState.agents, _table(),
                    "No agents yet. Human agents appear here when their accounts are created; AI agents when "
                    "an admin adds them.", rows=4)


def _table() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell("Agent"),
                rx.table.column_header_cell("Kind"),
                rx.table.column_header_cell("State"),
                rx.table.column_header_cell("Chats"),
                rx.table.column_header_cell("Can take work"),
                rx.table.column_header_cell("Presence"),
                rx.cond(AuthState.is_platform_admin, rx.table.column_header_cell("Client")),
            )
        ),
        rx.table.body(rx.foreach(WorkforceState.agents, _agent_row)),
        width="100%",
        custom_attrs={"data-testid": "agent-list"},
    )


CHAT_TONES = {ChatStatus.OPEN: "green", ChatStatus.NEEDS_REASSIGNMENT: "red"}


def _chat_row(chat) -> rx.Component:
    waiting = chat.agent == ""
    chat_id = chat.id.to_string()
    return rx.table.row(
        rx.table.cell(chat.subject),
        rx.table.cell(rx.badge(label(chat.status, CHAT_STATUS),
                               color_scheme=rx.match(chat.status, *CHAT_TONES.items(), "gray"))),
        rx.table.cell(rx.cond(waiting, rx.text("Unassigned", color_scheme="gray"), chat.agent)),
        rx.table.cell(
            rx.form(
                rx.hstack(
                    rx.el.input(type="hidden", name="chat_id", value=chat_id),
                    rx.select(WorkforceState.assignable_names, name="agent", size="1",
                              placeholder=rx.cond(WorkforceState.assignable_names.length() > 0,
                                                  "Choose an agent", "No agent available"),
                              custom_attrs={"aria-label": "Assign to"}),
                    rx.button("Assign", size="1", type="submit"),
                    rx.button("Close chat", size="1", variant="soft", color_scheme="gray", type="button",
                              on_click=WorkforceState.close_chat(chat_id)),
                    align="center",
                ),
                on_submit=WorkforceState.assign_chat,
            ),
            rx.cond(WorkforceState.chat_errors.contains(chat_id),
                    rx.text(WorkforceState.chat_errors[chat_id], color_scheme="red", size="1", role="alert")),
        ),
        custom_attrs={"data-testid": "chat-row", "data-chat-id": chat.id, "data-status": chat.status},
        key=chat.id,
    )


def _chats() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Chats waiting or in progress", size="4"),
            empty_or(WorkforceState.chats, rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in ("Chat", "Status", "Agent", "Assign")])),
                rx.table.body(rx.foreach(WorkforceState.chats, _chat_row)),
                width="100%",
                custom_attrs={"data-testid": "chat-list"},
            ), "No chats waiting or in progress. New chats appear here as customers start them."),
            width="100%",
        ),
        width="100%",
    )


def _history_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Presence history: " + WorkforceState.history_agent),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in ("When", "Status", "Why")])),
                rx.table.body(rx.foreach(WorkforceState.history, lambda e: rx.table.row(
                    rx.table.cell(e["when"]), rx.table.cell(label(e["status"], PRESENCE)),
                    rx.table.cell(e["reason"])))),
                width="100%",
            ),
            rx.cond(WorkforceState.history.length() == 0,
                    rx.text("No presence changes recorded yet.", color_scheme="gray", size="2")),
            rx.hstack(rx.button("Close", variant="soft", on_click=WorkforceState.hide_history), justify="end"),
        ),
        open=WorkforceState.history_agent != "",
    )


def agents_page() -> rx.Component:
    return page_shell(
        "Agents",
        rx.cond(
            page_loading,
            skeleton_rows(4),
            rx.cond(
            SystemState.service_unavailable & ~AuthState.is_platform_admin,
            _notice(),
            rx.vstack(
                _list(),
                rx.cond((AuthState.role == Role.CLIENT_ADMIN) | AuthState.is_platform_admin, _chats()),
                width="100%", spacing="4",
            ),
        )),
        _history_dialog(),
    )
