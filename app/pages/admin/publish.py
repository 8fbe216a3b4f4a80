"""The publish card ("Agent Status & Messaging"), the statuses and messages tables, and the edit
dialog: what app/state/admin/publish.py handles, over the pushed lists."""

import reflex as rx

from app.components import tones
from app.components.card import form_card, section_card
from app.components.forms import datetime_input, field_error, form_dialog, labelled_field, labelled_select, submit_row
from app.components.labels import MESSAGE_STATE, MESSAGE_TYPE, SERVICE_STATUS, label
from app.components.table import cells, table
from app.components.when import when
from app.models import ALL_CLIENTS_LABEL
from app.state.admin.forms import STATUS_CHOICES, TYPE_CHOICES
from app.state.admin.lists import AdminListsState
from app.state.admin.publish import NOT_EDITING, PublishState
from app.views.admin import MESSAGE_LIVE


def publish_card() -> rx.Component:
    errors = PublishState.form_errors
    return form_card(
        "Agent Status & Messaging",
        rx.grid(
            labelled_select("Client", "client-select", AdminListsState.client_choices, "client", ALL_CLIENTS_LABEL,
                            errors),
            labelled_select("Agent status", "status-select", STATUS_CHOICES, "status", "Active", errors),
            labelled_select("Message type", "type-select", TYPE_CHOICES, "type", "Info", errors),
            labelled_field("Expires at", "expires-input",
                           datetime_input("expires-input", "expires_at"), errors, "expires_at"),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="4",
            width="100%",
        ),
        labelled_field("Message", "message-input",
                       rx.text_area(id="message-input", name="message", rows="3", width="100%",
                                    placeholder="Optional: what users should know"), errors, "message"),
        field_error(errors, "form", "error-form"),
        submit_row(
            rx.button(
                rx.cond(PublishState.publishing, rx.spinner(size="2"), rx.icon("send", size=16)),
                "Publish", type="submit", disabled=PublishState.publishing,
            ),
            PublishState.published_note, PublishState.published_count, "publish-result",
        ),
        on_submit=PublishState.publish, spacing="4",
        # The "Scheduled maintenance" card has a Client and a Message too: scripts find this one here.
        custom_attrs={"data-testid": "publish-card"},
    )


def _status_row(s) -> rx.Component:
    return rx.table.row(
        *cells(s.client_name, label(s.status, SERVICE_STATUS), when(s.updated_at)),
        rx.table.cell(rx.cond(
            s.has_override & s.client_id.bool(),  # the global row (no client) has nothing to clear
            rx.button("Use global status", size="1", variant="soft",
                      on_click=PublishState.clear_override(s.client_id)),
        )),
        custom_attrs={"data-testid": "status-row"})


def statuses_card() -> rx.Component:
    return section_card(
        "Status by client",
        table(("Scope", "Effective status", "Own row updated"), AdminListsState.statuses, _status_row, actions=True,
              empty="No status set yet: every client is Active."),
    )


def _message_row(m) -> rx.Component:
    return rx.table.row(
        rx.table.cell(m.scope),
        rx.table.cell(rx.badge(label(m.type, MESSAGE_TYPE), color_scheme=tones.tone(m.type, tones.MESSAGE_TYPE))),
        rx.table.cell(rx.text(m.message)),
        rx.table.cell(when(m.expires_at)),
        rx.table.cell(rx.badge(label(m.state, MESSAGE_STATE), variant="outline")),
        rx.table.cell(
            rx.cond(
                m.state == MESSAGE_LIVE,
                rx.hstack(
                    rx.button("Edit", size="1", variant="soft", on_click=PublishState.start_edit(m.id)),
                    rx.button("Withdraw", size="1", variant="soft", color_scheme="red",
                              on_click=PublishState.withdraw(m.id)),
                ),
            )
        ),
        custom_attrs={"data-testid": "admin-message-row", "data-message-id": m.id, "data-state": m.state},
    )


def messages_card() -> rx.Component:
    return section_card(
        "System messages",
        table(("Scope", "Type", "Message", "Expires", "State"), AdminListsState.messages, _message_row, actions=True,
              empty="No messages yet. Publish one above; it appears in every affected user's top bar."),
    )


def edit_dialog() -> rx.Component:
    errors = PublishState.edit_errors
    return form_dialog(
        "Edit message",
        rx.el.label("Message", html_for="edit-message", style={"fontWeight": 500}),
        rx.text_area(id="edit-message", name="message", default_value=PublishState.edit_message, width="100%"),
        field_error(errors, "message", alert=False),
        rx.el.label("Message type", html_for="edit-type", style={"fontWeight": 500}),
        rx.select(TYPE_CHOICES, id="edit-type", name="type", default_value=PublishState.edit_type),
        rx.el.label("Expires at (UTC)", html_for="edit-expires", style={"fontWeight": 500}),
        datetime_input("edit-expires", "expires_at", width=None, default_value=PublishState.edit_expires),
        field_error(errors, "expires_at", alert=False),
        field_error(errors, "form", alert=False),
        on_submit=PublishState.save_edit, on_cancel=PublishState.cancel_edit,
        is_open=PublishState.editing_id != NOT_EDITING,
    )
