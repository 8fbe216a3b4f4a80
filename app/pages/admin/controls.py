"""Controls more than one admin card uses: a client filter and a pager."""

import reflex as rx

from app.state.admin.lists import AdminListsState
from app.views.audit import ANY_CLIENT, GLOBAL_CLIENT


def client_filter(control_id: str, value, on_change) -> rx.Component:
    """Any client, no client (global rows) or one of the listed clients."""
    return rx.el.select(
        rx.el.option("Any client", value=ANY_CLIENT),
        rx.el.option("Global (no client)", value=GLOBAL_CLIENT),
        rx.foreach(AdminListsState.clients, lambda c: rx.el.option(c.name, value=c.id.to_string())),
        id=control_id, value=value, on_change=on_change, style={"padding": "0.4em"},
    )


def pager(name: str, state) -> rx.Component:
    """ "Showing a–b of N" with Previous/Next, for a paged window's state (app/state/admin/paged.py);
    N is in data-testid `<name>-total`."""
    position = state.position
    return rx.hstack(
        rx.cond(state.reading, rx.spinner(size="2")),
        rx.text(
            rx.cond(state.loaded,
                    rx.fragment("Showing ", position.first.to_string(), "–", position.last.to_string(), " of ",
                                rx.el.span(state.total.to_string(), custom_attrs={"data-testid": f"{name}-total"})),
                    "Loading…"),
            size="2", color_scheme="gray", custom_attrs={"data-testid": f"{name}-showing"},
        ),
        rx.spacer(),
        rx.button("Previous", size="1", variant="soft", disabled=~position.has_previous, on_click=state.previous_page,
                  custom_attrs={"data-testid": f"{name}-previous"}),
        rx.button("Next", size="1", variant="soft", disabled=~position.has_next, on_click=state.next_page,
                  custom_attrs={"data-testid": f"{name}-next"}),
        width="100%", align="center",
    )
