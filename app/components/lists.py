"""Pieces every newest-first list shares: "Show more", and honest loading and empty states."""

import reflex as rx

from app.state.work import WorkState


def show_more(name: str) -> rx.Component:
    return rx.cond(
        WorkState.has_more.get(name, False),
        rx.button("Show more", size="1", variant="soft", on_click=WorkState.show_more(name),
                  custom_attrs={"data-testid": f"show-more-{name.replace('_', '-')}"}),
    )


def listed(name: str, content: rx.Component, empty: str) -> rx.Component:
    """`content` once the list's first read has arrived and has rows; a spinner before; `empty` after."""
    rows = getattr(WorkState, name)
    return rx.cond(
        WorkState.lists_loaded.contains(name),
        rx.cond(rows.length() > 0, rx.vstack(content, show_more(name), width="100%", align="start"),
                rx.text(empty, color_scheme="gray")),
        rx.spinner(size="2"),
    )
