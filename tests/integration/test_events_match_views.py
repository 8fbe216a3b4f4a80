"""Every write reaches open pages as exactly what a fresh build of their views would show.

In the spirit of Zulip's `verify_action`: for each service that writes, apply it with the change
feed running and three pages open (Acme's, Globex's, a platform admin's, each following every
shared view), let the feed push, then check that
- the pages the write concerns got one push, and the others none;
- what each page then holds (its first snapshot with every push applied: shared views and every
  window it has open) equals a fresh build of it read after the write: the incremental read side
  never drifts from what a reload would show, in what it pushed or in what it left alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from app.db import read_session
from app.feed.listener import ChangeFeed, latest_seq
from app.feed.registry import SessionRegistry
from app.feed.signals import wake_source_for_settings
from app.models import AIAgent, Client, Contact, HumanAgent, SystemMessage, User, utc_now
from app.rules.actors import ALL_TENANTS, audience_for, system_actor
from app.services import chats, drafts, follow_ups, maintenance, presence, system_status, tasks
from app.services.auth import actor_for_email, create_user, sign_in
from app.services.users import link_auth_user
from app.views.admin import AdminView
from app.views.audit import AuditWindow, StatusHistoryWindow
from app.views.contacts import ContactsWindow
from app.views.lists import ListWindow
from app.views.live import EVERY_VIEW, build_views
from app.views.tasks import TasksWindow
from app.views.windows import (
    AGENT_TASKS_WINDOW,
    AUDIT_WINDOW,
    CONTACT_BADGES,
    CONTACT_TASKS_WINDOW,
    CONTACTS_WINDOW,
    LIST_WINDOWS,
    STATUS_HISTORY_WINDOW,
    read_window,
    shown_ids,
)
from tests.support.loops import run_async

APPLIED_TIMEOUT_SECONDS = 10  # generous: only a lost change would take this long
ACME, GLOBEX, ADMINS = "acme", "globex", "admins"
EVERYONE = frozenset({ACME, GLOBEX, ADMINS})
ACME_AND_ADMINS = frozenset({ACME, ADMINS})


@dataclass
class World:
    """Ids the writes need, found in the demo data."""

    acme: int
    globex: int
    admin: object
    acme_admin: object
    sam: object
    worker: object
    contact: int
    ai_agent: int
    globex_contact: int
    globex_ai_agent: int
    sams_agent: int

    def task(self) -> int:
        return tasks.assign_task(self.acme_admin, self.contact, self.ai_agent, "Say hello")

    def draft(self) -> int:
        task_id = self.task()
        claimed = tasks.claim_next_task(self.worker)
        assert claimed is not None and claimed.id == task_id
        return tasks.complete_task(self.worker, task_id, "Hello", "Dear customer")

    def window(self, starts_in: timedelta = timedelta(hours=2)) -> int:
        """A maintenance window for Acme, soon enough for its notice to show."""
        start = utc_now() + starts_in
        return maintenance.schedule_window(self.admin, self.acme, start, start + timedelta(hours=1), "Upgrade").id

    def acme_message(self) -> int:
        system_status.publish_system_status(self.admin, self.acme, "active", "Heads up", "info")
        with read_session() as session:
            return session.exec(select(SystemMessage.id).where(SystemMessage.client_id == self.acme)
                                .order_by(SystemMessage.id.desc())).first()


@dataclass
class Write:
    """A service call (after `prepare`, whose changes are pushed first and not counted)."""

    apply: Callable[[World, object], object]
    pushed_to: frozenset[str]
    prepare: Callable[[World], object] = lambda world: None


WRITES = {
    "publish a client's status": Write(
        lambda w, _: system_status.publish_system_status(w.admin, w.acme, "maintenance", "Back soon", "warning"),
        ACME_AND_ADMINS),
    "publish a global message": Write(
        lambda w, _: system_status.publish_system_status(w.admin, None, "active", "For everyone", "info"), EVERYONE),
    "publish a message that expires": Write(
        lambda w, _: system_status.publish_system_status(w.admin, w.acme, "active", "Brief", "info",
                                                         utc_now() + timedelta(hours=1)), ACME_AND_ADMINS),
    "edit a message": Write(
        lambda w, message_id: system_status.update_system_message(w.admin, message_id, "Edited", "warning", None),
        ACME_AND_ADMINS, lambda w: w.acme_message()),
    "withdraw a message": Write(
        lambda w, message_id: system_status.withdraw_system_message(w.admin, message_id),
        ACME_AND_ADMINS, lambda w: w.acme_message()),
    "clear a client's status": Write(
        lambda w, _: system_status.clear_status_override(w.admin, w.acme), ACME_AND_ADMINS,
        lambda w: system_status.publish_system_status(w.admin, w.acme, "inactive")),
    "assign a task": Write(lambda w, _: w.task(), ACME_AND_ADMINS),
    "cancel a task": Write(lambda w, task_id: tasks.cancel_task(w.acme_admin, task_id), ACME_AND_ADMINS,
                           lambda w: w.task()),
    "a worker claims a task": Write(lambda w, _: tasks.claim_next_task(w.worker), ACME_AND_ADMINS,
                                    lambda w: w.task()),
    "a worker finishes a task with a draft": Write(
        lambda w, task_id: tasks.complete_task(w.worker, task_id, "Hello", "Dear customer"), ACME_AND_ADMINS,
        lambda w: (w.task(), tasks.claim_next_task(w.worker))[1].id),
    "a worker fails a task": Write(
        lambda w, task_id: tasks.fail_task(w.worker, task_id, "The mail server said no"), ACME_AND_ADMINS,
        lambda w: (w.task(), tasks.claim_next_task(w.worker))[1].id),
    "approve a draft": Write(lambda w, draft_id: drafts.approve_draft(w.acme_admin, draft_id), ACME_AND_ADMINS,
                             lambda w: w.draft()),
    "reject a draft": Write(lambda w, draft_id: drafts.reject_draft(w.acme_admin, draft_id), ACME_AND_ADMINS,
                            lambda w: w.draft()),
    "schedule a follow-up": Write(
        lambda w, _: follow_ups.schedule_follow_up(w.acme_admin, w.contact, utc_now() + timedelta(days=1), "Call"),
        ACME_AND_ADMINS),
    "cancel a follow-up": Write(
        lambda w, follow_up_id: follow_ups.cancel_follow_up(w.acme_admin, follow_up_id), ACME_AND_ADMINS,
        lambda w: follow_ups.schedule_follow_up(w.acme_admin, w.contact, utc_now() + timedelta(days=1), "Call")),
    "an agent sets their presence": Write(lambda w, _: presence.set_manual_status(w.sam, "busy"), ACME_AND_ADMINS),
    "a chat arrives": Write(lambda w, _: chats.create_chat(None, "Acme", "Where is my parcel?"), ACME_AND_ADMINS),
    "assign a chat": Write(
        lambda w, chat_id: chats.assign_chat(w.acme_admin, chat_id, w.sams_agent), ACME_AND_ADMINS,
        lambda w: (sign_in("sam@acme.demo", "beacon-demo"), presence.set_manual_status(w.sam, "available"),
                   chats.create_chat(None, "Acme", "Refund"))[-1]),
    "close a chat": Write(
        lambda w, chat_id: chats.close_chat(w.acme_admin, chat_id), ACME_AND_ADMINS,
        lambda w: chats.create_chat(None, "Acme", "Password reset")),
    "schedule a client's maintenance": Write(lambda w, _: w.window(), ACME_AND_ADMINS),
    "extend a maintenance window": Write(
        lambda w, window_id: maintenance.extend_window(w.admin, window_id, utc_now() + timedelta(hours=4)),
        ACME_AND_ADMINS, lambda w: w.window()),
    "cancel a maintenance window": Write(lambda w, window_id: maintenance.cancel_window(w.admin, window_id),
                                         ACME_AND_ADMINS, lambda w: w.window()),
    "a maintenance window starts": Write(lambda w, _: w.window(starts_in=timedelta(0)), ACME_AND_ADMINS),
    "publish to several clients": Write(
        lambda w, _: system_status.publish_to_clients(w.admin, [w.acme, w.globex], "maintenance", "Both", "warning",
                                                      None), EVERYONE),
    "create a user": Write(
        lambda w, _: create_user(w.admin, "pat@acme.demo", "Pat", "a-long-enough-password", "user", "Acme"),
        frozenset({ADMINS})),
    "link a user to Supabase Auth": Write(
        lambda w, _: link_auth_user(w.admin, "kim@acme.demo", "0b6f6c1e-3a55-4f0e-9d43-2b1f7f0c6a11"),
        frozenset({ADMINS})),
}


def the_world() -> World:
    with read_session() as session:
        clients = dict(session.exec(select(Client.name, Client.id)).all())
        acme = clients["Acme"]
        first_contact = {c: session.exec(select(Contact.id).where(Contact.client_id == c).order_by(Contact.id)).first()
                         for c in clients.values()}
        first_ai_agent = {c: session.exec(select(AIAgent.id).where(AIAgent.client_id == c).order_by(AIAgent.id)).first()
                          for c in clients.values()}
        sams_agent = session.exec(select(HumanAgent.id).join(User, User.id == HumanAgent.user_id)
                                  .where(User.email == "sam@acme.demo")).first()
    return World(acme=acme, globex=clients["Globex"], admin=actor_for_email("admin@beacon.demo"),
                 acme_admin=actor_for_email("ops@acme.demo"),
                 sam=actor_for_email("sam@acme.demo"), worker=system_actor("worker:event-test"),
                 contact=first_contact[acme], ai_agent=first_ai_agent[acme],
                 globex_contact=first_contact[clients["Globex"]], globex_ai_agent=first_ai_agent[clients["Globex"]],
                 sams_agent=sams_agent)


async def apply_and_settle(feed: ChangeFeed, call: Callable[[], object]) -> object:
    """Run a service call, then wait until the feed has pushed everything it wrote."""
    result = await asyncio.to_thread(call)
    await feed.wait_until_applied(await asyncio.to_thread(latest_seq), APPLIED_TIMEOUT_SECONDS)
    return result


class Page:
    """What an open page holds, kept as a page keeps it: its first snapshot (every shared view and
    each window it shows, read fresh), then each push applied (a view or window replaced, badges
    merged into the contacts it shows)."""

    def __init__(self, sessions: SessionRegistry, audience: str, windows: dict[str, Hashable]):
        self.audience = audience
        self.subscription = sessions.subscribe(audience, topics=EVERY_VIEW)
        self.views = build_views(audience, EVERY_VIEW)
        self.windows = windows
        self.held: dict[str, Any] = {}
        with read_session() as session:
            for kind, window in windows.items():
                self.subscription.open_window(kind, window)
                self.held[kind] = read_window(session, kind, window)
                self.subscription.window_read(kind, window, shown_ids(kind, self.held[kind]))

    def receive(self) -> set[str]:
        """Apply every pending push; the kinds pushed."""
        pushed = self.subscription.take_pending()
        for kind, (_seq, payload) in pushed.items():
            if kind == CONTACT_BADGES:
                self.held[CONTACTS_WINDOW].badges.update(payload)
            elif kind in self.windows:
                window, result = payload
                assert window == self.windows[kind]
                self.held[kind] = result
            else:
                self.views[kind] = payload
        return set(pushed)

    def differences_from_a_fresh_build(self) -> list[str]:
        fresh_views = build_views(self.audience, EVERY_VIEW)
        wrong = [kind for kind, view in fresh_views.items() if timeless(self.views.get(kind)) != timeless(view)]
        with read_session() as session:
            for kind, window in self.windows.items():
                fresh, held = read_window(session, kind, window), self.held[kind]
                if kind == CONTACTS_WINDOW:
                    # A badge that went away is patched as "" (no badge); a fresh read omits it.
                    held = replace(held, badges={i: b for i, b in held.badges.items() if b})
                if held != fresh:
                    wrong.append(kind)
        return wrong


def timeless(view: object) -> object:
    """The view without what moves with the clock alone: the uptime shares of a day not over yet
    (today's bar and the 30/90-day figures grow while a status other than Active lasts; a page
    gets them again with its next change). Each day's state stays compared."""
    if not isinstance(view, AdminView):
        return view
    return replace(view, uptime=[(series.scope, [(day.day, day.state) for day in series.days])
                                 for series in view.uptime])


def windows_of(client_id: int | None, contact: int | None, ai_agent: int | None) -> dict[str, Hashable]:
    """Every window a person of this audience can have open: contacts, a contact's and an agent's
    tasks, each list (approvals, follow-ups, activity) and, for the platform's admins, the audit log
    and the status history."""
    windows: dict[str, Hashable] = {name: ListWindow(name, client_id).normalized() for name in LIST_WINDOWS}
    windows[CONTACTS_WINDOW] = ContactsWindow(client_id).normalized()
    if client_id is None:
        windows[AUDIT_WINDOW] = AuditWindow()
        windows[STATUS_HISTORY_WINDOW] = StatusHistoryWindow()
    else:
        windows[CONTACT_TASKS_WINDOW] = TasksWindow(client_id, contact_id=contact)
        windows[AGENT_TASKS_WINDOW] = TasksWindow(client_id, ai_agent_id=ai_agent)
    return windows


@pytest.mark.parametrize("name", WRITES)
def test_a_write_reaches_the_pages_it_concerns_and_leaves_them_as_a_fresh_build(database, name):
    write = WRITES[name]
    world = the_world()

    async def scenario():
        sessions = SessionRegistry()
        feed = ChangeFeed(sessions, wake_source_for_settings())
        running = asyncio.create_task(feed.run())
        try:
            await feed.wait_until_applied(0, APPLIED_TIMEOUT_SECONDS)
            pages = {
                ACME: Page(sessions, audience_for(world.acme), windows_of(world.acme, world.contact, world.ai_agent)),
                GLOBEX: Page(sessions, audience_for(world.globex),
                             windows_of(world.globex, world.globex_contact, world.globex_ai_agent)),
                ADMINS: Page(sessions, ALL_TENANTS, windows_of(None, None, None)),
            }
            prepared = await apply_and_settle(feed, lambda: write.prepare(world))
            for page in pages.values():
                page.receive()
            await apply_and_settle(feed, lambda: write.apply(world, prepared))
            pushed = {name: page.receive() for name, page in pages.items()}
            return pushed, {name: await asyncio.to_thread(page.differences_from_a_fresh_build)
                            for name, page in pages.items()}
        finally:
            running.cancel()

    pushed, differences = run_async(scenario())

    assert {page for page, kinds in pushed.items() if kinds} == set(write.pushed_to), pushed
    assert differences == {ACME: [], GLOBEX: [], ADMINS: []}
