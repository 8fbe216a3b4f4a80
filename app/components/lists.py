"""Pieces every newest-first list shares: "Show more", and honest loading and empty states."""

import reflex as rx

from app.components.loading import page_loading, skeleton_rows
from app.state.work import WorkState
from app.views.paging import WINDOW_MAX_ROWS


def older_hidden_note() -> rx.Component:
    """Where "Show more" stops: a list holds at most WINDOW_MAX_ROWS rows (app/views/paging.py)."""
    return rx.text(f"Showing the newest {WINDOW_MAX_ROWS}.", color_scheme="gray", size="1",
                   custom_attrs={"data-testid": "older-hidden"})


def more_or_note(has_more, older_hidden, on_more, testid: str | None = None) -> rx.Component:
    """"Show more" while a list can grow; the note once it holds the most it may."""
    attrs = {"data-testid": testid} if testid else {}
    return rx.cond(has_more, rx.button("Show more", size="1", variant="soft", on_click=on_more, custom_attrs=attrs),
                   rx.cond(older_hidden, older_hidden_note()))


def show_more(name: str) -> rx.Component:
    return more_or_note(WorkState.has_more.get(name, False), WorkState.older_hidden.contains(name),
                        WorkState.show_more(name), f"show-more-{name.replace('_', '-')}")


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
