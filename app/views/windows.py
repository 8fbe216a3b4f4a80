"""The kinds of window a page can hold, how each is read, and how a batch of changes touches it."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from sqlmodel import Session

from app.feed.routing import (
    REREAD,
    UNTOUCHED,
    Touch,
    WorkTouched,
    contacts_window_touch,
    list_window_touched,
    tasks_window_touched,
)
from app.views.audit import (
    AuditWindow,
    StatusHistoryWindow,
    audit_rows_touch,
    read_audit_page,
    read_status_history_page,
)
from app.views.contacts import ContactsPage, ContactsWindow, read_contacts_page
from app.views.lists import LIST_ENTITY, ListWindow, read_list
from app.views.tasks import TasksWindow, read_tasks

CONTACTS_WINDOW = "contacts"  # a page of /contacts
CONTACT_TASKS_WINDOW = "contact_tasks"  # the open contact's modal
AGENT_TASKS_WINDOW = "agent_tasks"  # /agents/<id>
CONTACT_BADGES = "contact_badges"  # a patch: new badges of cards a contacts window shows
AUDIT_WINDOW = "audit"  # a page of the admin's audit log
STATUS_HISTORY_WINDOW = "status_history"  # a page of the admin's status history
LIST_WINDOWS = frozenset(LIST_ENTITY)  # newest-first lists (views/lists.py): each list is its own kind


def read_window(session: Session, kind: str, window: Hashable) -> Any:
    if isinstance(window, ListWindow):
        return read_list(session, window)
    if kind == CONTACTS_WINDOW:
        assert isinstance(window, ContactsWindow)
        return read_contacts_page(session, window)
    if kind == AUDIT_WINDOW:
        assert isinstance(window, AuditWindow)
        return read_audit_page(session, window)
    if kind == STATUS_HISTORY_WINDOW:
        assert isinstance(window, StatusHistoryWindow)
        return read_status_history_page(session, window)
    assert isinstance(window, TasksWindow)
    return read_tasks(session, window)


def shown_ids(kind: str, result: Any) -> frozenset[int]:
    return result.shown_ids if isinstance(result, ContactsPage) else frozenset()


def window_touch(kind: str, window: Hashable, shown: frozenset[int] | None, work: WorkTouched) -> Touch:
    if isinstance(window, ListWindow):
        return REREAD if list_window_touched(window, work) else UNTOUCHED
    if kind == CONTACTS_WINDOW:
        assert isinstance(window, ContactsWindow)
        return contacts_window_touch(window, shown, work)
    if kind == AUDIT_WINDOW:
        assert isinstance(window, AuditWindow)
        return REREAD if audit_rows_touch(window.client, work.audit_clients) else UNTOUCHED
    if kind == STATUS_HISTORY_WINDOW:
        # Status history rows are the audit rows of published and cleared statuses.
        assert isinstance(window, StatusHistoryWindow)
        return REREAD if audit_rows_touch(window.client, work.status_audit_clients) else UNTOUCHED
    assert isinstance(window, TasksWindow)
    return REREAD if tasks_window_touched(window, work) else UNTOUCHED
