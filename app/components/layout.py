"""The app shell: top bar with the product, navigation, user, live indicator and sign-out."""

import reflex as rx

from app.components.banner import system_banner
from app.components.connection import connection_indicator
from app.state.auth import AuthState

# (label, route, admin only). A route appears here when its page exists.
NAVIGATION = [
    ("Dashboard", "/", False),
    ("Agents", "/agents", False),
    ("Admin", "/admin", True),
]


def _nav() -> rx.Component:
    links = []
    for label, route, admin_only in NAVIGATION:
        link = rx.link(label, href=route, weight="medium", underline="hover")
        links.append(rx.cond(AuthState.is_platform_admin, link) if admin_only else link)
    return rx.hstack(*links, spacing="4", as_="nav", custom_attrs={"aria-label": "Main"})


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
    )
