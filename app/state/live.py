"""The live link of one open page: follows the change feed and applies the views it pushes.

Every protected page starts `follow_changes` on load. Reflex cancels it when the page's
websocket goes away or the user navigates (a new page load supersedes the old chain), and the
`finally` takes its subscription out of the registry: nothing outlives the page.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import reflex as rx

from app.config import get_settings
from app.feed.listener import latest_seq
from app.feed.registry import LINK_VIEW, LIVE, POLLING, SESSION_VIEW, registry
from app.services import auth as auth_service
from app.services import presence
from app.services.actors import Actor
from app.services.errors import NotAuthenticated
from app.services.live_views import ADMIN_VIEW, TENANT_VIEW, WORK_VIEW, all_view_kinds, build_views
from app.state.admin import AdminState
from app.state.auth import LOGIN_ROUTE, AuthState
from app.state.system import SystemState
from app.state.work import WorkState, notification_scripts
from app.state.workforce import WorkforceState


def _actor_or_none(token: str) -> Actor | None:
    try:
        return auth_service.actor_for_session(token)
    except NotAuthenticated:
        return None


def _snapshot(audience: str) -> tuple[int, dict[str, dict[str, Any]]]:
    seq = latest_seq()  # read first: the views below are at least as new as this
    return seq, build_views(audience, all_view_kinds(audience))


class Heartbeat:
    """An agent's open page keeps its session alive; other users' pages send nothing."""

    def __init__(self, token: str, enabled: bool):
        self.token = token
        self.enabled = enabled
        self.last = float("-inf")

    def seconds_left(self) -> float | None:
        if not self.enabled:
            return None
        return max(0.0, self.last + get_settings().heartbeat_seconds - time.monotonic())

    async def maybe_send(self) -> None:
        if self.enabled and time.monotonic() - self.last >= get_settings().heartbeat_seconds:
            self.last = time.monotonic()
            await asyncio.to_thread(presence.heartbeat, self.token)


class LiveLinkState(rx.State):
    mode: str = LIVE
    worker: str = ""
    _applied: dict[str, int] = {}

    async def _apply(self, kind: str, seq: int, view: dict[str, Any]) -> list:
        """Apply one view; returns what the page should run for it (toasts, notifications)."""
        if self._applied.get(kind, -1) > seq:
            return []  # an older view than the one on screen
        self._applied[kind] = seq
        if kind == WORK_VIEW:
            return notification_scripts((await self.get_state(WorkState))._apply_view(view))
        if kind == SESSION_VIEW:
            return [rx.redirect(LOGIN_ROUTE)]  # signed out in another tab: this page goes too
        if kind == LINK_VIEW:
            self.mode = view["mode"]
        elif kind == TENANT_VIEW:
            (await self.get_state(SystemState))._apply_view(view)
            (await self.get_state(WorkforceState))._apply_view(view)
        elif kind == ADMIN_VIEW:
            (await self.get_state(AdminState))._apply_view(view)
        return []

    @rx.event(background=True)
    async def follow_changes(self):
        async with self:
            token = (await self.get_state(AuthState)).session_token
        actor = await asyncio.to_thread(_actor_or_none, token)
        if actor is None:
            return
        if not get_settings().live_updates:
            async for action in self._poll(actor, Heartbeat(token, actor.is_human_agent)):
                yield action
            return
        subscription = registry.subscribe(actor.audience, actor.auth_session_id)
        try:
            seq, views = await asyncio.to_thread(_snapshot, actor.audience)
            async with self:
                self.mode = registry.mode
                self.worker = str(os.getpid())  # which backend process serves this live link
                self._applied = {}
                for kind, view in views.items():
                    await self._apply(kind, seq, view)
            beat = Heartbeat(token, actor.is_human_agent)
            while True:
                try:
                    pending = await asyncio.wait_for(subscription.next_views(), beat.seconds_left())
                except TimeoutError:
                    pending = {}
                await beat.maybe_send()
                if not pending:
                    continue  # only a heartbeat was due: nothing to apply, no state lock taken
                actions = []
                async with self:
                    for kind, (seq, view) in pending.items():
                        actions += await self._apply(kind, seq, view)
                for action in actions:
                    yield action
        finally:
            registry.unsubscribe(subscription)

    async def _poll(self, actor: Actor, beat: Heartbeat):
        """The declared fallback: rebuild the views every poll interval."""
        interval = get_settings().poll_seconds
        while True:
            await beat.maybe_send()
            seq, views = await asyncio.to_thread(_snapshot, actor.audience)
            actions = []
            async with self:
                self.mode = POLLING
                self.worker = str(os.getpid())
                for kind, view in views.items():
                    actions += await self._apply(kind, seq, view)
            for action in actions:
                yield action
            await asyncio.sleep(interval)
