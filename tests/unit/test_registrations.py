"""The live registries are in step: a live entity, view, window kind or page declared in one and
forgotten in another fails here (and stops the app's start), never silently at run time."""

import re
import sqlite3

import pytest

from app.models import Entity
from app.pages import ROUTES
from app.state.holders import VIEW_HOLDERS, WINDOW_HOLDERS
from app.state.registrations import RegistrationMissing, check_registrations, registration_problems
from app.views.pages import PAGES, PageRoute
from app.views.windows import WINDOW_KINDS


def test_the_registries_are_in_step():
    assert registration_problems(ROUTES) == []


def test_every_route_of_the_app_has_a_page_entry():
    assert set(ROUTES) <= PAGES.keys()


def test_a_route_without_a_page_entry_stops_the_start():
    with pytest.raises(RegistrationMissing, match="'/incidents' has no entry"):
        check_registrations([*ROUTES, "/incidents"])


def test_every_window_kind_has_a_holder_and_every_holder_a_kind():
    assert WINDOW_HOLDERS.keys() == WINDOW_KINDS.keys()


def test_a_window_kind_without_a_holder_is_named(monkeypatch):
    monkeypatch.delitem(WINDOW_HOLDERS, "contacts")
    assert any("'contacts' has no holder" in p for p in registration_problems(ROUTES))


def test_a_shared_view_without_a_holder_is_named(monkeypatch):
    monkeypatch.delitem(VIEW_HOLDERS, "chats")
    assert any("'chats'" in p for p in registration_problems(ROUTES))


def test_every_table_the_database_logs_is_an_entity(migrated_sqlite_template):
    """The change-log triggers the migrations create name exactly the Entity values: a new live
    table is declared, and an Entity is a table that really is logged."""
    with sqlite3.connect(migrated_sqlite_template) as connection:
        triggers = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]
    logged = {re.sub(r"_(insert|update|delete|end)$", "", name.removeprefix("change_log_")) for name in triggers}
    assert logged == {entity.value for entity in Entity}


def test_an_agent_page_route_is_parsed_once_with_its_agent():
    assert PageRoute.of("/agents/7") == PageRoute("/agents/[agent_id]", 7)
    assert PageRoute.of("/agents/not-a-number").agent_id is None
    assert PageRoute.of("/contacts/") == PageRoute("/contacts")
