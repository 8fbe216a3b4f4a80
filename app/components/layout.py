"""The app shell: top bar with the product, navigation, user, live indicator and sign-out."""

import reflex as rx

from app.components.banner import system_banner
from app.components.connection import connection_indicator
from app.state.auth import AuthState
from app.state.presence import ACTIVITY_REPORT_MS, PresenceState
from app.state.presence import CHOICES as PRESENCE_CHOICES
from app.state.work import WorkState

# (label, route, admin only). A route appears here when its page exists.
NAVIGATION = [
    ("Dashboard", "/", False),
    ("Agents", "/agents", False),
    ("Contacts", "/contacts", False),
    ("Approvals", "/approvals", False),
    ("Follow-ups", "/follow-ups", False),
    ("Admin", "/admin", True),
]


def _label(label: str) -> rx.Component:
    if label != "Approvals":
        return rx.text(label)
    return rx.hstack(
        rx.text(label),
        rx.badge(WorkState.pending_count, color_scheme=rx.cond(WorkState.pending_count > 0, "green", "gray"),
                 variant="solid", radius="full", custom_attrs={"data-testid": "pending-approvals-count"}),
        spacing="1", align="center",
    )


def _nav() -> rx.Component:
    links = []
    for label, route, admin_only in NAVIGATION:
        link = rx.link(_label(label), href=route, weight="medium", underline="hover")
        links.append(rx.cond(AuthState.is_platform_admin, link) if admin_only else link)
    return rx.hstack(*links, spacing="4", as_="nav", align="center", custom_attrs={"aria-label": "Main"})


def _notifications_control() -> rx.Component:
    """Ask for browser notifications once, politely; say so when they are off."""
    return rx.match(
        WorkState.notification_permission,
        ("default", rx.button(rx.icon("bell", size=14), "Enable notifications", size="1", variant="ghost",
                              on_click=WorkState.ask_notification_permission)),
        ("denied", rx.tooltip(rx.icon("bell-off", size=16, color="var(--gray-9)"),
                              content="Browser notifications are blocked; you still get in-page alerts.")),
        rx.fragment(),
    )


def _my_status() -> rx.Component:
    """An agent's own presence choice; hidden for users who are not human agents."""
    return rx.cond(
        PresenceState.chosen != "",
        rx.hstack(
            rx.el.label("My status", html_for="my-status", style={"fontSize": "13px", "color": "var(--gray-11)"}),
            rx.select(PRESENCE_CHOICES, id="my-status", value=PresenceState.chosen,
                      on_change=PresenceState.choose, size="1"),
            align="center", spacing="2",
        ),
    )


def top_bar() -> rx.Component:
    return rx.hstack(
        rx.hstack(
            rx.icon("radio-tower", size=22, color="var(--accent-9)"),
            rx.heading("Beacon", size="5"),
            _nav(),
            spacing="5",
            align="center",
        ),
        rx.spacer(),
        rx.hstack(
            _my_status(),
            _notifications_control(),
            connection_indicator(),
            rx.vstack(
                rx.text(AuthState.user_name, size="2", weight="medium", custom_attrs={"data-testid": "current-user"}),
                rx.text(AuthState.client_name, size="1", color_scheme="gray", custom_attrs={"data-testid": "current-client"}),
                spacing="0",
                align="end",
            ),
            rx.button("Sign out", on_click=AuthState.sign_out, variant="soft", size="2"),
            spacing="4",
            align="center",
        ),
        width="100%",
        padding_x="1.5em",
        padding_y="0.75em",
        border_bottom="1px solid var(--gray-a5)",
        align="center",
        as_="header",
    )


def page_shell(title: str, *children: rx.Component) -> rx.Component:
    activity = PresenceState.report_activity.throttle(ACTIVITY_REPORT_MS)
    return rx.box(
        top_bar(),
        rx.box(
            rx.cond(~AuthState.is_platform_admin, system_banner()),
            padding_x="1.5em",
            padding_top="0.75em",
        ),
        rx.vstack(
            rx.heading(title, size="7"),
            *children,
            spacing="5",
            padding="1.5em",
            width="100%",
            max_width="1200px",
            as_="main",
        ),
        width="100%",
        min_height="100vh",
        on_mouse_move=activity,
        on_focus=activity,
        on_click=activity,
    )
