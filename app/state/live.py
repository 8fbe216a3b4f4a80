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
from collections.abc import Hashable
from typing import Any

import reflex as rx

from app.config import get_settings
from app.db import read_session
from app.feed.guard import UNREADABLE, read_window_guarded
from app.feed.listener import latest_seq
from app.feed.registry import LINK_VIEW, LIVE, PAUSED, POLLING, SESSION_VIEW, WINDOW_FAILED, Subscription, registry
from app.metrics import record
from app.models import AIAgent, utc_now
from app.rules.actors import Actor
from app.rules.errors import NotFound
from app.services import presence
from app.state.auth import LOGIN_ROUTE, AuthState, actor_or_none
from app.state.events import event
from app.state.holders import PATCH_HOLDERS, VIEW_HOLDERS, WINDOW_HOLDERS, WindowHolder
from app.state.reset import forget_everything
from app.state.windows import HOLD_READ_ATTEMPTS, missed_since, unreadable_notice
from app.state.work import WorkState
from app.views.access import visible_row
from app.views.lists import ListWindow
from app.views.live import build_views_in, client_id_of
from app.views.pages import AGENT_PAGE, PageRoute, page_of, views_for_page
from app.views.windows import shown_ids


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


def measure_push(pending: dict[str, tuple[int, Any]], pushed_through: int) -> int:
    """Record the push delay of the newest change `pending` brings to a page that had every change
    up to `pushed_through`, and answer the page's new position. A view rebuilt with no new change
    (a message expiring, the link's mode) brings none: its delay would be the age of an old one."""
    newest = max((seq for seq, _view in pending.values()), default=pushed_through)
    if newest <= pushed_through:
        return pushed_through
    committed = registry.committed_at(newest)
    if committed is not None:
        record.pushed(committed)
    return newest


LINK_PAUSED_MESSAGE = "Live updates paused on this page: your newer pages took its place. Reload it to resume."
LINK_PAUSED_TOAST_MS = 60_000  # read at leisure; the indicator keeps saying "Paused" after it goes


def visible_agent_id(actor: Actor, path: str) -> int | None:
    """The AI agent of /agents/<id> when it is one of the caller's client's (any, for a platform
    admin); None for another client's or a made-up id. Such a page opens no window: its activity is
    a filter over the client's whole audit log, re-read on every change, for an agent that is not
    there (runs in a worker thread)."""
    agent_id = PageRoute.of(path).agent_id
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
        self.session_key = session_key  # the token's digest (app/web/session.py), never the token
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
        """Apply one view or window; returns what the page should run for it (toasts, notifications).
        Who takes each kind is declared in app/state/holders.py."""
        window_holder = WINDOW_HOLDERS.get(kind)
        if window_holder is not None:  # the holding state checks it is newer and still the one held
            window_holder.apply(await self.get_state(window_holder.state), seq, *view)
            return []
        patch = PATCH_HOLDERS.get(kind)
        if patch is not None:
            return patch.apply(await self.get_state(patch.state), view)
        if self._applied.get(kind, -1) > seq:
            return []  # an older view than the one on screen
        self._applied[kind] = seq
        if kind == SESSION_VIEW:
            return await self._leave()  # signed out in another tab: this page goes too
        if kind == WINDOW_FAILED:
            return [rx.toast.error(message) for message in sorted(set(view.values()))]
        if kind == LINK_VIEW:
            self.mode = view["mode"]
            return []
        actions: list = []
        for holder in VIEW_HOLDERS[kind]:
            actions += holder.apply(await self.get_state(holder.state), view)
        return actions

    async def _page_windows(self, actor: Actor, route: PageRoute) -> dict[str, Hashable]:
        """The windows the page at `route` opens with (read under the state lock): its lists and
        what its states open (app/views/pages.py, app/state/holders.py). `route`'s agent is the one
        `visible_agent_id` found: an agent page without one opens none."""
        work = await self.get_state(WorkState)
        if route.pattern == AGENT_PAGE and route.agent_id is None:
            work._open_lists({})
            return {}
        page = page_of(route)
        client_id = client_id_of(actor.audience)
        lists = {name: ListWindow(name, client_id, ai_agent_id=route.agent_id).normalized() for name in page.lists}
        work._open_lists(lists)
        windows: dict[str, Hashable] = dict(lists)
        opened: list[WindowHolder] = []
        for kind in sorted(page.windows):
            holder = WINDOW_HOLDERS[kind]
            if holder.open is not None and not any(h.state is holder.state and h.open is holder.open for h in opened):
                opened.append(holder)  # one opener may open several kinds (the admin's two windows)
                windows.update(holder.open(await self.get_state(holder.state), actor, route))
        return windows

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
        route = PageRoute.of(path)
        if route.pattern == AGENT_PAGE:
            route = PageRoute(AGENT_PAGE, await asyncio.to_thread(visible_agent_id, actor, path))
        async with self:
            windows = await self._page_windows(actor, route)
        # One link per tab, live or polling: a newer one replaces (and closes) the tab's previous
        # one, so calling follow_changes again and again never piles up links or pollers.
        subscription = registry.subscribe(actor.audience, actor.auth_session_id, client_token, kinds,
                                          user_id=actor.user_id, role=actor.role,
                                          expires_at=actor.session_expires_at)
        follow = (self._follow_live(session_key, actor, kinds, windows, subscription) if get_settings().live_updates
                  else self._poll(session_key, actor, kinds, windows, subscription))
        try:
            async for action in follow:
                yield action
            if subscription.evicted:
                for action in await self._pause_from_background():
                    yield action
        finally:
            registry.unsubscribe(subscription)

    async def _follow_live(self, session_key: str, actor: Actor, kinds: frozenset[str], windows: dict[str, Hashable],
                           subscription: Subscription):
        """The live link: the page's first snapshot, then every delivery the feed makes to it, until
        the tab goes, a newer link replaces it or its sign-in ends."""
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
        pushed_through = seq  # the snapshot has every change up to here
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
            # Reflex sent the delta as the block above ended.
            pushed_through = measure_push(pending, pushed_through)
            for action in actions:
                yield action

    async def _pause_from_background(self) -> list:
        """This page's link was closed to make room for its user's newer pages (feed/registry.py
        LINKS_PER_SESSION): it stops changing, and says so rather than going quietly stale."""
        async with self:
            self.mode = PAUSED
        return [rx.toast.warning(LINK_PAUSED_MESSAGE, duration=LINK_PAUSED_TOAST_MS)]

    async def _current_windows(self, windows: dict[str, Hashable]) -> dict[str, Hashable]:
        """The windows the tab shows now, of the kinds it opened with (under the state lock)."""
        current: dict[str, Hashable] = {}
        for kind, window in windows.items():
            holder = WINDOW_HOLDERS[kind]
            now = holder.current(await self.get_state(holder.state), kind) if holder.current else window
            if now is not None:
                current[kind] = now
        return current

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
                windows = await self._current_windows(windows)
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
