"""One change-feed listener per backend process.

It sleeps until the database signals a commit (or a message is due to expire), reads the change
log after the last sequence it applied, works out which audiences' views went stale, builds each
stale view once and offers it to every open session of that audience.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, func, select

from app.config import get_settings
from app.db import read_session
from app.feed.registry import LIVE, POLLING, SessionRegistry, registry
from app.feed.signals import WakeSource, wake_source_for_settings
from app.models import ChangeLogEntry, utc_now
from app.services.actors import ALL_TENANTS, audience_for
from app.services.live_views import ADMIN_VIEW, TENANT_VIEW, build_views, views_for_entities
from app.services.system_status import next_message_expiry

log = logging.getLogger("beacon.feed")

# A safety net, not the mechanism: if a wake-up signal were ever lost, the listener still reads
# the log this often. It costs one indexed query per process, whatever the number of sessions.
FEED_RECHECK_SECONDS = 5.0
# Changes read per query; a burst larger than this is read in several rounds, in order.
FEED_BATCH_LIMIT = 1000
# Retry pause after an unexpected error reading the log (the database restarting, say).
FEED_ERROR_PAUSE_SECONDS = 0.5


@dataclass(frozen=True)
class Change:
    seq: int
    entity: str
    client_id: int | None
    entity_id: str | None = None


def latest_seq() -> int:
    with read_session() as session:
        return session.exec(select(func.max(ChangeLogEntry.seq))).one() or 0


def changes_after(seq: int, limit: int = FEED_BATCH_LIMIT) -> list[Change]:
    with read_session() as session:
        rows = session.exec(
            select(ChangeLogEntry.seq, ChangeLogEntry.entity, ChangeLogEntry.client_id, ChangeLogEntry.entity_id)
            .where(ChangeLogEntry.seq > seq)
            .order_by(col(ChangeLogEntry.seq))
            .limit(limit)
        ).all()
    return [Change(seq=r[0], entity=r[1], client_id=r[2], entity_id=r[3]) for r in rows]


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
        if change.client_id is None:
            targets = open_audiences
        else:
            targets = [audience_for(change.client_id), ALL_TENANTS]
        for audience in targets:
            if audience in open_audiences:
                stale[audience] |= kinds if audience == ALL_TENANTS else kinds - {ADMIN_VIEW}
    return {a: k for a, k in stale.items() if k}


class ChangeFeed:
    def __init__(self, sessions: SessionRegistry, wake: WakeSource):
        self.sessions = sessions
        self.wake = wake
        self.last_seq = 0
        self.next_expiry: datetime | None = None
        # Observers of every batch read, in order (tests and benchmarks check what was applied).
        self.batch_observers: list = []

    async def run(self) -> None:
        await self.wake.start()
        try:
            self.last_seq = await asyncio.to_thread(latest_seq)
            self.next_expiry = await asyncio.to_thread(next_message_expiry)
            log.info("change feed listening after seq %s", self.last_seq)
            while True:
                await self.wake.wait(self._seconds_to_wait())
                try:
                    await self.apply_new_changes()
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - keep listening; the log keeps what we missed
                    log.exception("change feed: reading the log failed; retrying")
                    await asyncio.sleep(FEED_ERROR_PAUSE_SECONDS)
        finally:
            await self.wake.stop()

    def _seconds_to_wait(self) -> float:
        # Without its signal the listener reads the log on the polling timer instead.
        longest = FEED_RECHECK_SECONDS if self.wake.connected else get_settings().poll_seconds
        if self.next_expiry is None:
            return longest
        until = (self.next_expiry - utc_now()).total_seconds()
        return max(0.0, min(longest, until))

    async def apply_new_changes(self) -> None:
        self.sessions.set_mode(LIVE if self.wake.connected else POLLING, self.last_seq)
        changes: list[Change] = []
        while True:
            batch = await asyncio.to_thread(changes_after, self.last_seq)
            changes.extend(batch)
            if batch:
                self.last_seq = batch[-1].seq
                for observe in self.batch_observers:
                    observe(batch)
            if len(batch) < FEED_BATCH_LIMIT:
                break
        for change in changes:
            if change.entity == "auth_sessions" and change.entity_id:
                self.sessions.end_session(int(change.entity_id), change.seq)
        audiences = self.sessions.audiences()
        stale = stale_views_by_audience(changes, audiences)
        expiry_due = self.next_expiry is not None and self.next_expiry <= utc_now()
        if expiry_due:
            for audience in audiences:
                stale.setdefault(audience, set()).add(TENANT_VIEW)
                if audience == ALL_TENANTS:
                    stale[audience].add(ADMIN_VIEW)
        if expiry_due or any(c.entity == "system_messages" for c in changes):
            self.next_expiry = await asyncio.to_thread(next_message_expiry)
        await self.publish(stale)

    async def publish(self, stale: dict[str, set[str]]) -> None:
        for audience, kinds in stale.items():
            views = await asyncio.to_thread(build_views, audience, kinds)
            for kind, view in views.items():
                self.sessions.deliver(audience, self.last_seq, kind, view)


async def run_change_feed() -> None:
    """The lifespan task Reflex runs in each backend worker."""
    feed = ChangeFeed(registry, wake_source_for_settings())
    await feed.run()
