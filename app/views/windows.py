"""The kinds of window a page can hold: one declaration each (how it is read, how a batch of
changes touches it, which of its rows it shows), looked up by the feed, the tab's first read and
the poller alike. The state that holds each kind is declared beside its state (app/state/holders.py);
a kind missing on either side fails at start (app/registrations.py) and in tests/unit/test_registrations.py.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.views.audit import (
    AuditWindow,
    StatusHistoryWindow,
    audit_rows_touch,
    read_audit_page,
    read_status_history_page,
)
from app.views.contacts import ContactsPage, ContactsWindow, read_contacts_page
from app.views.lists import LIST_KINDS, ListWindow, read_list
from app.views.tasks import TasksWindow, read_tasks
from app.views.touch import (
    REREAD,
    UNTOUCHED,
    Touch,
    WorkTouched,
    contacts_window_touch,
    list_window_touched,
    tasks_window_touched,
)

CONTACTS_WINDOW = "contacts"  # a page of /contacts
CONTACT_TASKS_WINDOW = "contact_tasks"  # the open contact's modal
AGENT_TASKS_WINDOW = "agent_tasks"  # /agents/<id>
AUDIT_WINDOW = "audit"  # a page of the admin's audit log
STATUS_HISTORY_WINDOW = "status_history"  # a page of the admin's status history
LIST_WINDOWS = frozenset(LIST_KINDS)  # newest-first lists (views/lists.py): each list is its own kind
# Not a window: a patch of new badges for cards a contacts window shows, offered without a read.
CONTACT_BADGES = "contact_badges"


def _no_rows(_result: Any) -> frozenset[int]:
    return frozenset()


def _shown_contacts(result: Any) -> frozenset[int]:
    return result.shown_ids if isinstance(result, ContactsPage) else frozenset()


def _rereads(touched: Callable[[Any, WorkTouched], bool]) -> Callable[[Any, frozenset[int] | None, WorkTouched], Touch]:
    """A touch rule for a window that is either untouched or read again whole."""

    def touch(window: Any, _shown: frozenset[int] | None, work: WorkTouched) -> Touch:
        return REREAD if touched(window, work) else UNTOUCHED

    return touch


@dataclass(frozen=True)
class WindowKind:
    """What the feed needs to know about one kind of window."""

    name: str
    window_type: type
    read: Callable[[Session, Any], Any]
    touch: Callable[[Any, frozenset[int] | None, WorkTouched], Touch]
    # The rows a read shows whose badges can be patched without a read (contacts' cards); else none.
    shown: Callable[[Any], frozenset[int]] = _no_rows


def _audit_touched(window: AuditWindow, work: WorkTouched) -> bool:
    return audit_rows_touch(window.client, work.audit_clients)


def _status_history_touched(window: StatusHistoryWindow, work: WorkTouched) -> bool:
    # Status history rows are the audit rows of published and cleared statuses.
    return audit_rows_touch(window.client, work.status_audit_clients)


WINDOW_KINDS: dict[str, WindowKind] = {
    kind.name: kind for kind in (
        WindowKind(CONTACTS_WINDOW, ContactsWindow, read_contacts_page, contacts_window_touch, _shown_contacts),
        WindowKind(CONTACT_TASKS_WINDOW, TasksWindow, read_tasks, _rereads(tasks_window_touched)),
        WindowKind(AGENT_TASKS_WINDOW, TasksWindow, read_tasks, _rereads(tasks_window_touched)),
        WindowKind(AUDIT_WINDOW, AuditWindow, read_audit_page, _rereads(_audit_touched)),
        WindowKind(STATUS_HISTORY_WINDOW, StatusHistoryWindow, read_status_history_page,
                   _rereads(_status_history_touched)),
        *(WindowKind(name, ListWindow, read_list, _rereads(list_window_touched)) for name in sorted(LIST_KINDS)),
    )
}


def window_kind(kind: str, window: Hashable) -> WindowKind:
    """The declaration of `kind`, for a window of its type: anything else is a programming error,
    said here rather than as a wrong read."""
    declared = WINDOW_KINDS.get(kind)
    if declared is None:
        raise KeyError(f"no window kind {kind!r} is declared in app/views/windows.py")
    if not isinstance(window, declared.window_type):
        raise TypeError(f"a {kind!r} window is a {declared.window_type.__name__}, not {type(window).__name__}")
    return declared


def read_window(session: Session, kind: str, window: Hashable) -> Any:
    return window_kind(kind, window).read(session, window)


def shown_ids(kind: str, result: Any) -> frozenset[int]:
    return WINDOW_KINDS[kind].shown(result)


def window_touch(kind: str, window: Hashable, shown: frozenset[int] | None, work: WorkTouched) -> Touch:
    return window_kind(kind, window).touch(window, shown, work)
