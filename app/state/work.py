"""The AI agents' work as every page shares it: agents, pending approvals, activity, drafts,
follow-ups and notifications; and the agent page's window of tasks. Contacts: state/contacts.py."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict, replace
from typing import Any

import reflex as rx

from app.db import read_session
from app.feed.guard import UNREADABLE
from app.rules.errors import ServiceError
from app.rules.text import text_problem
from app.rules.timeparse import parse_local_datetime
from app.services import drafts, follow_ups, tasks, throttle
from app.state.clock import BrowserClock
from app.state.events import event
from app.state.forms import form_dict, form_text
from app.state.signed_in import SignedIn
from app.state.views import apply_view
from app.state.windows import fresh_read, hold_and_read, unreadable_notice
from app.views.contacts import SEARCH_MAX_LENGTH, ContactsWindow, find_contact, read_contacts_page
from app.views.lists import ActivityRow, DraftBody, DraftRow, FollowUpRow, ListPage, ListWindow, read_draft_body
from app.views.live import client_id_of
from app.views.pages import PageRoute
from app.views.tasks import TaskRow, TasksPage, TasksWindow
from app.views.windows import AGENT_TASKS_WINDOW
from app.views.work import NO_AI_AGENT, AIAgentLine, NotificationEvent, SummaryView

CONTACT_SUGGESTIONS = 10  # names offered while typing a contact in the follow-up form
# More new events than this in one push (a burst) become one summary notification.
NOTIFY_INDIVIDUALLY_UP_TO = 3
# During a burst a page shows at most one summary per this many seconds; the rest is on screen.
SUMMARY_COOLDOWN_SECONDS = 5.0


class WorkState(SignedIn, rx.State):
    # The summary view's work part (views/work.py WorkSummary).
    ai_agents: list[AIAgentLine] = []
    page_agent_tasks: rx.Field[list[TaskRow]] = rx.field(default_factory=list)
    page_agent_has_more: bool = False
    page_agent_older_hidden: bool = False
    pending_count: int = 0
    # The newest-first lists this page shows (views/lists.py), each a window of its own.
    pending_drafts: list[DraftRow] = []
    approved_drafts: list[DraftRow] = []
    decided_drafts: list[DraftRow] = []
    scheduled_follow_ups: list[FollowUpRow] = []
    follow_up_history: list[FollowUpRow] = []
    activity: list[ActivityRow] = []
    # Lists whose first read has arrived (until then: a spinner).
    lists_loaded: rx.Field[list[str]] = rx.field(default_factory=list)
    has_more: dict[str, bool] = {}  # list name -> older rows exist ("Show more")
    # Lists with older rows past the most a list holds.
    older_hidden: rx.Field[list[str]] = rx.field(default_factory=list)
    open_draft_id: int = 0  # the draft shown whole on /approvals (0: none)
    open_draft_body: str = ""

    # The follow-up form.
    follow_up_errors: dict[str, str] = {}
    contact_suggestions: list[str] = []
    busy: bool = False
    # The browser's Notification permission: "default" (not asked), "granted", "denied", "unsupported".
    notification_permission: str = "unsupported"

    _last_event_id: int = -1  # -1: nothing seen yet (the first view sets the baseline silently)
    _last_summary_at: float = 0.0

    _lists: dict[str, ListWindow] = {}  # list name -> the window this page holds
    _seq: dict[str, int] = {}  # window kind (each list, the agent's tasks) -> the seq last applied

    def _open_lists(self, windows: dict[str, ListWindow]) -> None:
        """The live link starts: these are the lists of the page (at their first page)."""
        self._lists = dict(windows)
        self._seq = {}
        self.lists_loaded = []

    def _apply_list(self, seq: int, window: ListWindow, page: ListPage) -> None:
        if not fresh_read(self._seq, window.name, seq, self._lists.get(window.name), window):
            return  # the page has moved on (another page, more rows) since this was read
        if getattr(self, window.name) != page.rows:
            setattr(self, window.name, page.rows)
        if self.has_more.get(window.name) != page.has_more:
            self.has_more = {**self.has_more, window.name: page.has_more}
        if (window.name in self.older_hidden) != page.older_hidden:
            others = [name for name in self.older_hidden if name != window.name]
            self.older_hidden = [*others, window.name] if page.older_hidden else others
        if window.name not in self.lists_loaded:
            self.lists_loaded = [*self.lists_loaded, window.name]

    @event
    async def show_more(self, name: str):
        """Older rows of one list: its window grows by a page and is read again."""
        if not isinstance(name, str) or name not in self._lists:
            return
        actor, refusal = await self._window_reader()
        if actor is None:
            return refusal
        window = self._lists[name].more()
        self._lists = {**self._lists, name: window}
        seq, page = await hold_and_read(self.router.session.client_token, name, window)
        if page is UNREADABLE:
            return unreadable_notice()
        self._apply_list(seq, window, page)

    def _apply_view(self, view: SummaryView) -> list[NotificationEvent]:
        """Apply the work summary; returns the events this page has not notified about yet."""
        apply_view(self, view.work)
        newest = max((e.id for e in view.events), default=0)
        if self._last_event_id < 0:
            self._last_event_id = newest
            return []
        fresh = [e for e in view.events if e.id > self._last_event_id]
        self._last_event_id = max(self._last_event_id, newest)
        if len(fresh) > NOTIFY_INDIVIDUALLY_UP_TO:
            if time.monotonic() - self._last_summary_at < SUMMARY_COOLDOWN_SECONDS:
                return []
            self._last_summary_at = time.monotonic()
        return fresh

    _agent_tasks_window: TasksWindow | None = None

    def _open_agent_tasks(self, window: TasksWindow) -> dict[str, TasksWindow]:
        self._agent_tasks_window = window
        self._seq.pop(AGENT_TASKS_WINDOW, None)
        return {AGENT_TASKS_WINDOW: window}

    def _apply_agent_tasks(self, seq: int, window: TasksWindow, page: TasksPage) -> None:
        if fresh_read(self._seq, AGENT_TASKS_WINDOW, seq, self._agent_tasks_window, window):
            if self.page_agent_tasks != page.rows:
                self.page_agent_tasks = page.rows
            self.page_agent_has_more = page.has_more
            self.page_agent_older_hidden = page.older_hidden

    @event
    async def more_agent_tasks(self):
        """Older tasks of the page's agent: its window grows by a page and is read again."""
        if self._agent_tasks_window is None:
            return
        actor, refusal = await self._window_reader()
        if actor is None:
            return refusal
        window = self._agent_tasks_window.more()
        self._agent_tasks_window = window
        seq, page = await hold_and_read(self.router.session.client_token, AGENT_TASKS_WINDOW, window)
        if page is UNREADABLE:
            return unreadable_notice()
        self._apply_agent_tasks(seq, window, page)

    # --- computed views -------------------------------------------------------------------

    @rx.var
    def page_agent_id(self) -> str:
        """The <id> of /agents/<id> ("" for a made-up one)."""
        return PageRoute.of(str(self.router.url.path)).agent_param

    @rx.var
    def page_agent(self) -> AIAgentLine:
        return next((a for a in self.ai_agents if str(a.id) == self.page_agent_id), NO_AI_AGENT)

    # --- tasks -------------------------------------------------------------------------------

    @event
    async def cancel_task(self, task_id: str):
        return await self._call(tasks.cancel_task, task_id, success="Task cancelled.")

    # --- drafts -----------------------------------------------------------------------------

    @event
    async def open_draft(self, draft_id: str):
        """Show one draft whole (lists carry each draft's opening only)."""
        def shown(draft: DraftBody) -> None:
            self.open_draft_id, self.open_draft_body = draft.id, draft.body

        return await self._call(read_draft_body, draft_id, limit=throttle.WINDOW_READ, success=shown)

    @event
    def close_draft(self):
        self.open_draft_id, self.open_draft_body = 0, ""

    @event
    async def approve(self, draft_id: str):
        return await self._call(drafts.approve_draft, draft_id, success="Draft approved.")

    @event
    async def reject(self, draft_id: str):
        return await self._call(drafts.reject_draft, draft_id, success="Draft rejected.")

    @event
    async def mark_sent(self, draft_id: str):
        return await self._call(drafts.mark_draft_sent, draft_id,
                                success="Marked as sent; a follow-up is scheduled.")

    # --- follow-ups -------------------------------------------------------------------------

    @event
    async def schedule_follow_up(self, form_data: dict):
        actor, refusal = await self._signed_in()
        if actor is None:
            return refusal
        self.follow_up_errors = {}
        form_data = form_dict(form_data)
        wanted = form_data.get("contact")
        wanted = wanted[:SEARCH_MAX_LENGTH].strip() if isinstance(wanted, str) else ""
        problem = text_problem(wanted)  # before the contact is looked up by it
        if problem is not None:
            self.follow_up_errors = {"contact": problem}
            return
        client_id = client_id_of(actor.audience)

        def find():
            with read_session() as session:
                return find_contact(session, client_id, wanted)

        contact = await asyncio.to_thread(find) if wanted else None
        if contact is None:
            self.follow_up_errors = {"contact": "Type the name or email of one of your contacts."}
            return
        offset = int((await self.get_state(BrowserClock)).utc_offset_minutes)

        try:  # the time is read before the write is counted: a mistyped date costs no allowance
            when = parse_local_datetime(form_text(form_data.get("scheduled_for")), offset, "scheduled_for")
        except ServiceError as error:
            self._show_refusal("follow_up_errors", error)
            return None
        note = form_text(form_data.get("note"))
        return await self._call_as(actor, follow_ups.schedule_follow_up, contact.id, when, note,
                                   limit=throttle.SCHEDULE_FOLLOW_UP, errors="follow_up_errors",
                                   success=f"Follow-up with {contact.name} scheduled.")

    @event
    async def suggest_contacts(self, text: str):
        """Offer matching contact names while the person types one (a bounded search)."""
        search = form_text(text)[:SEARCH_MAX_LENGTH]
        if text_problem(search) is not None:  # nothing matches it; no query sees it
            self.contact_suggestions = []
            return None
        actor, refusal = await self._window_reader()  # too many: the suggestions stay as they were
        if actor is None:
            return refusal
        window = ContactsWindow(client_id=client_id_of(actor.audience), search=search)

        def read():
            with read_session() as session:
                return read_contacts_page(session, window, limit=CONTACT_SUGGESTIONS)

        page = await asyncio.to_thread(read)
        self.contact_suggestions = [row.name for row in page.rows]

    @event
    async def cancel_follow_up(self, follow_up_id: str):
        return await self._call(follow_ups.cancel_follow_up, follow_up_id, success="Follow-up cancelled.")

    # --- browser notifications ---------------------------------------------------------------

    @event
    def read_notification_permission(self):
        return rx.call_script("window.beaconNotificationPermission()",
                              callback=WorkState.remember_notification_permission)

    @event
    def ask_notification_permission(self):
        return rx.call_script("window.beaconAskNotificationPermission()",
                              callback=WorkState.remember_notification_permission)

    @event
    def remember_notification_permission(self, permission: str):
        allowed = ("default", "granted", "denied", "unsupported")
        self.notification_permission = permission if isinstance(permission, str) and permission in allowed \
            else "unsupported"


def _browser_notification(event: NotificationEvent) -> Any:
    return rx.call_script(f"window.beaconNotify({json.dumps(asdict(event))})")


def notification_scripts(events: list[NotificationEvent]) -> list:
    """What a page runs for new events: a toast each (or one for a burst), and a browser
    notification that the page's other tabs do not repeat (beaconNotify, assets/notify.js)."""
    if not events:
        return []
    if len(events) > NOTIFY_INDIVIDUALLY_UP_TO:
        # The burst as one notification: the newest event's id (so other tabs skip it), body and link.
        summary = replace(events[-1], title=f"{len(events)} updates from your agents")
        return [rx.toast.info(summary.title), _browser_notification(summary)]
    actions = []
    for notice in events:
        toast = rx.toast.error if notice.kind == "failed" else rx.toast.success
        actions.append(toast(f"{notice.title}: {notice.body}"))
        actions.append(_browser_notification(notice))
    return actions
