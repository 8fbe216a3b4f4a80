"""The Tokens tab (app/state/admin/tokens.py): every user's newest API tokens, with Revoke."""

import reflex as rx

from app.components import tones
from app.components.labels import TOKEN_SCOPE, TOKEN_STATE, label
from app.components.table import cells, table
from app.components.when import when
from app.state.admin.tokens import TokensState


def _token_row(t) -> rx.Component:
    return rx.table.row(
        *cells(t.email, t.name, rx.code(t.prefix + "…"), label(t.scope, TOKEN_SCOPE), when(t.expires_at),
               rx.cond(t.last_used_at, when(t.last_used_at, relative=True), rx.text("Never", as_="span")),
               rx.badge(label(t.state, TOKEN_STATE), color_scheme=tones.tone(t.state, tones.TOKEN_STATE))),
        rx.table.cell(rx.cond(
            t.state != "revoked",
            rx.button("Revoke", size="1", variant="soft", color_scheme="red",
                      on_click=TokensState.revoke_token(t.id),
                      custom_attrs={"aria-label": "Revoke token " + t.prefix}),
        )),
        custom_attrs={"data-testid": "token-row", "data-token-id": t.id, "data-state": t.state},
        key=t.id,
    )


def tokens_tab() -> rx.Component:
    """Every user's newest API tokens (read when the tab opens), with Revoke."""
    return rx.vstack(
        rx.text("The newest API tokens of every user. `beacon token create` issues them; a revoked or "
                "expired token gets 401 from the API.", size="2", color_scheme="gray"),
        table(("Email", "Name", "Prefix", "Scope", "Expires", "Last used", "State"), TokensState.tokens, _token_row,
              actions=True),
        rx.cond(TokensState.tokens_loaded & (TokensState.tokens.length() == 0),
                rx.text("No API tokens yet. `beacon token create --email E` issues one.", size="2",
                        color_scheme="gray")),
        spacing="3", width="100%",
        on_mount=TokensState.load_tokens,
        custom_attrs={"data-testid": "tokens-tab"},
    )
