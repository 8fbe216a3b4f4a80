"""The change feed on SQLite: commits from this process and from others reach the right sessions."""

import asyncio

from app.feed.listener import ChangeFeed, latest_seq
from app.feed.registry import SessionRegistry
from app.feed.signals import wake_source_for_settings
from app.services.system_status import publish_system_status
from app.views.live import EVERY_VIEW
from tests.support.cli import beacon
from tests.support.loops import run_async

WAIT_SECONDS = 10  # generous: only a lost change would take this long


async def with_feed(body):
    sessions = SessionRegistry()
    feed = ChangeFeed(sessions, wake_source_for_settings())
    task = asyncio.create_task(feed.run())
    await feed.wait_until_applied(0, WAIT_SECONDS)  # it has found the end of the log and watches
    try:
        return await body(sessions, feed)
    finally:
        task.cancel()


def test_a_commit_by_another_process_reaches_that_clients_sessions_only(database, client_ids):
    async def body(sessions, feed):
        acme = sessions.subscribe(f"client:{client_ids['Acme']}", topics=EVERY_VIEW)
        globex = sessions.subscribe(f"client:{client_ids['Globex']}", topics=EVERY_VIEW)
        admins = sessions.subscribe("all", topics=EVERY_VIEW)
        done = await asyncio.to_thread(beacon, database, "status", "set", "--as", "admin@beacon.demo",
                                       "--client", "Acme", "--status", "maintenance", "--message", "From the CLI")
        assert done.returncode == 0, done.stderr
        views = await asyncio.wait_for(acme.next_views(), WAIT_SECONDS)
        assert views["tenant"][1].service.status == "maintenance"
        assert views["tenant"][1].service.shown_message.message == "From the CLI"
        assert views["tenant"][1].workforce.available_agents == 0
        admin_views = await asyncio.wait_for(admins.next_views(), WAIT_SECONDS)
        assert "admin" in admin_views
        await feed.wait_until_applied(await asyncio.to_thread(latest_seq), WAIT_SECONDS)
        assert globex.take_pending() == {}

    run_async(with_feed(body))


def test_a_global_change_reaches_every_audience(admin, client_ids):
    async def body(sessions, feed):
        subscriptions = [sessions.subscribe(f"client:{cid}", topics=EVERY_VIEW) for cid in client_ids.values()]
        await asyncio.to_thread(publish_system_status, admin, None, "inactive")
        for subscription in subscriptions:
            views = await asyncio.wait_for(subscription.next_views(), WAIT_SECONDS)
            assert views["tenant"][1].service.status == "inactive"

    run_async(with_feed(body))


def test_an_expiring_message_is_withdrawn_from_sessions_at_its_expiry(admin, client_ids):
    from datetime import timedelta

    from app.models import utc_now

    async def body(sessions, feed):
        acme = sessions.subscribe(f"client:{client_ids['Acme']}", topics=EVERY_VIEW)
        await asyncio.to_thread(publish_system_status, admin, client_ids["Acme"], "active", "Brief",
                                "info", utc_now() + timedelta(seconds=1.5))
        first = await asyncio.wait_for(acme.next_views(), WAIT_SECONDS)
        assert first["tenant"][1].service.shown_message.message == "Brief"
        later = await asyncio.wait_for(acme.next_views(), WAIT_SECONDS)
        assert later["tenant"][1].service.shown_message.message == ""
        assert later["tenant"][1].service.banner_visible is False

    run_async(with_feed(body))


def test_after_a_burst_the_session_ends_on_the_final_state(admin, client_ids):
    from app.feed.listener import latest_seq

    async def body(sessions, feed):
        acme = sessions.subscribe(f"client:{client_ids['Acme']}", topics=EVERY_VIEW)
        for status in ["maintenance", "inactive", "active", "inactive"] * 5:
            await asyncio.to_thread(publish_system_status, admin, client_ids["Acme"], status)
        final_seq = await asyncio.to_thread(latest_seq)
        seen = []
        while not seen or seen[-1][0] < final_seq:
            views = await asyncio.wait_for(acme.next_views(), WAIT_SECONDS)
            seen.append(views["tenant"])
        assert seen[-1][1].service.status == "inactive"
        assert [seq for seq, _ in seen] == sorted(seq for seq, _ in seen)

    run_async(with_feed(body))


def test_a_plain_sql_statement_on_the_sqlite_file_reaches_open_sessions(database, client_ids):
    """The change log is kept by triggers, so even a write that bypasses Beacon is pushed."""
    import sqlite3

    path = database.split(":///", 1)[1]

    async def body(sessions, feed):
        acme = sessions.subscribe(f"client:{client_ids['Acme']}", topics=EVERY_VIEW)

        def write():
            with sqlite3.connect(path) as conn:
                conn.execute("INSERT INTO agent_status (client_id, status, updated_at) VALUES (?, 'inactive', ?)",
                             (client_ids["Acme"], "2026-01-01 00:00:00.000000"))

        await asyncio.to_thread(write)
        views = await asyncio.wait_for(acme.next_views(), WAIT_SECONDS)
        assert views["tenant"][1].service.status == "inactive"

    run_async(with_feed(body))
