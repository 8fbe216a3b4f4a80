"""One tab's window that cannot be read costs that tab alone, on SQLite and on PostgreSQL.

The poison is what each database refuses in a query parameter: a lone surrogate (SQLite's driver
cannot encode it) and NUL (PostgreSQL's text cannot hold it). The window is held as a tab's would
be if such text ever got past the door (app/rules/text.py refuses it there too). Then one
transaction changes another client's status and this client's task, as a plain SQL writer would.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.exc import OperationalError

from app.db import transaction
from app.feed.guard import UNREADABLE, WINDOW_FAILED_MESSAGE
from app.feed.listener import ChangeFeed
from app.feed.registry import WINDOW_FAILED, SessionRegistry, registry
from app.feed.signals import wake_source_for_settings
from app.feed.stats import feed_stats
from app.models import AgentStatus, AgentTask, ServiceStatus
from app.services.system_status import publish_system_status
from app.state.windows import hold_and_read
from app.views.contacts import ContactsWindow
from app.views.live import EVERY_VIEW, TENANT_VIEW
from app.views.windows import CONTACTS_WINDOW
from tests.support.factory import ADMIN, actor, agent_id, client_id, contact_ids
from tests.support.loops import run_async

WAIT_SECONDS = 20  # only a lost change takes this long
POISON = {"sqlite": "Ann \ud800", "postgres": "Ann \x00"}


@pytest.fixture(params=["sqlite", "postgres"])
def engine_kind(request) -> str:
    request.getfixturevalue("database" if request.param == "sqlite" else "postgres_database")
    return request.param


async def with_feed(body, feed_class=ChangeFeed):
    sessions = SessionRegistry()
    feed = feed_class(sessions, wake_source_for_settings())
    task = asyncio.create_task(feed.run())
    await feed.wait_until_applied(0, WAIT_SECONDS)
    try:
        return await body(sessions, feed)
    finally:
        task.cancel()


def one_transaction_changing_globex_status_and_an_acme_task() -> None:
    """One transaction: both changes share one batch of the feed, whatever the timing."""
    acme = client_id("Acme")
    with transaction() as session:
        session.add(AgentStatus(client_id=client_id("Globex"), status=ServiceStatus.INACTIVE))
        session.add(AgentTask(client_id=acme, ai_agent_id=agent_id("Acme", "Outreach Agent"),
                              contact_id=contact_ids("Acme")[0]))


async def next_view_of(subscription, kind: str) -> tuple[int, object]:
    while True:
        views = await asyncio.wait_for(subscription.next_views(), WAIT_SECONDS)
        if kind in views:
            return views[kind]


def test_a_window_that_cannot_be_read_costs_only_its_own_tab(engine_kind):
    acme, globex = client_id("Acme"), client_id("Globex")

    async def body(sessions: SessionRegistry, feed: ChangeFeed):
        hostile = sessions.subscribe(f"client:{acme}", topics=EVERY_VIEW, client_token="hostile")
        hostile.open_window(CONTACTS_WINDOW, ContactsWindow(client_id=acme, search=POISON[engine_kind]))
        neighbour = sessions.subscribe(f"client:{acme}", topics=EVERY_VIEW, client_token="neighbour")
        neighbour.open_window(CONTACTS_WINDOW, ContactsWindow(client_id=acme))
        other_client = sessions.subscribe(f"client:{globex}", topics=EVERY_VIEW, client_token="globex")
        failed_before = feed_stats.failed_window_reads

        await asyncio.to_thread(one_transaction_changing_globex_status_and_an_acme_task)

        _, tenant = await next_view_of(other_client, TENANT_VIEW)
        assert tenant.service.status == "inactive"
        _, (window, page) = await next_view_of(neighbour, CONTACTS_WINDOW)
        assert page.total > 0
        _, failure = await next_view_of(hostile, WINDOW_FAILED)
        assert failure == {CONTACTS_WINDOW: WINDOW_FAILED_MESSAGE}
        assert CONTACTS_WINDOW not in hostile.windows
        assert feed_stats.failed_window_reads == failed_before + 1
        assert feed_stats.as_dict()["failed_window_reads"] == failed_before + 1  # what /api/v1/health shows

        await asyncio.to_thread(publish_system_status, actor(ADMIN), globex, "active", "Back again")
        _, tenant = await next_view_of(other_client, TENANT_VIEW)
        assert tenant.service.status == "active"
        assert feed_stats.failed_window_reads == failed_before + 1  # the dropped window is not read again

    run_async(with_feed(body))


def test_a_window_whose_first_read_fails_is_never_held(engine_kind):
    acme = client_id("Acme")
    window = ContactsWindow(client_id=acme, search=POISON[engine_kind])

    async def body():
        subscription = registry.subscribe(f"client:{acme}", topics=EVERY_VIEW, client_token="first-read")
        try:
            _, result = await hold_and_read("first-read", CONTACTS_WINDOW, window)
            assert result is UNREADABLE
            assert CONTACTS_WINDOW not in subscription.windows
        finally:
            registry.unsubscribe(subscription)

    run_async(body())


class FeedThatFailsOnce(ChangeFeed):
    """The database goes away once while a batch is being delivered (its read had succeeded)."""

    failures_left = 1

    async def publish(self, *args, **kwargs):
        if self.failures_left:
            self.failures_left -= 1
            raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))
        return await super().publish(*args, **kwargs)


def test_a_batch_that_cannot_be_delivered_is_retried_not_skipped(database):
    acme = client_id("Acme")

    async def body(sessions: SessionRegistry, feed: ChangeFeed):
        page = sessions.subscribe(f"client:{acme}", topics=EVERY_VIEW)
        failed_before = feed_stats.failed_batches
        await asyncio.to_thread(publish_system_status, actor(ADMIN), acme, "maintenance", "Patching")
        _, tenant = await next_view_of(page, TENANT_VIEW)
        assert tenant.service.status == "maintenance"
        assert feed_stats.failed_batches == failed_before + 1
        assert feed_stats.retrying is False

    run_async(with_feed(body, FeedThatFailsOnce))
