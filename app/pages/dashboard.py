"""/: the dashboard: service status, available agents and the messages in force."""

import reflex as rx

from app.components import tones
from app.components.banner import message_icon, type_label
from app.components.card import section_card
from app.components.labels import SERVICE_STATUS, label
from app.components.layout import page_shell
from app.components.loading import loaded
from app.components.metric_card import metric_card
from app.components.table import cells, table
from app.components.when import when
from app.components.work import activity_list
from app.state.admin.lists import AdminListsState
from app.state.auth import AuthState
from app.state.system import SystemState
from app.state.work import WorkState
from app.state.workforce import WorkforceState

ROUTE = "/"


def _message_row(m) -> rx.Component:
    return rx.hstack(
        message_icon(m.type),
        rx.badge(type_label(m.type), color_scheme=tones.tone(m.type, tones.MESSAGE_TYPE)),
        rx.text(m.message),
        rx.spacer(),
        rx.text(m.scope, size="1", color_scheme="gray"),
        rx.cond(m.expires_at, rx.text("until ", when(m.expires_at), size="1", color_scheme="gray")),
        width="100%",
        align="center",
        wrap="wrap",
    )


def _messages_card() -> rx.Component:
    return section_card(
        "System messages",
        loaded(rx.cond(
            SystemState.has_message,
            rx.vstack(
                _message_row(SystemState.shown_message),
                rx.foreach(SystemState.other_messages, _message_row),
                rx.cond(
                    SystemState.more_messages > 0,
                    rx.text("and " + SystemState.more_messages.to_string() + " older messages",
                            size="1", color_scheme="gray"),
                ),
                width="100%",
            ),
            rx.text("No messages in force. Messages an admin publishes appear here and in the top bar.",
                    color_scheme="gray", size="2", custom_attrs={"data-testid": "empty-state"}),
        ), rows=1),
    )


def _status_by_client() -> rx.Component:
    return section_card(
        "Status by client",
        table(("Client", "Effective status"), AdminListsState.statuses,
              lambda s: rx.table.row(*cells(s.client_name, label(s.status, SERVICE_STATUS))),
              empty="No clients yet."),
    )


def _activity_card() -> rx.Component:
    return section_card("Agent activity", activity_list(), custom_attrs={"data-testid": "activity-feed"})


def dashboard_page() -> rx.Component:
    return page_shell(
        "Dashboard",
        rx.hstack(
            metric_card(
                "Service status", SystemState.status_label, "metric-service-status", icon="activity",
                hint=rx.match(SystemState.status_scope,
                              ("client", "Set for your client"), ("global", "Set for all clients"), "Default"),
            ),
            metric_card(
                "Pending approvals", WorkState.pending_count, "metric-pending-approvals", icon="inbox",
                hint="Drafts waiting for a decision",
            ),
            metric_card(
                "Available Agents", WorkforceState.available_agents, "metric-available-agents", icon="users",
                hint=rx.cond(SystemState.service_unavailable,
                             "None while the service is " + SystemState.status_label.lower(), "Can take work now"),
            ),
            spacing="4",
            wrap="wrap",
            width="100%",
        ),
        _messages_card(),
        _activity_card(),
        rx.cond(AuthState.is_platform_admin, _status_by_client()),
    )
