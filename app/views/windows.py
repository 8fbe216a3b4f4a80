"""The kinds of window a page can hold, how each is read, and how a batch of changes touches it."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from sqlmodel import Session

from app.feed.routing import REREAD, UNTOUCHED, Touch, WorkTouched, contacts_window_touch, tasks_window_touched
from app.views.contacts import ContactsPage, ContactsWindow, read_contacts_page
from app.views.tasks import TasksWindow, read_tasks

CONTACTS_WINDOW = "contacts"  # a page of /contacts
CONTACT_TASKS_WINDOW = "contact_tasks"  # the open contact's modal
AGENT_TASKS_WINDOW = "agent_tasks"  # /agents/<id>
CONTACT_BADGES = "contact_badges"  # a patch: new badges of cards a contacts window shows


def read_window(session: Session, kind: str, window: Hashable) -> Any:
    if kind == CONTACTS_WINDOW:
        assert isinstance(window, ContactsWindow)
        return read_contacts_page(session, window)
    assert isinstance(window, TasksWindow)
    return read_tasks(session, window)


def shown_ids(kind: str, result: Any) -> frozenset[int]:
    return result.shown_ids if isinstance(result, ContactsPage) else frozenset()


def window_touch(kind: str, window: Hashable, shown: frozenset[int] | None, work: WorkTouched) -> Touch:
    if kind == CONTACTS_WINDOW:
        assert isinstance(window, ContactsWindow)
        return contacts_window_touch(window, shown, work)
    assert isinstance(window, TasksWindow)
    return REREAD if tasks_window_touched(window, work) else UNTOUCHED
