"""The Users tab: every user, by email."""

import reflex as rx

from app.components.labels import ROLE, label
from app.components.table import cells, table
from app.state.admin.lists import AdminListsState

NO_CLIENT = "—"  # a platform admin belongs to no client


def users_tab() -> rx.Component:
    return table(("Email", "Name", "Role", "Client"), AdminListsState.users, lambda u: rx.table.row(
        *cells(u.email, u.name, label(u.role, ROLE), rx.cond(u.client != "", u.client, NO_CLIENT))),
        empty="No users yet.")
