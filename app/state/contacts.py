"""/contacts: the window of contact cards this tab shows, the open contact's tasks, assigning.

The page's window (search, badge filter, sort, offset) lives here and in the tab's subscription,
so the feed re-reads or patches it when a change touches it. Whatever the page sends, the window
is always of the caller's own client (platform admins: every client), decided on the server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from typing import Any

import reflex as rx

from app.db import read_session
from app.feed.guard import UNREADABLE
from app.rules.actors import Actor
from app.rules.text import text_problem
from app.services import tasks, throttle
from app.state.events import event
from app.state.forms import form_dict
from app.state.signed_in import SignedIn
from app.state.windows import fresh_read, hold_and_read, let_go, unreadable_notice
from app.state.work import WorkState
from app.views.access import as_row_id
from app.views.contacts import (
    BADGE_FILTERS,
    CONTACTS_PAGE_SIZE,
    SEARCH_MAX_LENGTH,
    SORTS,
    ContactRow,
    ContactsPage,
    ContactsWindow,
    read_contact,
)
from app.views.live import client_id_of
from app.views.paging import PagePosition, page_position
from app.views.tasks import TaskRow, TasksPage, TasksWindow
from app.views.windows import CONTACT_TASKS_WINDOW, CONTACTS_WINDOW

NO_CONTACT = ContactRow(id=0, name="", email="", company="", client_id=0, client="")
NOT_YOURS = "That contact is not one of yours."


class ContactsState(SignedIn, rx.State):
    search: str = ""
    badge_filter: str = ""
    sort: str = "name"
    offset: int = 0
    total: rx.Field[int] = rx.field(0)
    rows: list[ContactRow] = []
    badges: dict[str, str] = {}  # contact id -> its badge, for the shown cards that have one
    loaded: bool = False  # the first window has arrived (until then the page shows a spinner)
    reading: bool = False  # a search or page change is being read
    search_error: str = ""  # why the last search typed was refused (the window keeps the one before)

    open_contact: ContactRow = NO_CONTACT
    open_contact_tasks: rx.Field[list[TaskRow]] = rx.field(default_factory=list)
    open_contact_has_more: bool = False
    open_contact_older_hidden: bool = False
    assign_contact: ContactRow = NO_CONTACT
    assign_errors: dict[str, str] = {}
    assignable_agents: list[str] = []  # enabled AI agents of the assign dialog's contact's client

    _client_id: int | None = None
    _tasks_window: TasksWindow | None = None
    _seq: dict[str, int] = {}

    # --- what the page shows ----------------------------------------------------------------

    @rx.var
    def page(self) -> PagePosition:
        return page_position(self.offset, self.total, CONTACTS_PAGE_SIZE)

    def _window(self) -> ContactsWindow:
        return ContactsWindow(client_id=self._client_id, search=self.search, badge=self.badge_filter,
                              sort=self.sort, offset=self.offset).normalized()

    # --- applying what the feed pushes (called by the live link under the state lock) ----------

    def _apply_page(self, seq: int, window: ContactsWindow, page: ContactsPage) -> None:
        if not fresh_read(self._seq, CONTACTS_WINDOW, seq, self._window(), window):
            return  # the person has moved on to another search or page since it was read
        if self.rows != page.rows:  # an unchanged window sends nothing
            self.rows = page.rows
        badges = {str(contact_id): badge for contact_id, badge in page.badges.items()}
        if self.badges != badges:
            self.badges = badges
        if self.total != page.total:
            self.total = page.total
        if not self.loaded:
            self.loaded = True

    def _apply_badges(self, patch: dict[int, str]) -> None:
        """New badges of shown cards: only the small badge map is pushed, not the cards."""
        badges = dict(self.badges)
        for contact_id, badge in patch.items():
            if badge:
                badges[str(contact_id)] = badge
            else:
                badges.pop(str(contact_id), None)
        if badges != self.badges:
            self.badges = badges

    def _apply_contact_tasks(self, seq: int, window: TasksWindow, page: TasksPage) -> None:
        if fresh_read(self._seq, CONTACT_TASKS_WINDOW, seq, self._tasks_window, window):
            if self.open_contact_tasks != page.rows:
                self.open_contact_tasks = page.rows
            self.open_contact_has_more = page.has_more
            self.open_contact_older_hidden = page.older_hidden

    def _opened(self, actor: Actor) -> dict[str, Hashable]:
        """The live link starts: its windows are of the caller's audience, from the current controls."""
        self._client_id = client_id_of(actor.audience)
        self._seq = {}
        windows: dict[str, Hashable] = {CONTACTS_WINDOW: self._window()}
        if self.open_contact.id:
            self._tasks_window = TasksWindow(client_id=self._client_id, contact_id=self.open_contact.id)
            windows[CONTACT_TASKS_WINDOW] = self._tasks_window
        return windows

    # --- the caller's own changes to the window -------------------------------------------------

    async def _reopen(self, **controls: Any):
        """Show the window `controls` (search, badge_filter, sort, offset) describe, once the
        caller may open another (app/state/signed_in.py `_window_reader`)."""
        actor, refusal = await self._window_reader()
        if actor is None:
            yield refusal
            return
        for name, value in controls.items():
            setattr(self, name, value)
        self._client_id = client_id_of(actor.audience)
        window = self._window()
        self.offset = window.offset
        self.reading = True
        yield
        seq, page = await hold_and_read(self.router.session.client_token, CONTACTS_WINDOW, window)
        self.reading = False
        if page is UNREADABLE:
            yield unreadable_notice()
            return
        self._apply_page(seq, window, page)

    async def _refilter(self, search: str, badge: str, sort: str):
        """A new search, filter or sort: back to the first page of the new window."""
        async for update in self._reopen(search=search, badge_filter=badge, sort=sort, offset=0):
            yield update

    @event
    async def set_search(self, value: str):
        search = str(value)[:SEARCH_MAX_LENGTH]
        # Before the window holds it or a query sees it: NUL breaks PostgreSQL's read, a lone
        # surrogate SQLite's; a search is one line.
        problem = text_problem(search)
        if self.search_error != (problem or ""):
            self.search_error = problem or ""
        if problem is not None:
            return
        async for update in self._refilter(search, self.badge_filter, self.sort):
            yield update

    @event
    async def set_badge_filter(self, value: str):
        badge = value if isinstance(value, str) and value in BADGE_FILTERS else ""
        async for update in self._refilter(self.search, badge, self.sort):
            yield update

    @event
    async def set_sort(self, value: str):
        sort = value if isinstance(value, str) and value in SORTS else "name"
        async for update in self._refilter(self.search, self.badge_filter, sort):
            yield update

    @event
    async def next_page(self):
        if self.page.has_next:
            async for update in self._reopen(offset=self.offset + CONTACTS_PAGE_SIZE):
                yield update

    @event
    async def previous_page(self):
        if self.page.has_previous:
            async for update in self._reopen(offset=max(0, self.offset - CONTACTS_PAGE_SIZE)):
                yield update

    # --- one contact: its tasks, assigning a task --------------------------------------------

    async def _visible_contact(self, contact_id: Any, opens_window: bool = False
                               ) -> tuple[Actor | None, ContactRow | None, Any]:
        """(the caller, their contact of that id, None), or with no contact what to answer instead:
        the redirect to /login when signed out, too many windows asked for (`opens_window`: the
        contact's tasks are a window), else that the contact is not theirs."""
        actor, refusal = await (self._window_reader() if opens_window else self._signed_in())
        if actor is None:
            return None, None, refusal
        wanted = as_row_id(contact_id)  # text, a huge number, an object: no contact has that id
        client_id = client_id_of(actor.audience)

        def read(contact_id: int) -> ContactRow | None:
            with read_session() as session:
                return read_contact(session, contact_id, client_id)

        contact = await asyncio.to_thread(read, wanted) if wanted is not None else None
        return actor, contact, rx.toast.error(NOT_YOURS) if contact is None else None

    @event
    async def show_contact(self, contact_id: int):
        actor, contact, refusal = await self._visible_contact(contact_id, opens_window=True)
        if contact is None:
            return refusal
        assert actor is not None  # a contact is found for a signed-in caller only
        self.open_contact = contact
        self.open_contact_tasks = []
        window = TasksWindow(client_id=client_id_of(actor.audience), contact_id=contact.id)
        return await self._read_contact_tasks(window)

    @event
    async def more_contact_tasks(self):
        if self._tasks_window is not None:
            actor, refusal = await self._window_reader()
            if actor is None:
                return refusal
            return await self._read_contact_tasks(self._tasks_window.more())

    async def _read_contact_tasks(self, window: TasksWindow):
        self._tasks_window = window
        seq, page = await hold_and_read(self.router.session.client_token, CONTACT_TASKS_WINDOW, window)
        if page is UNREADABLE:
            return unreadable_notice()
        self._apply_contact_tasks(seq, window, page)
        return None

    @event
    def hide_contact(self):
        self.open_contact = NO_CONTACT
        self.open_contact_tasks = []
        self._tasks_window = None
        let_go(self.router.session.client_token, CONTACT_TASKS_WINDOW)

    @event
    async def start_assign(self, contact_id: int):
        _, contact, refusal = await self._visible_contact(contact_id)
        if contact is None:
            return refusal
        self.assign_contact = contact
        self.assign_errors = {}
        work = await self.get_state(WorkState)
        self.assignable_agents = [a.name for a in work.ai_agents if a.client_id == contact.client_id and a.enabled]

    @event
    def cancel_assign(self):
        self.assign_contact = NO_CONTACT
        self.assign_errors = {}

    @event
    async def assign(self, form_data: dict):
        actor, refusal = await self._signed_in()
        if actor is None:
            return refusal
        contact = self.assign_contact
        form_data = form_dict(form_data)
        agent_name = form_data.get("agent")
        work = await self.get_state(WorkState)
        agent = next((a for a in work.ai_agents if a.name == agent_name and a.client_id == contact.client_id), None)
        if not contact.id or agent is None:
            self.assign_errors = {"agent": "Choose one of this client's AI agents."}
            return
        instructions = form_data.get("instructions")

        def assigned(_):
            self.assign_contact = NO_CONTACT
            return rx.toast.success(f"{agent_name} is on it: {contact.name}.")

        # The service checks the caller may direct this contact's client's agents.
        return await self._call_as(actor, tasks.assign_task, contact.id, agent.id,
                                   instructions if isinstance(instructions, str) else "",
                                   limit=throttle.ASSIGN_TASK, errors="assign_errors", success=assigned)
