"""Pieces every newest-first list shares: "Show more", and honest loading and empty states."""

import reflex as rx

from app.components.loading import page_loading, skeleton_rows
from app.state.work import WorkState


def show_more(name: str) -> rx.Component:
    return rx.cond(
        WorkState.has_more.get(name, False),
        rx.button("Show more", size="1", variant="soft", on_click=WorkState.show_more(name),
                  custom_attrs={"data-testid": f"show-more-{name.replace('_', '-')}"}),
    )


def listed(name: str, content: rx.Component, empty: str) -> rx.Component:
    """`content` once this page's read of the list has arrived and has rows; a skeleton before;
    `empty` (a sentence, saying what would appear here) after."""
    rows = getattr(WorkState, name)
    return rx.cond(
        WorkState.lists_loaded.contains(name) & ~page_loading,
        rx.cond(rows.length() > 0, rx.vstack(content, show_more(name), width="100%", align="start"),
                rx.text(empty, color_scheme="gray", size="2", custom_attrs={"data-testid": "empty-state"})),
        skeleton_rows(),
    )
