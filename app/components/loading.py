"""Honest loading: until the page's own first snapshot has arrived (and again after a reconnect,
until the resync lands) numbers show "—" and lists a skeleton, never a default 0 or an empty-state
sentence that would tell the reader something false."""

import reflex as rx

from app.state.live import LiveLinkState

# Reflex clears is_hydrated when the page (re)connects or navigates, and sets it once the page's
# on_load handlers have run; LiveLinkState.synced is set when the live link's snapshot is applied.
page_loading = ~rx.State.is_hydrated | ~LiveLinkState.synced
PLACEHOLDER = "—"


def number(value) -> rx.Var:
    """A number var as text, or the placeholder while the page is loading."""
    return rx.cond(page_loading, PLACEHOLDER, value)


def skeleton_rows(rows: int = 3) -> rx.Component:
    """Grey bars where a list will be, announced as loading."""
    return rx.vstack(
        *[rx.skeleton(rx.box(height="1.25em", width="100%"), loading=True) for _ in range(rows)],
        rx.el.span("Loading…", class_name="beacon-sr-only"),
        width="100%", spacing="2", custom_attrs={"data-testid": "loading", "aria-busy": "true"},
    )


def loaded(content: rx.Component, rows: int = 3) -> rx.Component:
    """`content` once the page has its snapshot; a skeleton before."""
    return rx.cond(page_loading, skeleton_rows(rows), content)


def empty_or(items, content: rx.Component, empty: str | rx.Var, rows: int = 3) -> rx.Component:
    """A skeleton while loading, then `content` when `items` has rows, else the `empty` sentence."""
    return loaded(rx.cond(items.length() > 0, content,
                          rx.text(empty, color_scheme="gray", size="2", custom_attrs={"data-testid": "empty-state"})),
                  rows)
