"""Open pages by audience: the listener hands each of them what changed in what it shows.

Each page's live link (a background event) owns one Subscription and waits on it. A subscription
names the shared views its page follows (topics) and the windows it holds (a page of contacts, a
contact's tasks); the listener offers it only those. It keeps only the newest value of each kind,
so a burst of changes coalesces: a slow page renders the final state once instead of every step.
Badge patches merge instead, since each names only the cards that changed.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from datetime import datetime
from operator import attrgetter
from typing import Any

from app.config import get_settings
from app.feed.changes import Change
from app.metrics import record

LINK_VIEW = "link"  # how this process gets its changes: {"mode": "live" | "polling"}
SESSION_VIEW = "session"  # the page's sign-in session ended: {"ended": True}
WINDOW_FAILED = "window_failed"  # windows of the page that could not be read: {kind: message}
LIVE = "live"
POLLING = "polling"
PAUSED = "paused"  # this page's link was closed to make room for newer pages of the same user
# Live links one sign-in session, and one user, may hold in a backend process: each holds windows
# the listener re-reads on every change that touches them, so a script opening pages in a loop
# would make every change cost more for everyone. A person works in a few tabs (ten is more than
# any desk uses) on a few browsers or devices; past the limit the oldest link of that session or
# user closes and its page says so (reload to resume). Counted per process, as that is where
# the cost falls: each backend process's listener reads only its own links' windows.
LINKS_PER_SESSION = 10
LINKS_PER_USER = 30
# Kinds whose offers merge (dicts of id -> value) rather than replace each other.
MERGED_KINDS = frozenset({"contact_badges", WINDOW_FAILED})
_opened_order = itertools.count()
# Commit times of the newest changes, by seq, from which a page's live link measures its push
# delay: ten full batches of the listener (FEED_BATCH_LIMIT); a page further behind re-reads.
COMMIT_TIMES_KEPT = 10_000


class Subscription:
    def __init__(self, audience: str, auth_session_id: int | None = None, client_token: str = "",
                 topics: frozenset[str] = frozenset(), user_id: int | None = None,
                 role: str = "", expires_at: datetime | None = None):
        self.audience = audience
        self.auth_session_id = auth_session_id
        self.client_token = client_token
        self.topics = topics
        # Who this live link serves, as it was when it started: if the user is disabled or their
        # role or client changes, or the sign-in session ends or expires, the link ends.
        self.user_id = user_id
        self.role = role
        self.expires_at = expires_at
        self.ended = False
        self.evicted = False  # closed to make room for newer links of its session or user
        self.opened = next(_opened_order)  # older links have smaller numbers
        # kind -> the window this page holds, and the ids it shows (None: being read).
        self.windows: dict[str, Hashable] = {}
        self.shown: dict[str, frozenset[int] | None] = {}
        self.closed = False
        self._pending: dict[str, tuple[int, Any]] = {}
        self._ready = asyncio.Event()

    def offer(self, seq: int, kind: str, view: Any) -> None:
        if self.ended:
            return
        current = self._pending.get(kind)
        if kind in MERGED_KINDS and current is not None:
            self._pending[kind] = (max(seq, current[0]), {**current[1], **view})
        elif current is None or current[0] <= seq:
            self._pending[kind] = (seq, view)
        self._ready.set()

    def open_window(self, kind: str, window: Hashable) -> None:
        """The page now holds `window`; until its first read lands, any change re-reads it."""
        self.windows[kind] = window
        self.shown[kind] = None

    def window_read(self, kind: str, window: Hashable, shown: frozenset[int]) -> None:
        if self.windows.get(kind) == window:
            self.shown[kind] = shown

    def hold_window(self, kind: str, window: Hashable, shown: frozenset[int] | None) -> None:
        """The page holds `window`, read already (`shown`: its ids; None: re-read on any change)."""
        self.windows[kind] = window
        self.shown[kind] = shown

    def window_failed(self, seq: int, kind: str, window: Hashable, message: str) -> None:
        """`window` could not be read: the page holds it no more and is told why."""
        if self.windows.get(kind) == window:
            self.close_window(kind)
        self.offer(seq, WINDOW_FAILED, {kind: message})

    def close_window(self, kind: str) -> None:
        self.windows.pop(kind, None)
        self.shown.pop(kind, None)

    def close(self) -> None:
        """Replaced by a newer live link of the same tab: the old one stops at its next wait."""
        self.closed = True
        self._ready.set()

    def evict(self) -> None:
        """Closed because its session or user opened too many newer links: the page is told."""
        self.evicted = True
        self.close()

    def end(self, seq: int) -> None:
        """Its sign-in is over: the page is told to leave, and the link stops serving it at once,
        whether or not the page obeys (a script speaking the websocket would not)."""
        self.ended = True
        self._pending = {SESSION_VIEW: (seq, {"ended": True})}  # nothing else reaches it any more
        self._ready.set()

    def seconds_to_expiry(self, now: datetime) -> float | None:
        return None if self.expires_at is None else max(0.0, (self.expires_at - now).total_seconds())

    async def next_views(self) -> dict[str, tuple[int, Any]]:
        """Wait until something changed, then take every pending view at once."""
        await self._ready.wait()
        return self.take_pending()

    def take_pending(self) -> dict[str, tuple[int, Any]]:
        """Every pending view at once, without waiting (empty when nothing changed)."""
        self._ready.clear()
        taken, self._pending = self._pending, {}
        return taken


class SessionRegistry:
    def __init__(self) -> None:
        self._by_audience: dict[str, set[Subscription]] = defaultdict(set)
        self._by_token: dict[str, Subscription] = {}
        self.mode = LIVE
        # The newest change whose batch has already taken the windows it re-reads: a window held
        # from now on missed every change up to here that its own read did not see.
        self.holds_taken_through = 0
        self._committed_at: OrderedDict[int, datetime] = OrderedDict()

    def committed(self, changes: Iterable[Change]) -> None:
        """Remember when `changes` were committed (the newest COMMIT_TIMES_KEPT of them)."""
        for change in changes:
            if change.committed_at is not None:
                self._committed_at[change.seq] = change.committed_at
        while len(self._committed_at) > COMMIT_TIMES_KEPT:
            self._committed_at.popitem(last=False)

    def committed_at(self, seq: int) -> datetime | None:
        return self._committed_at.get(seq)

    def set_mode(self, mode: str, seq: int) -> None:
        """Tell every open session whether changes arrive live or by the fallback timer."""
        if mode == self.mode:
            return
        self.mode = mode
        for subscription in self.all():
            subscription.offer(seq, LINK_VIEW, {"mode": mode})
        self._count_links()

    def subscribe(self, audience: str, auth_session_id: int | None = None, client_token: str = "",
                  topics: frozenset[str] = frozenset(), user_id: int | None = None, role: str = "",
                  expires_at: datetime | None = None) -> Subscription:
        """One live link per tab: a tab's new subscription replaces (and closes) its previous one."""
        subscription = Subscription(audience, auth_session_id, client_token, topics, user_id, role, expires_at)
        if client_token:
            previous = self._by_token.get(client_token)
            if previous is not None:
                self.unsubscribe(previous)
                previous.close()
            self._by_token[client_token] = subscription
        self._by_audience[audience].add(subscription)
        self._limit_links(subscription)
        self._count_links()
        return subscription

    def _limit_links(self, newest: Subscription) -> None:
        """The newest link stays; the oldest of its session's, then its user's, links beyond the
        limits close."""
        for owner, limit in ((attrgetter("auth_session_id"), LINKS_PER_SESSION),
                             (attrgetter("user_id"), LINKS_PER_USER)):
            mine = owner(newest)
            if mine is None:
                continue
            links = sorted((s for s in self.all() if owner(s) == mine), key=attrgetter("opened"))
            for oldest in links[:max(0, len(links) - limit)]:
                self.unsubscribe(oldest)
                oldest.evict()

    def unsubscribe(self, subscription: Subscription) -> None:
        members = self._by_audience.get(subscription.audience)
        if members is not None:
            members.discard(subscription)
            if not members:
                del self._by_audience[subscription.audience]
        if self._by_token.get(subscription.client_token) is subscription:
            del self._by_token[subscription.client_token]
        self._count_links()

    def _count_links(self) -> None:
        """The open links, for the metrics; all of them poll while the feed lost its signal, or when
        live updates are off (each page then re-reads on its timer)."""
        links = self.session_count()
        polling = self.mode == POLLING or not get_settings().live_updates
        record.open_links(links, links if polling else 0)

    def for_token(self, client_token: str) -> Subscription | None:
        return self._by_token.get(client_token)

    def end_session(self, auth_session_id: int, seq: int) -> None:
        """The pages of a sign-in session that ended (signed out elsewhere) lose their live link."""
        for subscription in self.all():
            if subscription.auth_session_id == auth_session_id:
                subscription.end(seq)

    def user_ids(self) -> set[int]:
        return {s.user_id for s in self.all() if s.user_id is not None}

    def end_user(self, user_id: int, seq: int,
                 still_valid: Callable[[Subscription], bool] | None = None) -> None:
        """End the live links of a user who was disabled, or whose role or client changed
        (`still_valid(subscription)` says which links may stay)."""
        for subscription in self.all():
            if subscription.user_id == user_id and (still_valid is None or not still_valid(subscription)):
                subscription.end(seq)

    def audiences(self) -> list[str]:
        return list(self._by_audience)

    def members(self, audience: str) -> set[Subscription]:
        return self._by_audience.get(audience, set())

    def topics_of(self, audience: str) -> set[str]:
        """The shared views some open page of the audience follows: only those are built."""
        topics: set[str] = set()
        for subscription in self.members(audience):
            topics |= subscription.topics
        return topics

    def deliver(self, audience: str, seq: int, kind: str, view: Any) -> int:
        delivered = 0
        for subscription in self.members(audience):
            if kind in subscription.topics:
                subscription.offer(seq, kind, view)
                delivered += 1
        return delivered

    def all(self) -> Iterator[Subscription]:
        for members in list(self._by_audience.values()):
            yield from list(members)

    def has_windows(self) -> bool:
        return any(subscription.windows for subscription in self.all())

    def session_count(self) -> int:
        return sum(len(members) for members in self._by_audience.values())


# One registry per backend process: the listener and the sessions of this process share it.
registry = SessionRegistry()
