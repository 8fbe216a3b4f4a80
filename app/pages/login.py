"""/login: the sign-in form."""

import reflex as rx

from app.state.auth import AuthState

ROUTE = "/login"


def _field(label: str, field_id: str, name: str, kind: str, autocomplete: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=field_id, style={"fontWeight": 500}),
        rx.input(id=field_id, name=name, type=kind, auto_complete=autocomplete, required=True, width="100%"),
        spacing="1",
        width="100%",
    )


def login_page() -> rx.Component:
    return rx.center(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.hstack(rx.icon("radio-tower", size=26, color="var(--accent-9)"), rx.heading("Beacon", size="6"), align="center"),
                    rx.text("Sign in to the operations console.", color_scheme="gray"),
                    _field("Email", "email-input", "email", "email", "username"),
                    _field("Password", "password-input", "password", "password", "current-password"),
                    rx.cond(
                        AuthState.login_error != "",
                        rx.callout(AuthState.login_error, icon="circle-alert", color_scheme="red", role="alert", width="100%"),
                    ),
                    rx.button(
                        rx.cond(AuthState.signing_in, rx.spinner(size="2"), rx.fragment()),
                        "Sign in",
                        type="submit",
                        width="100%",
                        disabled=AuthState.signing_in,
                    ),
                    spacing="4",
                    width="100%",
                ),
                on_submit=AuthState.sign_in,
            ),
            width="min(380px, 92vw)",
            size="4",
        ),
        min_height="100vh",
    )
