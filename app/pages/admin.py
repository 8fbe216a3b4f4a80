"""/admin: status & messaging, messages, status history, audit log, clients and users."""

import reflex as rx

from app.components.banner import TYPE_TONES
from app.components.layout import page_shell
from app.state.admin import STATUS_CHOICES, TYPE_CHOICES, AdminState

ROUTE = "/admin"


def _error(field: str) -> rx.Component:
    return rx.cond(
        AdminState.form_errors.contains(field),
        rx.text(AdminState.form_errors[field], color_scheme="red", size="1", role="alert",
                custom_attrs={"data-testid": f"error-{field}"}),
    )


def _labelled(label: str, control_id: str, control: rx.Component, field: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=control_id, style={"fontWeight": 500, "fontSize": "14px"}),
        control,
        _error(field),
        spacing="1",
        width="100%",
    )


def _publish_card() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Agent Status & Messaging", size="4"),
                rx.grid(
                    _labelled("Client", "client-select",
                              rx.select(AdminState.client_choices, id="client-select", name="client",
                                        default_value="All Clients", width="100%"), "client"),
                    _labelled("Agent status", "status-select",
                              rx.select(STATUS_CHOICES, id="status-select", name="status",
                                        default_value="Active", width="100%"), "status"),
                    _labelled("Message type", "type-select",
                              rx.select(TYPE_CHOICES, id="type-select", name="type",
                                        default_value="Info", width="100%"), "type"),
                    _labelled("Expires at", "expires-input",
                              rx.input(id="expires-input", name="expires_at", type="datetime-local",
                                       step="1", width="100%"), "expires_at"),
                    columns="2",
                    spacing="4",
                    width="100%",
                ),
                _labelled("Message", "message-input",
                          rx.text_area(id="message-input", name="message", rows="3", width="100%",
                                       placeholder="Optional: what users should know"), "message"),
                _error("form"),
                rx.hstack(
                    rx.button(
                        rx.cond(AdminState.publishing, rx.spinner(size="2"), rx.icon("send", size=16)),
                        "Publish", type="submit", disabled=AdminState.publishing,
                    ),
                    rx.text(AdminState.published_note, size="2", color_scheme="green",
                            custom_attrs={"data-testid": "publish-result",
                                          "data-count": AdminState.published_count.to_string()}),
                    align="center",
                ),
                spacing="4",
                width="100%",
            ),
            on_submit=AdminState.publish,
        ),
        width="100%",
    )


def _statuses_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Status by client", size="4"),
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell("Scope"), rx.table.column_header_cell("Effective status"),
                    rx.table.column_header_cell("Own row updated"), rx.table.column_header_cell(""))),
                rx.table.body(rx.foreach(AdminState.statuses, lambda s: rx.table.row(
                    rx.table.cell(s["client"]), rx.table.cell(s["status"]), rx.table.cell(s["updated"]),
                    rx.table.cell(rx.cond(
                        (s["override"] == "yes") & (s["client_id"] != ""),
                        rx.button("Use global status", size="1", variant="soft",
                                  on_click=AdminState.clear_override(s["client_id"])),
                    )),
                    custom_attrs={"data-testid": "status-row"}))),
                width="100%",
            ),
            width="100%",
        ),
        width="100%",
    )


def _message_row(m) -> rx.Component:
    return rx.table.row(
        rx.table.cell(m["scope"]),
        rx.table.cell(rx.badge(m["type"], color_scheme=rx.match(m["type"], *TYPE_TONES.items(), "gray"))),
        rx.table.cell(rx.text(m["message"])),
        rx.table.cell(m["expires"]),
        rx.table.cell(rx.badge(m["state"], variant="outline")),
        rx.table.cell(
            rx.cond(
                m["state"] == "live",
                rx.hstack(
                    rx.button("Edit", size="1", variant="soft", on_click=AdminState.start_edit(m)),
                    rx.button("Withdraw", size="1", variant="soft", color_scheme="red",
                              on_click=AdminState.withdraw(m["id"])),
                ),
            )
        ),
        custom_attrs={"data-testid": "admin-message-row", "data-message-id": m["id"], "data-state": m["state"]},
    )


def _messages_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("System messages", size="4"),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                ("Scope", "Type", "Message", "Expires", "State", "")])),
                rx.table.body(rx.foreach(AdminState.messages, _message_row)),
                width="100%",
            ),
            width="100%",
        ),
        width="100%",
    )


def _edit_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Edit message"),
            rx.form(
                rx.vstack(
                    rx.el.label("Message", html_for="edit-message", style={"fontWeight": 500}),
                    rx.text_area(id="edit-message", name="message", default_value=AdminState.edit_message, width="100%"),
                    rx.cond(AdminState.edit_errors.contains("message"),
                            rx.text(AdminState.edit_errors["message"], color_scheme="red", size="1")),
                    rx.el.label("Message type", html_for="edit-type", style={"fontWeight": 500}),
                    rx.select(TYPE_CHOICES, id="edit-type", name="type", default_value=AdminState.edit_type),
                    rx.el.label("Expires at (UTC)", html_for="edit-expires", style={"fontWeight": 500}),
                    rx.input(id="edit-expires", name="expires_at", type="datetime-local", step="1",
                             default_value=AdminState.edit_expires),
                    rx.cond(AdminState.edit_errors.contains("expires_at"),
                            rx.text(AdminState.edit_errors["expires_at"], color_scheme="red", size="1")),
                    rx.cond(AdminState.edit_errors.contains("form"),
                            rx.text(AdminState.edit_errors["form"], color_scheme="red", size="1")),
                    rx.hstack(
                        rx.button("Cancel", type="button", variant="soft", color_scheme="gray",
                                  on_click=AdminState.cancel_edit),
                        rx.button("Save", type="submit"),
                        justify="end", width="100%",
                    ),
                    width="100%",
                ),
                on_submit=AdminState.save_edit,
            ),
        ),
        open=AdminState.editing_id != "",
    )


def _history_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Status history", size="4"),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                ("When", "Who", "Scope", "From", "To", "Message")])),
                rx.table.body(rx.foreach(AdminState.history, lambda h: rx.table.row(
                    rx.table.cell(h["when"]), rx.table.cell(h["who"]), rx.table.cell(h["scope"]),
                    rx.table.cell(h["old"]), rx.table.cell(h["new"]), rx.table.cell(h["message"]),
                    custom_attrs={"data-testid": "history-row"}))),
                width="100%",
            ),
            width="100%",
        ),
        width="100%",
    )


def _audit_tab() -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                        ("When", "Actor", "Action", "Target", "Before", "After")])),
        rx.table.body(rx.foreach(AdminState.audit, lambda a: rx.table.row(
            rx.table.cell(a["when"]), rx.table.cell(a["who"]), rx.table.cell(a["action"]),
            rx.table.cell(a["target"]), rx.table.cell(a["old"]), rx.table.cell(a["new"]),
            custom_attrs={"data-testid": "audit-row"}))),
        width="100%",
    )


def _clients_tab() -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(rx.table.column_header_cell("Client"), rx.table.column_header_cell("Id"))),
        rx.table.body(rx.foreach(AdminState.clients, lambda c: rx.table.row(
            rx.table.cell(c["name"]), rx.table.cell(c["id"])))),
        width="100%",
    )


def _users_tab() -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in ("Email", "Name", "Role", "Client")])),
        rx.table.body(rx.foreach(AdminState.users, lambda u: rx.table.row(
            rx.table.cell(u["email"]), rx.table.cell(u["name"]), rx.table.cell(u["role"]), rx.table.cell(u["client"])))),
        width="100%",
    )


def admin_page() -> rx.Component:
    return page_shell(
        "Admin",
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("System", value="system"),
                rx.tabs.trigger("Audit log", value="audit"),
                rx.tabs.trigger("Clients", value="clients"),
                rx.tabs.trigger("Users", value="users"),
            ),
            rx.tabs.content(
                rx.vstack(_publish_card(), _statuses_card(), _messages_card(), _history_card(),
                          spacing="4", padding_top="1em", width="100%"),
                value="system",
            ),
            rx.tabs.content(rx.box(_audit_tab(), padding_top="1em"), value="audit"),
            rx.tabs.content(rx.box(_clients_tab(), padding_top="1em"), value="clients"),
            rx.tabs.content(rx.box(_users_tab(), padding_top="1em"), value="users"),
            default_value="system",
            width="100%",
        ),
        _edit_dialog(),
    )
