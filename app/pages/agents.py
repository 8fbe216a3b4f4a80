"""/agents: the client's agents live, or a full-page notice while the service is down."""

import reflex as rx

from app.components import tones
from app.components.banner import maintenance_notices, message_icon
from app.components.card import section_card
from app.components.forms import field_error
from app.components.labels import AGENT_KIND, CHAT_STATUS, PRESENCE, label
from app.components.layout import page_shell
from app.components.loading import page_loading, skeleton_rows
from app.components.table import cells, table
from app.components.when import when
from app.models import Role, ServiceStatus
from app.state.auth import AuthState
from app.state.system import SystemState
from app.state.workforce import WorkforceState

ROUTE = "/agents"


def _notice() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon(rx.cond(SystemState.status == ServiceStatus.MAINTENANCE, "wrench", "power-off"), size=48),
            rx.heading("Agents are unavailable: " + SystemState.status_label, size="6"),
            rx.cond(
                SystemState.has_message,
                rx.hstack(message_icon(SystemState.shown_message.type), rx.text(SystemState.shown_message.message),
                          align="center"),
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
        background=rx.cond(SystemState.status == ServiceStatus.MAINTENANCE,
                           tones.background(tones.SERVICE_STATUS[ServiceStatus.MAINTENANCE]),
                           tones.background(tones.SERVICE_STATUS[ServiceStatus.INACTIVE])),
        role="alert",
        custom_attrs={"data-testid": "agents-unavailable", "data-status": SystemState.status},
    )


def _agent_row(agent) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.hstack(
            rx.icon(rx.cond(agent.kind == "ai", "bot", "user"), size=16),
            rx.cond(agent.kind == "ai",
                    rx.link(agent.name, href="/agents/" + agent.id.to_string()),
                    rx.text(agent.name)),
            align="center")),
        rx.table.cell(label(agent.kind, AGENT_KIND)),
        rx.table.cell(rx.badge(label(agent.state, PRESENCE),
                               color_scheme=tones.tone(agent.state, tones.PRESENCE))),
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
    return table(
        ("Agent", "Kind", "State", "Chats", "Can take work", "Presence",
         rx.cond(AuthState.is_platform_admin, rx.table.column_header_cell("Client"))),
        WorkforceState.agents, _agent_row, testid="agent-list", loading_rows=4,
        empty="No agents yet. Human agents appear here when their accounts are created; AI agents when "
              "an admin adds them.",
    )


def _chat_row(chat) -> rx.Component:
    waiting = chat.agent == ""
    chat_id = chat.id.to_string()
    return rx.table.row(
        rx.table.cell(chat.subject),
        rx.table.cell(rx.badge(label(chat.status, CHAT_STATUS),
                               color_scheme=tones.tone(chat.status, tones.CHAT_STATUS))),
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
            field_error(WorkforceState.chat_errors, chat_id),
        ),
        custom_attrs={"data-testid": "chat-row", "data-chat-id": chat.id, "data-status": chat.status},
        key=chat.id,
    )


def _chats() -> rx.Component:
    return section_card(
        "Chats waiting or in progress",
        table(("Chat", "Status", "Agent", "Assign"), WorkforceState.chats, _chat_row, testid="chat-list",
              empty="No chats waiting or in progress. New chats appear here as customers start them."),
    )


def _history_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Presence history: " + WorkforceState.history_agent),
            table(("When", "Status", "Why"), WorkforceState.history, lambda e: rx.table.row(
                *cells(when(e.at), label(e.status, PRESENCE), e.reason))),
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
