"""The "Publish to several clients" card (app/state/admin/bulk.py): one status (and message) to
the ticked clients, one transaction, one audit row per client."""

import reflex as rx

from app.components.card import form_card
from app.components.forms import datetime_input, field_error, labelled_field, labelled_select, submit_row
from app.state.admin.bulk import BULK_CLIENT_PREFIX, BulkPublishState
from app.state.admin.forms import STATUS_CHOICES, TYPE_CHOICES
from app.state.admin.lists import AdminListsState


def bulk_card() -> rx.Component:
    errors = BulkPublishState.bulk_errors
    return form_card(
        "Publish to several clients",
        rx.vstack(
            rx.text("Clients", weight="medium", size="2"),
            rx.hstack(
                rx.foreach(AdminListsState.clients, lambda c: rx.el.label(
                    rx.el.input(type="checkbox", name=BULK_CLIENT_PREFIX + c.id.to_string(),
                                id="bulk-client-" + c.id.to_string()),
                    " ", c.name,
                    style={"display": "flex", "gap": "0.3em", "alignItems": "center"},
                )),
                spacing="4", wrap="wrap",
            ),
            field_error(errors, "client_ids", "bulk-error-client_ids"),
            spacing="1",
        ),
        rx.grid(
            labelled_select("Bulk status", "bulk-status-select", STATUS_CHOICES, "status", "Maintenance",
                            errors, "bulk"),
            labelled_select("Bulk message type", "bulk-type-select", TYPE_CHOICES, "type", "Info", errors,
                            "bulk"),
            labelled_field("Bulk expires at", "bulk-expires-input",
                           datetime_input("bulk-expires-input", "expires_at"), errors, "expires_at", "bulk"),
            columns="3", spacing="4", width="100%",
        ),
        labelled_field("Bulk message", "bulk-message-input",
                       rx.input(id="bulk-message-input", name="message", width="100%"), errors, "message",
                       "bulk"),
        field_error(errors, "form", "bulk-error-form"),
        submit_row(rx.button(rx.icon("send", size=16), "Apply to selected clients", type="submit"),
                   BulkPublishState.bulk_note, BulkPublishState.bulk_count, "bulk-result"),
        on_submit=BulkPublishState.publish_bulk,
    )
