"""The app shell: top bar with the product, navigation, user, live indicator and sign-out.

On a phone (PHONE_MAX_PX and narrower, assets/beacon.css) the navigation, the user, My status and
Sign out move behind a "Menu" button: a dialog (focus kept inside, Escape closes it) that is only
in the page while open, so no hook or label is there twice.
"""

import reflex as rx

from app.components.banner import system_banner
from app.components.connection import connection_indicator
from app.components.loading import number
from app.state.auth import AuthState
from app.state.presence import ACTIVITY_REPORT_MS, PresenceState
from app.state.presence import CHOICES as PRESENCE_CHOICES
from app.state.work import WorkState

PHONE_MAX_PX = 640  # at this width and below the navigation collapses into "Menu" (assets/beacon.css)

# (label, route, admin only). A route appears here when its page exists.
NAVIGATION = [
    ("Dashboard", "/", False),
    ("Agents", "/agents", False),
    ("Contacts", "/contacts", False),
    ("Approvals", "/approvals", False),
    ("Follow-ups", "/follow-ups", False),
    ("Admin", "/admin", True),
]


def _label(label: str, in_menu: bool = False) -> rx.Component:
    if label != "Approvals":
        return rx.text(label)
    # The count's hook is on the top bar's badge only (the menu's copy is in the page while open).
    hook = {} if in_menu else {"data-testid": "pending-approvals-count"}
    return rx.hstack(
        rx.text(label),
        rx.badge(number(WorkState.pending_count),
                 color_scheme=rx.cond(WorkState.pending_count > 0, "green", "gray"),
                 variant="solid", high_contrast=True, radius="full", custom_attrs=hook),
        rx.el.span(" waiting", class_name="beacon-sr-only"),
        spacing="1", align="center",
    )


def _links(link) -> list[rx.Component]:
    """`link(label, route)` for each NAVIGATION entry; the admin-only ones shown to platform admins only."""
    links = []
    for label, route, admin_only in NAVIGATION:
        made = link(label, route)
        links.append(rx.cond(AuthState.is_platform_admin, made) if admin_only else made)
    return links


def _nav() -> rx.Component:
    links = _links(lambda label, route: rx.link(_label(label), href=route, weight="medium", underline="hover",
                                                white_space="nowrap"))
    return rx.el.nav(rx.hstack(*links, spacing="4", align="center", wrap="wrap"), aria_label="Main")


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


def _my_status(control_id: str = "my-status") -> rx.Component:
    """An agent's own presence choice; hidden for users who are not human agents."""
    return rx.cond(
        PresenceState.chosen != "",
        rx.hstack(
            rx.el.label("My status", html_for=control_id, style={"fontSize": "13px", "color": "var(--gray-11)"}),
            rx.select(PRESENCE_CHOICES, id=control_id, value=PresenceState.chosen,
                      on_change=PresenceState.choose, size="1"),
            align="center", spacing="2",
        ),
    )


def _user() -> rx.Component:
    return rx.vstack(
        rx.text(AuthState.user_name, size="2", weight="medium", custom_attrs={"data-testid": "current-user"}),
        rx.text(AuthState.client_name, size="1", color_scheme="gray", custom_attrs={"data-testid": "current-client"}),
        spacing="0",
        align="end",
    )


def _menu() -> rx.Component:
    """The phone's navigation: every link, the user, My status, notifications and Sign out."""
    links = _links(lambda label, route: rx.dialog.close(rx.link(_label(label, in_menu=True), href=route,
                                                                weight="medium", size="4", padding_y="0.4em",
                                                                display="block")))
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("menu", size=18), "Menu", variant="soft", size="2")),
        rx.dialog.content(
            rx.hstack(
                rx.dialog.title("Menu", size="4", margin="0"),
                rx.spacer(),
                rx.dialog.close(rx.icon_button(rx.icon("x", size=18), variant="ghost", color_scheme="gray",
                                               custom_attrs={"aria-label": "Close menu"})),
                align="center", width="100%",
            ),
            rx.dialog.description(AuthState.user_name + " · " + AuthState.client_name, size="2",
                                  color_scheme="gray"),
            rx.el.nav(rx.vstack(*links, spacing="1", padding_y="0.75em"), aria_label="Main"),
            rx.separator(size="4"),
            rx.vstack(
                _my_status("menu-my-status"),
                _notifications_control(),
                rx.button("Sign out", on_click=AuthState.sign_out, variant="soft", size="3", width="100%"),
                spacing="3", padding_top="0.75em", width="100%", align="start",
            ),
            align="start",
            width="100%",
            max_width="420px",
        ),
    )


def top_bar() -> rx.Component:
    return rx.el.header(rx.hstack(
        rx.hstack(
            rx.icon("radio-tower", size=22, color="var(--accent-9)", aria_hidden="true"),
            rx.heading("Beacon", size="5", as_="p"),
            rx.box(_nav(), class_name="beacon-wide-only"),
            spacing="5",
            align="center",
        ),
        rx.spacer(),
        rx.hstack(
            rx.hstack(_my_status(), _notifications_control(), spacing="4", align="center",
                      class_name="beacon-wide-only"),
            connection_indicator(),
            rx.hstack(
                _user(),
                rx.button("Sign out", on_click=AuthState.sign_out, variant="soft", size="2"),
                spacing="4", align="center", class_name="beacon-wide-only",
            ),
            rx.box(_menu(), class_name="beacon-phone-only"),
            spacing="4",
            align="center",
        ),
        width="100%",
        padding_x="1.5em",
        padding_y="0.75em",
        border_bottom="1px solid var(--gray-a5)",
        align="center",
        wrap="wrap",
        row_gap="0.5em",
        class_name="beacon-top-bar",
    ))


def page_shell(title: str, *children: rx.Component) -> rx.Component:
    activity = PresenceState.report_activity.throttle(ACTIVITY_REPORT_MS)
    return rx.box(
        top_bar(),
        rx.box(
            rx.cond(~AuthState.is_platform_admin, system_banner()),
            padding_x="1.5em",
            padding_top="0.75em",
            class_name="beacon-top-bar",
        ),
        rx.el.main(rx.vstack(
            rx.heading(title, size="7", as_="h1"),
            *children,
            spacing="5",
            padding="1.5em",
            width="100%",
            max_width="1200px",
            class_name="beacon-page",
        )),
        width="100%",
        min_height="100vh",
        on_mouse_move=activity,
        on_focus=activity,
        on_click=activity,
    )
