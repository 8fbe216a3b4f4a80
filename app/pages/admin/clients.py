"""The Clients tab: every client, by name."""

import reflex as rx

from app.components.table import cells, table
from app.state.admin.lists import AdminListsState


def clients_tab() -> rx.Component:
    return table(("Client", "Id"), AdminListsState.clients, lambda c: rx.table.row(*cells(c.name, c.id.to_string())),
                 empty="No clients yet.")
