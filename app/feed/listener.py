"""One change-feed listener per backend process.

It sleeps until the database signals a commit (or a message is due to expire), reads the change
log after the last sequence it applied, and then, in rounds:
- builds each stale shared view (banner, counts, lists) once per audience, and only the views
  some open page of that audience follows, and resolves the batch to the contacts and agents it
  touched (a few indexed queries); the views and the badge patches of shown cards (no query) are
  delivered at once, before any window is read;
- asks each open window how the batch touches it (views/windows.py) and re-reads each distinct
  touched window once, however many pages hold it, most-held first, for at most
  WINDOW_READ_BUDGET_SECONDS a round. The windows left are carried to the next round, which
  starts at once: costly windows (a hostile user's substring searches) delay the next change by
  about one budget (a read under way is finished, never cut), and none is dropped.
The cost of a change grows with what changed and with the distinct windows it touches, never
with the size of the tenant.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event as sa_event
from sqlmodel import Session, col, func, select

from app.config import get_settings
from app.db import read_session
from app.feed.changes import Change
from app.feed.guard import UNREADABLE, WINDOW_FAILED_MESSAGE, build_views_guarded, read_window_guarded
from app.feed.observers import BannerClock, ChangeObserver, SessionEnder, UserLinkEnder, added_observers
from app.feed.registry import LIVE, POLLING, SessionRegistry, Subscription, registry
from app.feed.resolve import ResolvedWork, resolve_work
from app.feed.signals import WakeSource, wake_source_for_settings
from app.feed.stats import BatchCost, feed_stats
from app.metrics import record
from app.models import ChangeLogEntry
from app.rules.actors import ALL_TENANTS, audience_for
from app.views.live import ADMIN_VIEW, client_id_of, views_for_entities
from app.views.windows import CONTACT_BADGES, shown_ids, window_touch

log = logging.getLogger("beacon.feed")

# A safety net, not the mechanism: if a wake-up signal were ever lost, the listener still reads
# the log this often. It costs one indexed query per process, whatever the number of sessions.
FEED_RECHECK_SECONDS = 5.0
# Changes read per query; a burst larger than this is read in several rounds, in order.
FEED_BATCH_LIMIT = 1000
# Retry pause after an unexpected error reading the log (the database restarting, say); it
# doubles on each failure in a row up to FEED_RETRY_MAX_SECONDS, so an outage is not hammered and
# a recovered database is noticed within that long.
FEED_ERROR_PAUSE_SECONDS = 0.5
FEED_RETRY_MAX_SECONDS = 8.0
# How long one round reads windows before it delivers them and reads the log again (at least one
# window is read per round, however long it takes). Every page of the process waits behind the
# listener: before this budget, one batch read every touched window before delivering anything,
# and 200 substring searches with badge filters over a 20,000-contact client (~100 ms each) held
# the next banner for ~20 s. 100 ms is the commit-to-screen p99 we aim at for ten pages: a change
# landing behind costly windows waits about that long plus the read under way. An ordinary window
# reads in a few ms, so ordinary batches still fit in one round whole.
WINDOW_READ_BUDGET_SECONDS = 0.1


def latest_seq() -> int:
    with read_session() as session:
        return session.exec(select(func.max(ChangeLogEntry.seq))).one() or 0


def changes_after(seq: int, limit: int = FEED_BATCH_LIMIT) -> list[Change]:
    with read_session() as session:
        rows = session.exec(
            select(ChangeLogEntry).where(ChangeLogEntry.seq > seq).order_by(col(ChangeLogEntry.seq)).limit(limit)
        ).all()
        return [Change(seq=r.seq, entity=r.entity, client_id=r.client_id, entity_id=r.entity_id,
                       committed_at=r.created_at) for r in rows]


def stale_views_by_audience(changes: list[Change], open_audiences: list[str]) -> dict[str, set[str]]:
    """Which kinds of view each open audience must rebuild after `changes`.

    A tenant's change concerns that tenant and the platform admins (who see every tenant);
    a global change (client_id None) concerns everyone.
    """
    stale: dict[str, set[str]] = defaultdict(set)
    for change in changes:
        kinds = views_for_entities([change.entity])
        if not kinds:
            continue
        # A global change concerns every open audience; a tenant's, that tenant and the platform admins.
        targets = open_audiences if change.client_id is None else [audience_for(change.client_id), ALL_TENANTS]
        for audience in targets:
            if audience in open_audiences:
                stale[audience] |= kinds if audience == ALL_TENANTS else kinds - {ADMIN_VIEW}
    return {a: k for a, k in stale.items() if k}


class ChangeFeed:
    """Reads the log in order and delivers each batch, in named steps: read the new changes, tell
    the observers, work out the stale views, deliver them and the touched windows, record the cost,
    move the applied position."""

    def __init__(self, sessions: SessionRegistry, wake: WakeSource):
        self.sessions = sessions
        self.wake = wake
        self.last_seq = 0  # the newest change read from the log
        self.applied_seq = -1  # the newest change pushed to every page it concerns (-1: not started)
        self._applied = asyncio.Condition()
        self.banner_clock = BannerClock()
        self.observers: list[ChangeObserver] = [SessionEnder(sessions), UserLinkEnder(sessions), self.banner_clock,
                                                *added_observers()]
        # Windows a batch touched that the read budget left for a later round, each with the
        # position before that batch: their pages have every change up to there, not after.
        self.windows_waiting: dict[WindowKey, int] = {}

    async def run(self) -> None:
        await self.wake.start()
        try:
            await self._find_the_end_of_the_log()
            await self._mark_applied()
            log.info("change feed listening after seq %s", self.last_seq)
            retry_pause = 0.0
            while True:
                if not retry_pause and not self.windows_waiting:
                    # Windows left by the last round's budget are read in the next round at once:
                    # their pages are owed a newer read, whatever wakes the listener next.
                    await self.wake.wait(self._seconds_to_wait())
                try:
                    await self.apply_new_changes()
                    await self._mark_applied()
                    retry_pause = 0.0
                    feed_stats.retrying = False
                except asyncio.CancelledError:
                    raise
                except Exception as error:  # noqa: BLE001 - keep listening; the batch is read again
                    # The applied position has not moved: the same changes are read and delivered
                    # again after the pause, however long the database takes to come back.
                    retry_pause = min(FEED_RETRY_MAX_SECONDS, max(FEED_ERROR_PAUSE_SECONDS, retry_pause * 2))
                    feed_stats.failed_batches += 1
                    feed_stats.retrying = True
                    log.warning("change feed: delivering the changes after seq %s failed (%s); retrying in %.1f s",
                                self.last_seq, type(error).__name__, retry_pause)
                    await asyncio.sleep(retry_pause)
        finally:
            await self.wake.stop()

    async def _find_the_end_of_the_log(self) -> None:
        """Where to start reading; retried while the database is unreachable (a server restarting
        as Beacon starts), since a listener that gave up here would leave every page without
        live updates for the life of the process."""
        while True:
            try:
                self.last_seq = await asyncio.to_thread(latest_seq)
                await self.banner_clock.start()
                return
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the database is not there yet; nothing is lost
                log.exception("change feed: cannot read the end of the log yet; retrying")
                await asyncio.sleep(FEED_ERROR_PAUSE_SECONDS)

    def read_changes(self, after_seq: int) -> list[Change]:
        """One batch of the log after `after_seq` (runs in a worker thread). Benchmarks and tests
        that time or record each batch read extend it."""
        return changes_after(after_seq)

    async def _mark_applied(self) -> None:
        async with self._applied:
            # A window still waiting holds the position back: its pages lack the changes after it.
            self.applied_seq = min([self.last_seq, *self.windows_waiting.values()])
            self._applied.notify_all()
        record.applied_position(self.applied_seq)

    async def wait_until_applied(self, seq: int, timeout: float) -> None:
        """Wait until every change up to `seq` has been pushed (TimeoutError after `timeout`): what
        a caller that wrote something waits for before it looks at the pages."""
        async with asyncio.timeout(timeout), self._applied:
            await self._applied.wait_for(lambda: self.applied_seq >= seq)

    def _seconds_to_wait(self) -> float:
        # Without its signal the listener reads the log on the polling timer instead.
        longest = FEED_RECHECK_SECONDS if self.wake.connected else get_settings().poll_seconds
        return self.banner_clock.seconds_until(longest)

    async def apply_new_changes(self) -> None:
        """Read the log after the applied position and deliver it; the position moves past the
        changes only once they were delivered (an exception leaves it for the retry)."""
        self.sessions.set_mode(LIVE if self.wake.connected else POLLING, self.last_seq)
        changes, through = await self._read_new_changes()
        for observer in self.observers:
            await observer.saw(changes, through)
        audiences = self.sessions.audiences()
        stale = stale_views_by_audience(changes, audiences)
        for audience, kinds in self.banner_clock.stale_views(audiences).items():
            stale.setdefault(audience, set()).update(kinds)
        self.sessions.committed(changes)
        cost = await self.publish(stale, changes, through)
        if cost is not None:
            feed_stats.record(cost)
            record.batch_delivered(cost.milliseconds / 1000, cost.windows_reread)
        record.changes_applied(len(changes))
        self.last_seq = through

    async def _read_new_changes(self) -> tuple[list[Change], int]:
        """Every change after the last one read, in order (a burst in several reads), and the
        position they reach."""
        changes: list[Change] = []
        through = self.last_seq
        while True:
            batch = await asyncio.to_thread(self.read_changes, through)
            changes.extend(batch)
            if batch:
                through = batch[-1].seq
            if len(batch) < FEED_BATCH_LIMIT:
                return changes, through

    async def publish(self, stale: dict[str, set[str]], changes: Sequence[Change] = (),
                      seq: int | None = None) -> BatchCost | None:
        """Deliver what `changes` (up to `seq`, the last of them) made stale to the open pages: one
        round, and what it cost (None: there was nothing to do). Called with the position still
        before `changes` (self.last_seq)."""
        seq = self.last_seq if seq is None else seq
        if not changes and not stale and not self.windows_waiting:
            return None  # a wake-up that found nothing new (or only an expiry no open page shows)
        started = time.perf_counter()
        holds = window_holds(self.sessions)
        self.sessions.holds_taken_through = max(self.sessions.holds_taken_through, seq)
        for audience in list(stale):
            stale[audience] &= self.sessions.topics_of(audience)
            if not stale[audience]:
                del stale[audience]
        if not stale and not holds:
            self._wait_for([])  # no page holds a window: none is owed one
            return None
        waiting = set(self.windows_waiting)
        # A round for the windows left waiting alone builds and resolves nothing: no thread, no query.
        plan = (await asyncio.to_thread(plan_batch, stale, list(changes), holds, waiting) if stale or changes
                else plan_batch(stale, [], holds, waiting))
        # First what every page shares and the badge patches: no window read delays them.
        for audience, views in plan.views.items():
            for kind, view in views.items():
                self.sessions.deliver(audience, seq, kind, view)
        for hold, badges in plan.patches:
            if hold.subscription.windows.get(hold.kind) == hold.window:
                hold.subscription.offer(seq, CONTACT_BADGES, badges)
        budget = WINDOW_READ_BUDGET_SECONDS
        order = reading_order(plan.receivers, self.windows_waiting)
        read = await asyncio.to_thread(read_windows, order, budget) if order else WindowsRead()
        for key, result in read.results.items():
            # A window read in a later round than its change is newer still: offered at this
            # round's seq, it replaces any older offer and is refused by a page that holds newer.
            for hold in plan.receivers[key]:
                if result is UNREADABLE:
                    hold.subscription.window_failed(seq, hold.kind, hold.window, WINDOW_FAILED_MESSAGE)
                elif hold.subscription.windows.get(hold.kind) == hold.window:
                    hold.subscription.window_read(hold.kind, hold.window, shown_ids(hold.kind, result))
                    hold.subscription.offer(seq, hold.kind, (hold.window, result))
        self._wait_for([key for key in order if key not in read.results])
        return BatchCost(
            changes=len(changes), queries=plan.queries + read.queries, windows_held=len(holds),
            windows_reread=len(read.results), pages_reread=sum(len(plan.receivers[key]) for key in read.results),
            pages_patched=len(plan.patches), over_budget=bool(self.windows_waiting) or read.seconds > budget,
            milliseconds=round((time.perf_counter() - started) * 1000, 1))

    def _wait_for(self, keys: list[WindowKey]) -> None:
        """From now on exactly `keys` wait for a later round: each since the position before this
        batch (self.last_seq), or since an earlier one if it waited already."""
        self.windows_waiting = {key: self.windows_waiting.get(key, self.last_seq) for key in keys}
        feed_stats.windows_waiting = len(self.windows_waiting)


WindowKey = tuple[str, Hashable]  # (kind, window): equal windows of many pages are read once


@dataclass(frozen=True)
class WindowHold:
    """One window one open page holds, as the listener found it when the batch began."""

    subscription: Subscription
    audience: str
    kind: str
    window: Hashable
    shown: frozenset[int] | None

    @property
    def key(self) -> WindowKey:
        return self.kind, self.window


def window_holds(sessions: SessionRegistry) -> list[WindowHold]:
    return [WindowHold(s, s.audience, kind, window, s.shown.get(kind))
            for s in sessions.all() for kind, window in s.windows.items()]


@dataclass
class BatchPlan:
    """What a round delivers without reading a window, and which windows it must read."""

    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    patches: list[tuple[WindowHold, dict[int, str]]] = field(default_factory=list)
    # Each window to read, with the holds it goes to (in the order the pages were found).
    receivers: dict[WindowKey, list[WindowHold]] = field(default_factory=dict)
    queries: int = 0


@dataclass
class WindowsRead:
    results: dict[WindowKey, Any] = field(default_factory=dict)
    seconds: float = 0.0  # spent reading them
    queries: int = 0


@contextlib.contextmanager
def counting_queries(session: Session) -> Iterator[list[None]]:
    """Counts the statements `session` runs inside the block: yields a list whose length is it."""
    connection = session.connection()
    counted: list[None] = []

    def count(*_args: object) -> None:
        counted.append(None)

    sa_event.listen(connection, "before_cursor_execute", count)
    try:
        yield counted
    finally:
        sa_event.remove(connection, "before_cursor_execute", count)


def plan_batch(stale: dict[str, set[str]], changes: list[Change], holds: list[WindowHold],
               waiting: set[WindowKey]) -> BatchPlan:
    """The shared views, the badge patches and the windows to read, in one read session (in a
    worker thread; without views to build or changes to resolve it reads nothing). A window
    waiting from an earlier round goes to every page holding it now."""
    plan = BatchPlan()
    resolved = ResolvedWork()
    if stale or changes:
        with read_session() as session, counting_queries(session) as counted:
            for audience, kinds in stale.items():
                views = build_views_guarded(session, audience, kinds)
                if views is not None:  # else that audience's pages keep what they show; the others get theirs
                    plan.views[audience] = views
            if holds and changes:
                resolved = resolve_work(session, changes)
            plan.queries = len(counted)
    by_audience = {a: resolved.for_client(client_id_of(a)) for a in {h.audience for h in holds}}
    for hold in holds:
        touch = window_touch(hold.kind, hold.window, hold.shown, by_audience[hold.audience])
        if touch.reread or hold.key in waiting:
            plan.receivers.setdefault(hold.key, []).append(hold)
        if touch.badges:  # a waiting window's page gets its new badges now, the read later
            plan.patches.append((hold, touch.badges))
    return plan


def reading_order(receivers: dict[WindowKey, list[WindowHold]], waiting: dict[WindowKey, int]) -> list[WindowKey]:
    """The windows to read, most-held first (one read serves every page that holds it); among
    equals, those a change just touched before those waiting from earlier rounds, which a costly
    backlog (a hostile user's searches) fills. The round's first read, the one the budget always
    allows, goes to the window that has waited longest, so however busy new changes keep the
    listener, each waiting window is read within as many rounds as windows waited before it."""
    order = sorted(receivers, key=lambda key: (-len(receivers[key]), key in waiting, waiting.get(key, 0)))
    waited = [key for key in order if key in waiting]
    if waited:
        longest = min(waited, key=lambda key: waiting[key])
        order.remove(longest)
        order.insert(0, longest)
    return order


def read_windows(order: list[WindowKey], budget_seconds: float) -> WindowsRead:
    """Read the windows in `order` in one read session (runs in a worker thread) while the budget
    lasts, and always the first: a round that reads nothing would never get through."""
    read = WindowsRead()
    started = time.perf_counter()
    with read_session() as session, counting_queries(session) as counted:
        for key in order:
            if read.results and time.perf_counter() - started >= budget_seconds:
                break
            read.results[key] = read_window_guarded(session, *key)
        read.queries = len(counted)
    read.seconds = time.perf_counter() - started
    return read


async def run_change_feed() -> None:
    """The lifespan task Reflex runs in each backend worker."""
    feed = ChangeFeed(registry, wake_source_for_settings())
    await feed.run()
