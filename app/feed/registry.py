"""Open sessions by audience: the listener hands each of them the views that changed.

Each session's background event owns one Subscription and waits on it. A subscription keeps
only the newest view of each kind, so a burst of changes coalesces: a slow page renders the
final state once instead of every step.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any


class Subscription:
    def __init__(self, audience: str, auth_session_id: int | None = None):
        self.audience = audience
        self.auth_session_id = auth_session_id
        self._pending: dict[str, tuple[int, dict[str, Any]]] = {}
        self._ready = asyncio.Event()

    def offer(self, seq: int, kind: str, view: dict[str, Any]) -> None:
        current = self._pending.get(kind)
        if current is None or current[0] <= seq:
            self._pending[kind] = (seq, view)
            self._ready.set()

    async def next_views(self) -> dict[str, tuple[int, dict[str, Any]]]:
        """Wait until something changed, then take every pending view at once."""
        await self._ready.wait()
        self._ready.clear()
        taken, self._pending = self._pending, {}
        return taken


LINK_VIEW = "link"  # how this process gets its changes: {"mode": "live" | "polling"}
SESSION_VIEW = "session"  # the page's sign-in session ended: {"ended": True}
LIVE = "live"
POLLING = "polling"


class SessionRegistry:
    def __init__(self) -> None:
        self._by_audience: dict[str, set[Subscription]] = defaultdict(set)
        self.mode = LIVE

    def set_mode(self, mode: str, seq: int) -> None:
        """Tell every open session whether changes arrive live or by the fallback timer."""
        if mode == self.mode:
            return
        self.mode = mode
        for members in self._by_audience.values():
            for subscription in members:
                subscription.offer(seq, LINK_VIEW, {"mode": mode})

    def subscribe(self, audience: str, auth_session_id: int | None = None) -> Subscription:
        subscription = Subscription(audience, auth_session_id)
        self._by_audience[audience].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        members = self._by_audience.get(subscription.audience)
        if members is not None:
            members.discard(subscription)
            if not members:
                del self._by_audience[subscription.audience]

    def end_session(self, auth_session_id: int, seq: int) -> None:
        """Tell the pages of a sign-in session that it ended (signed out elsewhere)."""
        for members in self._by_audience.values():
            for subscription in members:
                if subscription.auth_session_id == auth_session_id:
                    subscription.offer(seq, SESSION_VIEW, {"ended": True})

    def audiences(self) -> list[str]:
        return list(self._by_audience)

    def deliver(self, audience: str, seq: int, kind: str, view: dict[str, Any]) -> int:
        members = self._by_audience.get(audience, ())
        for subscription in members:
            subscription.offer(seq, kind, view)
        return len(members)

    def session_count(self) -> int:
        return sum(len(members) for members in self._by_audience.values())


# One registry per backend process: the listener and the sessions of this process share it.
registry = SessionRegistry()
