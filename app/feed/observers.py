"""What the listener does with a batch besides delivering views: each concern an observer of the
changes it cares about, told before the batch is delivered.

The feed itself knows no job: the maintenance timer (a leader's job) subscribes from the app's
composition root (app/app.py) through `observe_changes`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Protocol

from sqlmodel import col, select

from app.db import read_session
from app.feed.changes import Change
from app.feed.registry import SessionRegistry, Subscription
from app.models import Entity, Role, User, id_of, utc_now
from app.rules.actors import ALL_TENANTS, audience_for
from app.views.live import ADMIN_VIEW, TENANT_VIEW
from app.views.status import next_banner_instant


class ChangeObserver(Protocol):
    async def saw(self, changes: Sequence[Change], through: int) -> None:
        """`changes` were read from the log, up to `through`; they have not been delivered yet."""


class SessionEnder:
    """A sign-in session that ended (signed out anywhere, expired, revoked) keeps no live link."""

    def __init__(self, sessions: SessionRegistry):
        self.sessions = sessions

    async def saw(self, changes: Sequence[Change], through: int) -> None:
        for change in changes:
            if change.entity == Entity.AUTH_SESSIONS and change.entity_id:
                self.sessions.end_session(int(change.entity_id), change.seq)


def users_as_they_are(user_ids: set[int]) -> dict[int, User]:
    with read_session() as session:
        return {id_of(u): u for u in session.exec(select(User).where(col(User.id).in_(sorted(user_ids))))}


class UserLinkEnder:
    """A user disabled, or moved to another role or client, keeps no live link: one query per
    batch that changed users with open pages, none otherwise."""

    def __init__(self, sessions: SessionRegistry):
        self.sessions = sessions

    async def saw(self, changes: Sequence[Change], through: int) -> None:
        open_users = self.sessions.user_ids()
        changed = {int(c.entity_id) for c in changes if c.entity == Entity.USERS and c.entity_id} & open_users
        if not changed:
            return
        facts = await asyncio.to_thread(users_as_they_are, changed)
        for user_id in changed:
            self.sessions.end_user(user_id, through, _still_valid_for(facts.get(user_id)))


def _still_valid_for(now: User | None) -> Callable[[Subscription], bool]:
    def still_valid(subscription: Subscription) -> bool:
        if now is None or not now.is_active or now.role != subscription.role:
            return False
        return audience_for(None if now.role == Role.PLATFORM_ADMIN else now.client_id) == subscription.audience

    return still_valid


class EntityObserver:
    """Calls `react` (at once, without waiting) when a batch holds a change to any of `entities`."""

    def __init__(self, entities: Iterable[Entity], react: Callable[[], None]):
        self.entities = frozenset(entities)
        self.react = react

    async def saw(self, changes: Sequence[Change], through: int) -> None:
        if any(c.entity in self.entities for c in changes):
            self.react()


class BannerClock:
    """When the next message expires or maintenance window starts or ends: the banner changes then
    without a logged change, so the listener wakes for it and rebuilds the banner's views."""

    # Changes that move the next instant.
    MOVED_BY = frozenset({Entity.SYSTEM_MESSAGES, Entity.MAINTENANCE_WINDOWS})

    def __init__(self) -> None:
        self.next_instant: datetime | None = None
        self.due = False  # the instant passed: this batch rebuilds the banners

    async def start(self) -> None:
        self.next_instant = await asyncio.to_thread(next_banner_instant)

    async def saw(self, changes: Sequence[Change], through: int) -> None:
        self.due = self.next_instant is not None and self.next_instant <= utc_now()
        if self.due or any(c.entity in self.MOVED_BY for c in changes):
            self.next_instant = await asyncio.to_thread(next_banner_instant)

    def stale_views(self, audiences: Iterable[str]) -> dict[str, set[str]]:
        """What an instant that passed makes stale for the open audiences (nothing if none did)."""
        if not self.due:
            return {}
        return {audience: {TENANT_VIEW, ADMIN_VIEW} if audience == ALL_TENANTS else {TENANT_VIEW}
                for audience in audiences}

    def seconds_until(self, longest: float) -> float:
        if self.next_instant is None:
            return longest
        return max(0.0, min(longest, (self.next_instant - utc_now()).total_seconds()))


# Observers the composition root adds (app/app.py): jobs the feed must not import.
_added_observers: list[ChangeObserver] = []


def observe_changes(observer: ChangeObserver) -> None:
    """Tell `observer` of every batch each change feed of this process reads from now on."""
    _added_observers.append(observer)


def added_observers() -> list[ChangeObserver]:
    return list(_added_observers)
