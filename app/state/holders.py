"""Which state shows each kind of view and window a live link delivers, and how it takes it.

The live link (app/state/live.py) looks every delivery up here instead of switching on kinds: a
window kind (app/views/windows.py) or shared view (app/views/live.py) without a holder fails at
start (app/registrations.py) and in tests/unit/test_registrations.py, never as a silent no-op in a
background task.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import reflex as rx

from app.rules.actors import Actor
from app.state.admin.audit import AuditLogState
from app.state.admin.history import StatusHistoryState
from app.state.admin.lists import AdminListsState
from app.state.admin.paged import PagedWindow
from app.state.contacts import ContactsState
from app.state.system import SystemState
from app.state.work import WorkState, notification_scripts
from app.state.workforce import WorkforceState
from app.views.lists import LIST_KINDS
from app.views.live import ADMIN_VIEW, CHATS_VIEW, SUMMARY_VIEW, TENANT_VIEW, client_id_of
from app.views.pages import PageRoute
from app.views.tasks import TasksWindow
from app.views.windows import (
    AGENT_TASKS_WINDOW,
    AUDIT_WINDOW,
    CONTACT_BADGES,
    CONTACT_TASKS_WINDOW,
    CONTACTS_WINDOW,
    STATUS_HISTORY_WINDOW,
)
from app.views.work import SummaryView

# state, seq, window, what was read
ApplyWindow = Callable[[Any, int, Any, Any], None]
# state, actor, the page -> the windows it opens (of this holder's kinds)
OpenWindows = Callable[[Any, Actor, PageRoute], Mapping[str, Hashable]]
# state, kind -> the window of that kind the tab shows now (None: none any more)
CurrentWindow = Callable[[Any, str], Hashable | None]


@dataclass(frozen=True)
class WindowHolder:
    """The state that shows one kind of window: how it takes a read, and how a page opens it."""

    state: type[rx.State]
    apply: ApplyWindow
    # How the page's live link opens it (None: the person opens it, e.g. a contact's tasks;
    # lists are opened by WorkState._open_lists from the page table).
    open: OpenWindows | None = None
    # What the tab shows now, for the poller (the person may have searched, paged or asked for
    # more since the last poll); None: the window stays the one the page opened with.
    current: CurrentWindow | None = None


def _open_contacts(state: ContactsState, actor: Actor, _route: PageRoute) -> Mapping[str, Hashable]:
    return state._opened(actor)


def _open_admin_window(state: PagedWindow, actor: Actor, _route: PageRoute) -> Mapping[str, Hashable]:
    return state._opened(actor)  # which opens nothing for anyone but a platform admin


def _open_agent_tasks(state: WorkState, actor: Actor, route: PageRoute) -> Mapping[str, Hashable]:
    if route.agent_id is None:
        return {}
    return state._open_agent_tasks(TasksWindow(client_id=client_id_of(actor.audience), ai_agent_id=route.agent_id))


def _current_contacts(state: ContactsState, _kind: str) -> Hashable | None:
    return state._window()


def _current_list(state: WorkState, kind: str) -> Hashable | None:
    return state._lists.get(kind)


def _current_admin_window(state: PagedWindow, kind: str) -> Hashable | None:
    return state._windows().get(kind)


WINDOW_HOLDERS: dict[str, WindowHolder] = {
    CONTACTS_WINDOW: WindowHolder(ContactsState, ContactsState._apply_page, _open_contacts, _current_contacts),
    CONTACT_TASKS_WINDOW: WindowHolder(ContactsState, ContactsState._apply_contact_tasks),
    AGENT_TASKS_WINDOW: WindowHolder(WorkState, WorkState._apply_agent_tasks, _open_agent_tasks),
    AUDIT_WINDOW: WindowHolder(AuditLogState, AuditLogState._apply_page, _open_admin_window, _current_admin_window),
    STATUS_HISTORY_WINDOW: WindowHolder(StatusHistoryState, StatusHistoryState._apply_page, _open_admin_window,
                                        _current_admin_window),
    **{name: WindowHolder(WorkState, WorkState._apply_list, current=_current_list) for name in LIST_KINDS},
}

# state, the view -> what the page should run for it (toasts, notifications)
ApplyView = Callable[[Any, Any], list[Any]]


@dataclass(frozen=True)
class ViewHolder:
    state: type[rx.State]
    apply: ApplyView


def _applied(apply: Callable[[Any, Any], object]) -> ApplyView:
    """A view whose applying asks the page to run nothing."""

    def apply_and_run_nothing(state: Any, view: Any) -> list[Any]:
        apply(state, view)
        return []

    return apply_and_run_nothing


def _apply_summary(state: WorkState, view: SummaryView) -> list[Any]:
    return notification_scripts(state._apply_view(view))


VIEW_HOLDERS: dict[str, tuple[ViewHolder, ...]] = {
    TENANT_VIEW: (ViewHolder(SystemState, _applied(SystemState._apply_view)),
                  ViewHolder(WorkforceState, _applied(WorkforceState._apply_view))),
    CHATS_VIEW: (ViewHolder(WorkforceState, _applied(WorkforceState._apply_chats)),),
    SUMMARY_VIEW: (ViewHolder(WorkState, _apply_summary),),
    ADMIN_VIEW: (ViewHolder(AdminListsState, _applied(AdminListsState._apply_view)),),
}
# Patches to what a window shows, applied whatever their seq (the window's own check decides).
PATCH_HOLDERS: dict[str, ViewHolder] = {
    # New badges of the cards a contacts window shows, offered without a read.
    CONTACT_BADGES: ViewHolder(ContactsState, _applied(ContactsState._apply_badges)),
}
