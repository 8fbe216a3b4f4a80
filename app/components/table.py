"""A table: a row of column headers over one row per item.

Radix's table root is also the scroll box of a wide table (assets/beacon.css), so every table of
the app is one of these and nothing else wraps it."""

from collections.abc import Callable, Sequence

import reflex as rx

from app.components.loading import empty_or


def actions_header() -> rx.Component:
    """The header of a column of buttons: blank on screen, "Actions" to a screen reader."""
    return rx.table.column_header_cell(rx.el.span("Actions", class_name="beacon-sr-only"))


def cells(*values) -> list[rx.Component]:
    """One cell per value (text, a var or a component), in order."""
    return [rx.table.cell(value) for value in values]


def table(headers: Sequence[str | rx.Component], items, row: Callable[..., rx.Component], *,
          actions: bool = False, testid: str | None = None, empty: str | None = None, loading_rows: int = 3,
          **props) -> rx.Component:
    """`headers`: labels, or header cells as they are (one shown only to admins, say); `actions`
    adds the blank "Actions" column last. `row(item)` makes each row (an rx.table.row). With
    `empty`, a skeleton while the page loads and that sentence when `items` has none
    (app/components/loading.py empty_or). 100% wide; `width=None` leaves it as wide as its content."""
    header_cells = [h if isinstance(h, rx.Component) else rx.table.column_header_cell(h) for h in headers]
    if actions:
        header_cells.append(actions_header())
    if testid is not None:
        props["custom_attrs"] = {"data-testid": testid}
    root = rx.table.root(
        rx.table.header(rx.table.row(*header_cells)),
        rx.table.body(rx.foreach(items, row)),
        **{"width": "100%", **props},
    )
    return root if empty is None else empty_or(items, root, empty, rows=loading_rows)
