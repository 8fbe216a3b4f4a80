"""The status history card (app/state/admin/history.py): status changes, paged, by client."""

import reflex as rx

from app.components.card import section_card
from app.components.forms import labelled_field
from app.components.table import cells, table
from app.components.when import when
from app.pages.admin.controls import client_filter, pager
from app.state.admin.history import StatusHistoryState


def history_card() -> rx.Component:
    scope = labelled_field("History client", "history-client",
                           client_filter("history-client", StatusHistoryState.client,
                                         StatusHistoryState.set_history_client),
                           StatusHistoryState.errors, "client", "history", width=None)
    return section_card(
        "Status history",
        table(("When", "Who", "Scope", "From", "To", "Message"), StatusHistoryState.rows, lambda h: rx.table.row(
            *cells(when(h.created_at), h.actor, h.scope, h.old, h.new, h.message),
            custom_attrs={"data-testid": "history-row", "data-audit-id": h.id}, key=h.id)),
        rx.cond(StatusHistoryState.loaded & (StatusHistoryState.total == 0),
                rx.text("No status changes recorded for this choice yet.", size="2", color_scheme="gray")),
        pager("history", StatusHistoryState),
        aside=(scope,), aside_align="end",
    )
