"""/admin: status & messaging, messages, status history, audit log, clients, users and API tokens.

One module per tab (system, audit, clients, users, tokens); the System tab's cards each have
their own, beside the state they render (app/state/admin/)."""

import reflex as rx

from app.components.layout import page_shell
from app.pages.admin.audit import audit_tab
from app.pages.admin.clients import clients_tab
from app.pages.admin.maintenance import extend_dialog
from app.pages.admin.publish import edit_dialog
from app.pages.admin.system import system_tab
from app.pages.admin.tokens import tokens_tab
from app.pages.admin.users import users_tab

ROUTE = "/admin"


def admin_page() -> rx.Component:
    return page_shell(
        "Admin",
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("System", value="system"),
                rx.tabs.trigger("Audit log", value="audit"),
                rx.tabs.trigger("Clients", value="clients"),
                rx.tabs.trigger("Users", value="users"),
                rx.tabs.trigger("Tokens", value="tokens"),
            ),
            rx.tabs.content(system_tab(), value="system"),
            rx.tabs.content(rx.box(audit_tab(), padding_top="1em"), value="audit"),
            rx.tabs.content(rx.box(clients_tab(), padding_top="1em"), value="clients"),
            rx.tabs.content(rx.box(users_tab(), padding_top="1em"), value="users"),
            rx.tabs.content(rx.box(tokens_tab(), padding_top="1em"), value="tokens"),
            default_value="system",
            width="100%",
        ),
        edit_dialog(),
        extend_dialog(),
    )
