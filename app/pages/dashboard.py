"""/: the dashboard: service status, available agents and the messages in force."""

import reflex as rx

from app.components.banner import TYPE_TONES, message_icon, type_label
from app.components.labels import SERVICE_STATUS, label
from app.components.layout import page_shell
from app.components.lists import listed
from app.components.loading import empty_or, loaded
from app.components.metric_card import metric_card
from app.components.when import ago, when
from app.state.admin import AdminState
from app.state.auth import AuthState
from app.state.system import SystemState
from app.state.work import WorkState
from app.state.workforce import WorkforceState
from app.views.lists import ACTIVITY

ROUTE = "/"


def _message_row(m) -> rx.Component:
    return rx.hstack(
        message_icon(m.type),
        rx.badge(type_label(m.type), color_scheme=rx.match(m.type, *TYPE_TONES.items(), "gray")),
        rx.text(m.message),
        rx.spacer(),
        rx.text(m.scope, size="1", color_scheme="gray"),
        rx.cond(m.expires_at, rx.text("until ", when(m.expires_at), size="1", color_scheme="gray")),
        width="100%",
        align="center",
        wrap="wrap",
    )


def _messages_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("System messages", size="4"),
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
            width="100%",
        ),
        width="100%",
    )


def _status_by_client() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Status by client", size="4"),
            empty_or(AdminState.statuses, rx.table.root(
                rx.table.header(rx.table.row(rx.table.column_header_cell("Client"), rx.table.column_header_cell("Effective status"))),
                rx.table.body(
                    rx.foreach(
                        AdminState.statuses,
                        lambda s: rx.table.row(rx.table.cell(s["client"]),
                                               rx.table.cell(label(s["status"], SERVICE_STATUS))),
                    )
                ),
                width="100%",
            ), "No clients yet."),
            width="100%",
        ),
        width="100%",
    )


def activity_list() -> rx.Component:
    """The newest agent activity of the client (or of the page's agent), with "Show more"."""
    return listed(ACTIVITY, rx.vstack(rx.foreach(WorkState.activity, lambda a: rx.hstack(
        rx.text(ago(a.created_at), size="1", color_scheme="gray", min_width="6.5em"),
        rx.text(a.text, size="2"),
        custom_attrs={"data-testid": "activity-item"}, align="center", key=a.id)), width="100%", spacing="1"),
        "No agent activity yet. It appears here as the agents work.")


def _activity_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Agent activity", size="4"),
            activity_list(),
            width="100%",
        ),
        width="100%",
        custom_attrs={"data-testid": "activity-feed"},
    )


def dashboard_page() -> rx.Component:
    return page_shell(
        "Dashboard",
        rx.hstack(
            metric_card(
                "Service status", SystemState.status_label, "metric-service-status", icon="activity",
                hint=rx.match(SystemState.status_scope, ("client", "Set for your client"), ("global", "Set for all clients"), "Default"),
            ),
            metric_card(
                "Pending approvals", WorkState.pending_count, "metric-pending-approvals", icon="inbox",
                hint="Drafts waiting for a decision",
            ),
            metric_card(
                "Available Agents", WorkforceState.available_agents, "metric-available-agents", icon="users",
                hint=rx.cond(SystemState.service_unavailable, "None while the service is " + SystemState.status_label.lower(), "Can take work now"),
            ),
            spacing="4",
            wrap="wrap",
            width="100%",
        ),
        _messages_card(),
        _activity_card(),
        rx.cond(AuthState.is_platform_admin, _status_by_client()),
    )
