"""A dashboard metric: a label, a number, and a line of context."""

import reflex as rx


def metric_card(label: str, value, test_id: str, hint=None, icon: str = "users") -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.icon(icon, size=18), rx.text(label, weight="medium", color_scheme="gray"), align="center"),
            rx.heading(value, size="8", custom_attrs={"data-testid": test_id}),
            rx.cond(hint is not None, rx.text(hint, size="1", color_scheme="gray")) if hint is not None else rx.fragment(),
            spacing="2",
        ),
        min_width="220px",
    )
