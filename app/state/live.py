"""The live link of one open page: follows the change feed and applies the views it pushes.

Every protected page starts `follow_changes` on load. Reflex cancels it when the page's
websocket goes away or the user navigates (a new page load supersedes the old chain), and the
`finally` takes its subscription out of the registry: nothing outlives the page.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Hashable, Mapping
from typing import Any

import reflex as rx

from app.config import get_settings
from app.db import read_session
from app.feed.guard import UNREADABLE, read_window_guarded
from app.feed.listener import latest_seq
from app.feed.registry import LINK_VIEW, LIVE, PAUSED, POLLING, SESSION_VIEW, WINDOW_FAILED, Subscription, registry
from app.models import AIAgent, utc_now
from app.rules.actors import Actor
from app.rules.errors import NotFound
from app.services import presence
from app.state.admin import AdminState
from app.state.auth import LOGIN_ROUTE, AuthState, actor_or_none
from app.state.contacts import ContactsState
from app.state.events import event
from app.state.reset import forget_everything
from app.state.system import SystemState
from app.state.windows import HOLD_READ_ATTEMPTS, missed_since, unreadable_notice
from app.state.work import VIEW_VARS, WorkState, notification_scripts
from app.state.workforce import WorkforceState
from app.views.access import as_row_id, visible_row
from app.views.lists import (
    ACTIVITY,
    APPROVED_DRAFTS,
    DECIDED_DRAFTS,
    FOLLOW_UP_HISTORY,
    PENDING_DRAFTS,
    SCHEDULED_FOLLOW_UPS,
    ListWindow,
)
from app.views.live import (
    ADMIN_VIEW,
    CHATS_VIEW,
    TENANT_VIEW,
    build_views_in,
    client_id_of,
    route_pattern,
    views_for_page,
)
from app.views.tasks import TasksWindow
from app.views.windows import (
    AGENT_TASKS_WINDOW,
    AUDIT_WINDOW,
    CONTACT_BADGES,
    CONTACT_TASKS_WINDOW,
    CONTACTS_WINDOW,
    LIST_WINDOWS,
    STATUS_HISTORY_WINDOW,
    shown_ids,
)


def _snapshot(audience: str, kinds: frozenset[str], windows: dict[str, Hashable]) -> tuple[int, dict[str, Any]]:
    """Everything a page shows, read at once: its shared views and its windows (a window that
    cannot be read comes back as (window, UNREADABLE): it costs the page that window alone)."""
    seq = latest_seq()  # read first: what is read below is at least as new as this
    with read_session() as session:
        views: dict[str, Any] = build_views_in(session, audience, kinds)
        for kind, window in windows.items():
            views[kind] = (window, read_window_guarded(session, kind, window))
    return seq, views


def _unreadable_kinds(views: dict[str, Any], windows: dict[str, Hashable]) -> list[str]:
    """The windows of a snapshot whose read failed, taken out of it (the page is told instead)."""
    failed = [kind for kind in windows if views[kind][1] is UNREADABLE]
    for kind in failed:
        del views[kind]
    return failed


def _same_sign_in(before: Actor, now: Actor | None) -> bool:
    """The caller is still the one the page's data was read for: same session, user, role, tenant."""
    return now is not None and (now.auth_session_id, now.user_id, now.role, now.audience) == \
        (before.auth_session_id, before.user_id, before.role, before.audience)


AGENT_PAGE = "/agents/[id]"
# The newest-first lists each page shows (each a window of its own).
PAGE_LISTS: dict[str, tuple[str, ...]] = {
    "/": (ACTIVITY,),
    AGENT_PAGE: (ACTIVITY,),
    "/approvals": (PENDING_DRAFTS, APPROVED_DRAFTS, DECIDED_DRAFTS),
    "/follow-ups": (SCHEDULED_FOLLOW_UPS, FOLLOW_UP_HISTORY),
}


LINK_PAUSED_MESSAGE = "Live updates paused on this page: your newer pages took its place. Reload it to resume."
LINK_PAUSED_TOAST_MS = 60_000  # read at leisure; the indicator keeps saying "Paused" after it goes


def _agent_id_of(path: str) -> int | None:
    parts = path.strip("/").split("/")
    return as_row_id(parts[1]) if route_pattern(path) == AGENT_PAGE else None  # no agent has a bad id


def visible_agent_id(actor: Actor, path: str) -> int | None:
    """The AI agent of /agents/<id> when it is one of the caller's client's (any, for a platform
    admin); None for another client's or a made-up id. Such a page opens no window: its activity is
    a filter over the client's whole audit log, re-read on every change, for an agent that is not
    there (runs in a worker thread)."""
    agent_id = _agent_id_of(path)
    if agent_id is None:
        return None
    with read_session() as session:
        try:
            return visible_row(session, AIAgent, agent_id, actor, "agent").id
        except NotFound:
            return None


def _next_wait(beat: Heartbeat, subscription) -> float | None:
    """Wake for the next heartbeat or the end of the sign-in session, whichever comes first."""
    waits = [w for w in (beat.seconds_left(), subscription.seconds_to_expiry(utc_now())) if w is not None]
    return min(waits) if waits else None


class Heartbeat:
    """An agent's open page keeps its session alive; other users' pages send nothing."""

    def __init__(self, session_key: str, enabled: bool):
        self.session_key = session_key  # the token's digest (app/web_session.py), never the token
        self.enabled = enabled
        self.last = float("-inf")

    def seconds_left(self) -> float | None:
        if not self.enabled:
            return None
        return max(0.0, self.last + get_settings().heartbeat_seconds - time.monotonic())

    async def maybe_send(self) -> None:
        if self.enabled and time.monotonic() - self.last >= get_settings().heartbeat_seconds:
            self.last = time.monotonic()
            await asyncio.to_thread(presence.heartbeat_key, self.session_key)


class LiveLinkState(rx.State):
    mode: str = LIVE
    worker: str = ""
    # The page's first snapshot has arrived (on every page load, navigation and reconnect, `begin`
    # clears it first). Until then numbers and lists show a placeholder, never a default 0 or an
    # empty list (app/components/loading.py).
    synced: bool = False
    _applied: dict[str, int] = {}

    @event
    def begin(self):
        """The first on_load handler of a live page: what the page shows is not this page's yet."""
        self.synced = False

    async def _apply(self, kind: str, seq: int, view: Any) -> list:
        """Apply one view or window; returns what the page should run for it (toasts, notifications)."""
        if kind == CONTACTS_WINDOW:
            (await self.get_state(ContactsState))._apply_page(seq, *view)
            return []
        if kind == CONTACT_BADGES:
            (await self.get_state(ContactsState))._apply_badges(view)
            return []
        if kind == CONTACT_TASKS_WINDOW:
            (await self.get_state(ContactsState))._apply_contact_tasks(seq, *view)
            return []
        if kind == AGENT_TASKS_WINDOW:
            (await self.get_state(WorkState))._apply_agent_tasks(seq, *view)
            return []
        if kind in LIST_WINDOWS:
            (await self.get_state(WorkState))._apply_list(seq, *view)
            return []
        if kind == AUDIT_WINDOW:
            (await self.get_state(AdminState))._apply_audit(seq, *view)
            return []
        if kind == STATUS_HISTORY_WINDOW:
            (await self.get_state(AdminState))._apply_history(seq, *view)
            return []
        if self._applied.get(kind, -1) > seq:
            return []  # an older view than the one on screen
        self._applied[kind] = seq
        if kind in VIEW_VARS:
            return notification_scripts((await self.get_state(WorkState))._apply_view(kind, view))
        if kind == SESSION_VIEW:
            return await self._leave()  # signed out in another tab: this page goes too
        if kind == WINDOW_FAILED:
            return [rx.toast.error(message) for message in sorted(set(view.values()))]
        if kind == LINK_VIEW:
            self.mode = view["mode"]
        elif kind == TENANT_VIEW:
            (await self.get_state(SystemState))._apply_view(view)
            (await self.get_state(WorkforceState))._apply_view(view)
        elif kind == CHATS_VIEW:
            (await self.get_state(WorkforceState))._apply_chats(view)
        elif kind == ADMIN_VIEW:
            (await self.get_state(AdminState))._apply_view(view)
        return []

    async def _page_windows(self, actor: Actor, path: str, agent_id: int | None) -> dict[str, Hashable]:
        """The windows the page at `path` opens with (read under the state lock); `agent_id`: the
        page's agent as `visible_agent_id` found it (an agent page without one opens none)."""
        client_id = client_id_of(actor.audience)
        if route_pattern(path) == AGENT_PAGE and agent_id is None:
            (await self.get_state(WorkState))._open_lists({})
            return {}
        lists = {name: ListWindow(name, client_id, ai_agent_id=agent_id).normalized()
                 for name in PAGE_LISTS.get(route_pattern(path), ())}
        (await self.get_state(WorkState))._open_lists(lists)
        return {**lists, **await self._route_windows(actor, path, agent_id)}

    async def _route_windows(self, actor: Actor, path: str, agent_id: int | None) -> Mapping[str, Hashable]:
        client_id = client_id_of(actor.audience)
        if route_pattern(path) == "/contacts":
            return (await self.get_state(ContactsState))._opened(actor)
        if route_pattern(path) == "/admin" and actor.is_platform_admin:
            return (await self.get_state(AdminState))._opened(actor)
        if agent_id is not None:
            return (await self.get_state(WorkState))._open_agent_tasks(
                TasksWindow(client_id=client_id, ai_agent_id=agent_id))
        return {}

    async def _leave(self) -> list:
        """The sign-in is over: nothing of it stays in the tab, which goes to the login page.
        Called under the state lock."""
        await forget_everything(self)
        return [rx.redirect(LOGIN_ROUTE)]

    async def _leave_from_background(self) -> list:
        """`_leave`, from the live link's background event (which holds no lock until it asks)."""
        async with self:
            return await self._leave()

    async def _ended(self, session_key: str, actor: Actor) -> bool:
        return not _same_sign_in(actor, await asyncio.to_thread(actor_or_none, session_key))

    @event(background=True)
    async def follow_changes(self):
        async with self:
            session_key = (await self.get_state(AuthState))._session_key()
            client_token = self.router.session.client_token
            path = str(self.router.url.path)
        actor = await asyncio.to_thread(actor_or_none, session_key)
        if actor is None:
            return
        kinds = views_for_page(path, actor.audience, actor.role)
        agent_id = await asyncio.to_thread(visible_agent_id, actor, path)
        async with self:
            windows = await self._page_windows(actor, path, agent_id)
        # One link per tab, live or polling: a newer one replaces (and closes) the tab's previous
        # one, so calling follow_changes again and again never piles up links or pollers.
        subscription = registry.subscribe(actor.audience, actor.auth_session_id, client_token, kinds,
                                          user_id=actor.user_id, role=actor.role,
                                          expires_at=actor.session_expires_at)
        if not get_settings().live_updates:
            try:
                async for action in self._poll(session_key, actor, kinds, windows, subscription):
                    yield action
                if subscription.evicted:
                    for action in await self._pause_from_background():
                        yield action
            finally:
                registry.unsubscribe(subscription)
            return
        try:
            # Asked again now that the link is registered: a session that ended between the first
            # question and the subscription has no link (one ending later ends it through the feed).
            if await self._ended(session_key, actor):
                for action in await self._leave_from_background():
                    yield action
                return
            for attempt in range(HOLD_READ_ATTEMPTS):
                seq, views = await asyncio.to_thread(_snapshot, actor.audience, kinds, windows)
                failed = _unreadable_kinds(views, windows)
                last = attempt == HOLD_READ_ATTEMPTS - 1
                for kind, window in windows.items():
                    if kind not in failed:
                        subscription.hold_window(kind, window, None if last else shown_ids(kind, views[kind][1]))
                if not missed_since(seq):
                    break  # else a change landed while the windows were read and before they were held
            async with self:
                self.mode = registry.mode
                self.worker = str(os.getpid())  # which backend process serves this live link
                self._applied = {}
                for kind, view in views.items():
                    await self._apply(kind, seq, view)
                self.synced = True
            if failed:
                yield unreadable_notice()
            beat = Heartbeat(session_key, actor.is_human_agent)
            while not subscription.closed:
                try:
                    pending = await asyncio.wait_for(subscription.next_views(), _next_wait(beat, subscription))
                except TimeoutError:
                    pending = {}
                if subscription.closed:
                    break  # a newer live link of this tab took over, or of its user (evicted)
                if subscription.seconds_to_expiry(utc_now()) == 0:
                    subscription.end(seq)  # the sign-in session ran out (not a logged change)
                if subscription.ended:
                    # Signed out, expired, disabled or moved: the tab forgets everything and is sent
                    # away, and whatever it does next, this link serves it nothing more.
                    for action in await self._leave_from_background():
                        yield action
                    break
                await beat.maybe_send()
                if not pending:
                    continue  # only a heartbeat was due: nothing to apply, no state lock taken
                actions = []
                async with self:
                    for kind, (seq, view) in pending.items():
                        actions += await self._apply(kind, seq, view)
                for action in actions:
                    yield action
            if subscription.evicted:
                for action in await self._pause_from_background():
                    yield action
        finally:
            registry.unsubscribe(subscription)

    async def _pause_from_background(self) -> list:
        """This page's link was closed to make room for its user's newer pages (feed/registry.py
        LINKS_PER_SESSION): it stops changing, and says so rather than going quietly stale."""
        async with self:
            self.mode = PAUSED
        return [rx.toast.warning(LINK_PAUSED_MESSAGE, duration=LINK_PAUSED_TOAST_MS)]

    async def _poll(self, session_key: str, actor: Actor, kinds: frozenset[str], windows: dict[str, Hashable],
                    subscription: Subscription):
        """The declared fallback: re-read what the page shows every poll interval, under the same
        guards as the live link: each poll asks who is calling first, and a sign-in that ended
        (signed out anywhere, expired, disabled, moved) resets the tab and sends it away."""
        interval = get_settings().poll_seconds
        beat = Heartbeat(session_key, actor.is_human_agent)
        unreadable: set[tuple[str, Hashable]] = set()  # told once; not read again while the page holds them
        while not subscription.closed:
            if await self._ended(session_key, actor):
                for action in await self._leave_from_background():
                    yield action
                return
            await beat.maybe_send()
            async with self:  # the person may have searched, paged or asked for more since the last poll
                windows = {**windows, **(await self.get_state(WorkState))._lists}
                if CONTACTS_WINDOW in windows:
                    windows[CONTACTS_WINDOW] = (await self.get_state(ContactsState))._window()
            if AUDIT_WINDOW in windows:
                async with self:  # likewise the admin's audit and history filters and pages
                    windows = {**windows, **(await self.get_state(AdminState))._windows()}
            readable = {kind: window for kind, window in windows.items() if (kind, window) not in unreadable}
            seq, views = await asyncio.to_thread(_snapshot, actor.audience, kinds, readable)
            failed = _unreadable_kinds(views, readable)
            unreadable |= {(kind, readable[kind]) for kind in failed}
            actions = [unreadable_notice()] if failed else []
            async with self:
                self.mode = POLLING
                self.worker = str(os.getpid())
                for kind, view in views.items():
                    actions += await self._apply(kind, seq, view)
                self.synced = True
            for action in actions:
                yield action
            # The interval, cut short when a newer link of this tab replaces this one.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(subscription.next_views(), interval)
