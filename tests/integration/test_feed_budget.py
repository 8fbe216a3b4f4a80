"""The listener's window read budget, on SQLite and on PostgreSQL: costly windows (substring
searches with a badge filter, as a hostile user opens them by the hundred) never hold back what
every page shares, are read most-held first, and are never dropped when the budget leaves them
for a later round.

The listener's window reads go through a recorder (`WindowReads`) that can hold each read until
the test lets it go, so "before any window is read" is a fact of the order of events, not of a
clock. The budget is set to 0 (one window a round) wherever the test needs windows left over.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Hashable

import httpx
import pytest

from app.api.routes import api
from app.db import read_session, transaction
from app.feed import listener
from app.feed.listener import ChangeFeed, latest_seq
from app.feed.registry import SessionRegistry, Subscription
from app.feed.signals import wake_source_for_settings
from app.feed.stats import feed_stats
from app.models import AgentStatus, AgentTask, ServiceStatus
from app.rules.work import BADGE_WORKING
from app.services.tasks import cancel_task
from app.views.contacts import ContactsPage, ContactsWindow, read_contacts_page
from app.views.live import EVERY_VIEW, TENANT_VIEW
from app.views.windows import CONTACTS_WINDOW
from tests.support.factory import ADMIN, CLIENT_ADMINS, OUTREACH, actor, agent_id, api_token, client_id, contact_id
from tests.support.loops import run_async
from tests.support.waiting import until_async

WAIT_SECONDS = 20  # only a lost change (or a window never read) takes this long
ADA = "Ada Byrne"  # a demo contact of Acme's: ada@northwind.example, Northwind
# Each matches Ada and nobody else of Acme's, so a task on Ada moves her into every one of these
# windows (filtered on "Agent Working") and its cancellation out again.
SEARCHES_MATCHING_ADA = ("ada", "byrne", "northwind", "ada@", "yrne")


@pytest.fixture(params=["sqlite", "postgres"])
def engine_kind(request) -> str:
    request.getfixturevalue("database" if request.param == "sqlite" else "postgres_database")
    return request.param


class WindowReads:
    """Stands in for the listener's window read: records each (kind, window) in the order read
    and, when `held`, waits for the test to let it go (release)."""

    def __init__(self, held: bool):
        self.real = listener.read_window_guarded
        self.order: list[tuple[str, Hashable]] = []
        self.held = held
        self._permits = threading.Semaphore(0)

    def __call__(self, session, kind: str, window: Hashable):
        self.order.append((kind, window))
        if self.held:
            self._permits.acquire(timeout=WAIT_SECONDS)  # bounded: a failed test never hangs a thread
        return self.real(session, kind, window)

    def release(self, reads: int = 1) -> None:
        for _ in range(reads):
            self._permits.release()

    def let_everything_through(self) -> None:
        self.held = False
        self.release(len(self.order) + 100)


class FeedThatRecordsItsWaits(ChangeFeed):
    """The listener, counting the wake-ups it waited for while windows were left for later."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.waits_with_windows_left = 0
        wait = self.wake.wait

        async def recorded_wait(timeout: float) -> None:
            if self.windows_waiting:
                self.waits_with_windows_left += 1
            await wait(timeout)

        self.wake.wait = recorded_wait


@pytest.fixture
def window_reads(monkeypatch):
    def install(held: bool, budget_seconds: float) -> WindowReads:
        reads = WindowReads(held)
        monkeypatch.setattr(listener, "read_window_guarded", reads)
        monkeypatch.setattr(listener, "WINDOW_READ_BUDGET_SECONDS", budget_seconds)
        return reads

    return install


async def with_feed(body, reads: WindowReads):
    sessions = SessionRegistry()
    feed = FeedThatRecordsItsWaits(sessions, wake_source_for_settings())
    task = asyncio.create_task(feed.run())
    await feed.wait_until_applied(0, WAIT_SECONDS)
    try:
        return await body(sessions, feed)
    finally:
        reads.let_everything_through()
        task.cancel()


def costly_window(search: str) -> ContactsWindow:
    return ContactsWindow(client_id=client_id("Acme"), search=search, badge=BADGE_WORKING)


def read_now(window: ContactsWindow) -> ContactsPage:
    with read_session() as session:
        return read_contacts_page(session, window)


def page_holding(sessions: SessionRegistry, window: ContactsWindow) -> Subscription:
    """An Acme page that holds `window`, read already (as a tab's live link holds it)."""
    page = sessions.subscribe(f"client:{window.client_id}", topics=EVERY_VIEW)
    page.hold_window(CONTACTS_WINDOW, window, read_now(window).shown_ids)
    return page


def a_task_on_ada_and_acme_inactive() -> int:
    """One transaction, so both changes share one batch: Acme's status (every page's banner) and a
    task on Ada (every costly window re-read). Returns the task's id."""
    with transaction() as session:
        session.add(AgentStatus(client_id=client_id("Acme"), status=ServiceStatus.INACTIVE))
        task = AgentTask(client_id=client_id("Acme"), ai_agent_id=agent_id("Acme", OUTREACH),
                         contact_id=contact_id(ADA))
        session.add(task)
        session.flush()
        return task.id


async def next_view_of(subscription: Subscription, kind: str) -> tuple[int, object]:
    while True:
        views = await asyncio.wait_for(subscription.next_views(), WAIT_SECONDS)
        if kind in views:
            return views[kind]


async def until(condition, what: str) -> None:
    await until_async(condition, WAIT_SECONDS, what)


async def everything_applied(feed: ChangeFeed) -> None:
    await feed.wait_until_applied(await asyncio.to_thread(latest_seq), WAIT_SECONDS)


def test_the_banner_reaches_pages_before_any_window_is_read(engine_kind, window_reads):
    reads = window_reads(held=True, budget_seconds=0.0)

    async def body(sessions: SessionRegistry, feed: ChangeFeed):
        hostile = [page_holding(sessions, costly_window(search)) for search in SEARCHES_MATCHING_ADA]
        normal = sessions.subscribe(f"client:{client_id('Acme')}", topics=EVERY_VIEW)

        await asyncio.to_thread(a_task_on_ada_and_acme_inactive)

        _, tenant = await next_view_of(normal, TENANT_VIEW)
        assert tenant.service.status == "inactive"
        assert len(reads.order) <= 1  # the first window read is held: none has completed
        assert all(CONTACTS_WINDOW not in page.take_pending() for page in hostile)

        reads.let_everything_through()
        for page in hostile:
            _, (window, result) = await next_view_of(page, CONTACTS_WINDOW)
            assert [row.name for row in result.rows] == [ADA]

    run_async(with_feed(body, reads))


def test_windows_left_by_the_budget_arrive_in_the_next_rounds_with_the_newest_data(engine_kind, window_reads):
    reads = window_reads(held=True, budget_seconds=0.0)

    async def body(sessions: SessionRegistry, feed: FeedThatRecordsItsWaits):
        windows = [costly_window(search) for search in SEARCHES_MATCHING_ADA]
        pages = [page_holding(sessions, window) for window in windows]
        over_before = feed_stats.batches_over_budget

        task_id = await asyncio.to_thread(a_task_on_ada_and_acme_inactive)
        await until(lambda: len(reads.order) == 1, "the first window read")
        # While the first round reads its one window, the task is cancelled: Ada leaves every window.
        await asyncio.to_thread(cancel_task, actor(CLIENT_ADMINS["Acme"]), task_id)
        reads.let_everything_through()
        await everything_applied(feed)

        for page, window in zip(pages, windows, strict=True):
            _, (shown_window, result) = page.take_pending()[CONTACTS_WINDOW]
            assert shown_window == window
            assert result == read_now(window)  # the newest data: Ada no longer there
            assert result.rows == []
        assert feed.waits_with_windows_left == 0  # each next round began at once, without a wake-up
        assert feed.windows_waiting == {}
        assert feed_stats.batches_over_budget > over_before

    run_async(with_feed(body, reads))


def test_the_window_most_pages_hold_is_read_first(engine_kind, window_reads):
    reads = window_reads(held=False, budget_seconds=0.0)
    windows = [costly_window(search) for search in SEARCHES_MATCHING_ADA]  # held by 1, 2, ... pages

    async def body(sessions: SessionRegistry, feed: ChangeFeed):
        for pages, window in enumerate(windows, start=1):  # the least held found first
            for _ in range(pages):
                page_holding(sessions, window)

        await asyncio.to_thread(a_task_on_ada_and_acme_inactive)
        await until(lambda: len(reads.order) >= len(windows), "every window read")
        await everything_applied(feed)

        assert reads.order == [(CONTACTS_WINDOW, window) for window in reversed(windows)]

    run_async(with_feed(body, reads))


def test_health_reports_batches_over_the_budget_and_the_windows_waiting(engine_kind, window_reads):
    reads = window_reads(held=True, budget_seconds=0.0)
    token = api_token(ADMIN)

    async def feed_health() -> dict:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://beacon") as client:
            answer = await client.get("/api/v1/health", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        return answer.json()["feed"]

    async def body(sessions: SessionRegistry, feed: ChangeFeed):
        for search in SEARCHES_MATCHING_ADA:
            page_holding(sessions, costly_window(search))
        before = await feed_health()

        await asyncio.to_thread(a_task_on_ada_and_acme_inactive)
        await until(lambda: len(reads.order) == 1, "the first window read")
        reads.release()
        await until(lambda: len(reads.order) == 2, "the second round's window read")  # the first round is over

        during = await feed_health()
        assert during["batches_over_budget"] == before["batches_over_budget"] + 1
        assert during["windows_waiting"] == len(SEARCHES_MATCHING_ADA) - 1
        assert during["longest_batch_ms"] > 0
        assert during["window_read_budget_ms"] == 0

        reads.let_everything_through()
        await everything_applied(feed)
        assert (await feed_health())["windows_waiting"] == 0

    run_async(with_feed(body, reads))
