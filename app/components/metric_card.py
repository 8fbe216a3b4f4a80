"""A dashboard metric: a label, a number, and a line of context. Until the page's snapshot has
arrived the number is "—" (app/components/loading.py): a default 0 would be a false answer."""

import reflex as rx

from app.components.loading import PLACEHOLDER, page_loading


def metric_card(label: str, value, test_id: str, hint=None, icon: str = "users") -> rx.Component:
    shown = rx.cond(page_loading, PLACEHOLDER, value)
    return rx.card(
        rx.vstack(
            rx.hstack(rx.icon(icon, size=18, aria_hidden="true"),
                      rx.text(label, weight="medium", color_scheme="gray"), align="center"),
            rx.heading(shown, size="8", as_="p", custom_attrs={"data-testid": test_id}),
            rx.cond(hint is not None, rx.text(rx.cond(page_loading, "Loading…", hint), size="1", color_scheme="gray"))
            if hint is not None else rx.fragment(),
            spacing="2",
        ),
        min_width="220px",
        flex="1 1 220px",
        custom_attrs={"aria-busy": rx.cond(page_loading, "true", "false")},
    )
