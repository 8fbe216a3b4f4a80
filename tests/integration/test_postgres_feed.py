"""The PostgreSQL change feed against the real server: triggers, NOTIFY, and every fault the
listener must survive without losing, reordering or repeating a change."""

from __future__ import annotations

import asyncio
import glob
import os
import subprocess
import time

import psycopg
import pytest
from sqlmodel import select

from app.config import get_settings
from app.db import read_session
from app.feed.listener import Change, ChangeFeed
from app.feed.registry import LIVE, POLLING, SessionRegistry
from app.feed.signals import PostgresWake, wake_source_for_settings
from app.models import ChangeLogEntry
from app.services.auth import actor_for_email
from app.services.system_status import publish_system_status
from app.views.live import EVERY_VIEW
from app.views.status import system_snapshot
from tests.support.database import POSTGRES_ADMIN_URL
from tests.support.loops import run_async
from tests.support.tcp_proxy import TcpProxy
from tests.support.waiting import until_async

pytestmark = pytest.mark.postgres

WAIT_SECONDS = 20  # only a lost change (or a listener that never came back) takes this long
WRITE_RETRY_SECONDS = 30  # a writer keeps trying this long while the server restarts


def plain_sql(url: str, statement: str) -> None:
    """What someone typing in psql does: no service, no ORM."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


def logged_seqs_after(seq: int) -> list[int]:
    with read_session() as session:
        return list(session.exec(
            select(ChangeLogEntry.seq).where(ChangeLogEntry.seq > seq).order_by(ChangeLogEntry.seq)))


def publish_until_it_lands(admin, client_id: int, status: str, message: str) -> None:
    deadline = time.monotonic() + WRITE_RETRY_SECONDS
    while True:
        try:
            publish_system_status(admin, client_id, status, message)
            return
        except Exception:  # noqa: BLE001 - the server is restarting
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


class RecordingFeed(ChangeFeed):
    """The feed, keeping every change it reads in the order it applies them (`seqs`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seqs: list[int] = []

    def read_changes(self, after_seq: int) -> list[Change]:
        batch = super().read_changes(after_seq)
        self.seqs.extend(change.seq for change in batch)
        return batch


async def running_feed(wake=None):
    sessions = SessionRegistry()
    feed = RecordingFeed(sessions, wake or wake_source_for_settings())
    task = asyncio.create_task(feed.run())
    if wake is None:
        await until(lambda: feed.wake.connected)
    await feed.wait_until_applied(0, WAIT_SECONDS)  # the listener has read the current sequence
    return sessions, feed, task


async def until(condition, seconds: float = WAIT_SECONDS) -> None:
    await until_async(condition, seconds, "the feed's change")


def acme_id() -> int:
    from app.models import Client

    with read_session() as session:
        return session.exec(select(Client.id).where(Client.name == "Acme")).one()


def test_the_alembic_chain_builds_postgres_and_the_services_run_on_it(postgres_database):
    admin = actor_for_email("admin@beacon.demo")
    publish_system_status(admin, None, "inactive", "Everyone off", "error")
    publish_system_status(admin, acme_id(), "active")
    assert system_snapshot(admin, acme_id()).status == "active"
    assert system_snapshot(admin, None).shown.message == "Everyone off"


def test_a_plain_sql_update_typed_in_psql_reaches_open_sessions(postgres_database):
    async def body():
        sessions, feed, task = await running_feed()
        try:
            acme = sessions.subscribe(f"client:{acme_id()}", topics=EVERY_VIEW)
            plain_sql(postgres_database,
                      f"INSERT INTO agent_status (client_id, status, updated_at) VALUES ({acme_id()}, 'active', now())")
            await asyncio.wait_for(acme.next_views(), WAIT_SECONDS)
            plain_sql(postgres_database,
                      f"UPDATE agent_status SET status = 'maintenance' WHERE client_id = {acme_id()}")
            views = await asyncio.wait_for(acme.next_views(), WAIT_SECONDS)
            assert views["tenant"][1].service.status == "maintenance"
        finally:
            task.cancel()

    run_async(body())


def test_a_large_change_does_not_break_the_writer_or_the_feed(postgres_database):
    """NOTIFY carries no row, so a message near the size cap commits and arrives whole."""
    admin = actor_for_email("admin@beacon.demo")

    async def body():
        sessions, feed, task = await running_feed()
        try:
            acme = sessions.subscribe(f"client:{acme_id()}", topics=EVERY_VIEW)
            big = "é" * 500  # 1000 bytes of UTF-8, the longest message allowed
            await asyncio.to_thread(publish_system_status, admin, acme_id(), "active", big)
            views = await asyncio.wait_for(acme.next_views(), WAIT_SECONDS)
            assert views["tenant"][1].service.shown_message.message == big
        finally:
            task.cancel()

    run_async(body())


def test_killing_the_listeners_connection_loses_no_change(postgres_database):
    admin = actor_for_email("admin@beacon.demo")
    client = acme_id()

    async def body():
        sessions, feed, task = await running_feed()
        start = feed.last_seq
        acme = sessions.subscribe(f"client:{client}", topics=EVERY_VIEW)
        try:
            for i in range(30):
                await asyncio.to_thread(publish_system_status, admin, client,
                                        ["maintenance", "inactive", "active"][i % 3], f"change {i}")
                if i % 10 == 5:
                    killed = feed.wake.backend_pid
                    plain_sql(POSTGRES_ADMIN_URL, f"SELECT pg_terminate_backend({killed})")
                    await until(lambda killed=killed: feed.wake.connected and feed.wake.backend_pid != killed)
                await asyncio.sleep(0.02)
            expected = logged_seqs_after(start)
            await until(lambda: feed.seqs[-1:] == expected[-1:])
            assert feed.seqs == expected  # every change, in order, once
            # The feed records a batch before its views are built: wait for the final view.
            shown = None
            while shown != "change 29":
                views = await asyncio.wait_for(acme.next_views(), WAIT_SECONDS)
                shown = views["tenant"][1].service.shown_message.message if "tenant" in views else None
        finally:
            task.cancel()

    run_async(body())


def _postgres_cluster() -> tuple[str, str] | None:
    versions = sorted(os.path.basename(p) for p in glob.glob("/etc/postgresql/*"))
    return (versions[-1], "main") if versions else None


def test_a_postgres_restart_loses_no_change(postgres_database):
    cluster = _postgres_cluster()
    if cluster is None:
        pytest.skip("no local PostgreSQL cluster to restart")
    admin = actor_for_email("admin@beacon.demo")
    client = acme_id()

    async def body():
        sessions, feed, task = await running_feed()
        start = feed.last_seq
        try:
            for i in range(5):
                await asyncio.to_thread(publish_until_it_lands, admin, client, "maintenance", f"before {i}")
            restart = await asyncio.to_thread(
                subprocess.run,
                ["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, "restart"],
                capture_output=True, text=True, timeout=120,
            )
            assert restart.returncode == 0, restart.stderr
            for i in range(5):
                await asyncio.to_thread(publish_until_it_lands, admin, client, "inactive", f"after {i}")
            expected = await asyncio.to_thread(logged_seqs_after, start)
            await until(lambda: feed.seqs[-1:] == expected[-1:])
            assert feed.seqs == expected
            await until(lambda: feed.wake.connected)
        finally:
            task.cancel()

    run_async(body())


def test_without_its_signal_the_feed_polls_and_returns_to_live_when_it_comes_back(postgres_database, monkeypatch):
    monkeypatch.setenv("BEACON_POLL_SECONDS", "0.5")
    from app.config import reset_settings_cache

    reset_settings_cache()
    admin = actor_for_email("admin@beacon.demo")
    client = acme_id()
    with socket_port() as port:
        database = postgres_database.rsplit("/", 1)[1]
        wake = PostgresWake(f"postgresql://postgres@127.0.0.1:{port}/{database}")

        async def body():
            proxy = TcpProxy(port, "127.0.0.1", 5432)
            sessions, feed, task = await running_feed(wake)
            acme = sessions.subscribe(f"client:{client}", topics=EVERY_VIEW)
            try:
                await asyncio.to_thread(publish_system_status, admin, client, "maintenance", "while cut off")
                views = await asyncio.wait_for(acme.next_views(), WAIT_SECONDS)
                assert sessions.mode == POLLING
                assert views["tenant"][1].service.shown_message.message == "while cut off"
                await proxy.start()
                await until(lambda: wake.connected)
                await asyncio.to_thread(publish_system_status, admin, client, "active", "back live")
                await until(lambda: sessions.mode == LIVE)
                views = await asyncio.wait_for(acme.next_views(), WAIT_SECONDS)
                while "tenant" not in views or views["tenant"][1].service.shown_message.message != "back live":
                    views = await asyncio.wait_for(acme.next_views(), WAIT_SECONDS)
            finally:
                task.cancel()
                await proxy.stop()

        run_async(body())
    assert get_settings().poll_seconds == 0.5


class socket_port:
    """A free local TCP port, released for the test's proxy to bind."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def __exit__(self, *exc) -> None:
        return None
