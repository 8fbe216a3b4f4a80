"""/login: the sign-in form, a plain HTML form posted to /auth/sign-in (app/api/auth.py).

The password goes to the server in that one HTTP request and nowhere else (no websocket event,
no Reflex state); the answer sets the HttpOnly session cookie and sends the browser home, or
back here with an error code that AuthState.open_login turns into fixed words.
"""

import reflex as rx
from reflex.components.el.elements.base import BaseHTML

from app.state.auth import AuthState

ROUTE = "/login"
SIGN_IN_URL = "/auth/sign-in"


class NativeForm(BaseHTML):
    """A <form> the browser submits itself (Reflex's rx.el.form always prevents that)."""

    tag = "form"

    action: rx.Var[str]
    method: rx.Var[str]


def _field(label: str, field_id: str, name: str, kind: str, autocomplete: str, **props) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=field_id, style={"fontWeight": 500}),
        rx.input(id=field_id, name=name, type=kind, auto_complete=autocomplete, required=True, width="100%",
                 **props),
        spacing="1",
        width="100%",
    )


# Only after a refusal: then the field is remounted (React's key) with the email as its value.
_offered_email = rx.cond(AuthState.login_error != "", AuthState.login_email, "")


def login_page() -> rx.Component:
    return rx.center(
        rx.card(
            NativeForm.create(
                rx.vstack(
                    rx.hstack(rx.icon("radio-tower", size=26, color="var(--accent-9)"), rx.heading("Beacon", size="6"),
                              align="center"),
                    rx.text("Sign in to the operations console.", color_scheme="gray"),
                    # After a refused sign-in the email typed is offered again (assets/login.js
                    # keeps it in this tab's sessionStorage; the address carries only the error code).
                    _field("Email", "email-input", "email", "email", "username",
                           default_value=_offered_email, key=_offered_email),
                    _field("Password", "password-input", "password", "password", "current-password"),
                    rx.cond(
                        AuthState.login_error != "",
                        rx.callout(AuthState.login_error, icon="circle-alert", color_scheme="red", role="alert",
                                   width="100%"),
                    ),
                    # assets/login.js shows "Signing in…" here and disables the button while the post is under way.
                    rx.button("Sign in", type="submit", width="100%", id="sign-in-button"),
                    spacing="4",
                    width="100%",
                ),
                id="login-form",
                action=SIGN_IN_URL,
                method="post",
            ),
            width="min(380px, 92vw)",
            size="4",
        ),
        min_height="100vh",
    )
