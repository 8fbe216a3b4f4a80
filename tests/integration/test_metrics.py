"""GET /metrics after real things happen: each count moves with what it counts (one process; the
multi-worker sum is tests/e2e/test_metrics_workers.py)."""

from __future__ import annotations

import asyncio

import limits.storage.memory
import pytest

from app.feed.listener import latest_seq
from app.metrics import record
from app.rules.actors import Actor
from app.services import throttle
from app.services.system_status import publish_system_status
from app.services.throttle import PRESENCE, TooManyChanges, WriteThrottle
from app.views.live import EVERY_VIEW
from tests.integration.test_feed import WAIT_SECONDS, with_feed
from tests.integration.test_sign_in_throttle import guess_until_locked
from tests.support.api import call_api
from tests.support.factory import CLIENT_ADMINS, OUTREACH, assign
from tests.support.loops import run_async
from tests.support.metrics import scrape, value


def test_the_answer_is_prometheus_text_with_help_for_every_beacon_metric(database):
    response = call_api("GET", "/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    helps = [line for line in response.text.splitlines() if line.startswith("# HELP beacon_")]
    assert helps and all(len(line.split(" ", 3)[3]) > 10 for line in helps)


def test_a_publish_moves_the_changes_applied(admin, client_ids):
    async def body(sessions, feed):
        before = value(await asyncio.to_thread(scrape), "beacon_feed_changes_applied",
                       "beacon_feed_changes_applied_total")
        sessions.subscribe(f"client:{client_ids['Acme']}", topics=EVERY_VIEW)
        await asyncio.to_thread(publish_system_status, admin, client_ids["Acme"], "maintenance", "Metrics")
        await feed.wait_until_applied(await asyncio.to_thread(latest_seq), WAIT_SECONDS)
        after = await asyncio.to_thread(scrape)
        assert value(after, "beacon_feed_changes_applied", "beacon_feed_changes_applied_total") > before
        assert value(after, "beacon_feed_batch_seconds", "beacon_feed_batch_seconds_count") >= 1
        assert value(after, "beacon_feed_lag_changes") == 0

    run_async(with_feed(body))


def test_open_links_are_counted_while_they_are_open(database):
    from app.feed.registry import registry

    link = registry.subscribe("client:1", topics=EVERY_VIEW)
    try:
        assert value(scrape(), "beacon_live_links") == registry.session_count() >= 1
    finally:
        registry.unsubscribe(link)
    assert value(scrape(), "beacon_live_links") == registry.session_count()


def test_feed_lag_counts_the_changes_past_the_slowest_listener_and_their_wait(admin, client_ids):
    applied = latest_seq()
    record.applied_position(applied)  # what a listener records, and then it is stuck
    publish_system_status(admin, client_ids["Acme"], "inactive")
    families = scrape()
    assert value(families, "beacon_feed_lag_changes") == latest_seq() - applied > 0
    assert value(families, "beacon_feed_lag_seconds") > 0
    record.applied_position(latest_seq())
    assert value(scrape(), "beacon_feed_lag_changes") == 0


def test_a_sign_in_lock_counts(database):
    before = value(scrape(), "beacon_signin_locks", "beacon_signin_locks_total", lock="pair")
    guess_until_locked("sam@acme.demo")
    assert value(scrape(), "beacon_signin_locks", "beacon_signin_locks_total", lock="pair") == before + 1


def test_a_throttled_action_counts_under_its_kind(database):
    throttle.use_throttle(WriteThrottle(limits.storage.memory.MemoryStorage()))
    sam = Actor(user_id=999, email="sam@acme.demo", name="", role="support_staff", client_id=1)
    before = value(scrape(), "beacon_throttled_actions", "beacon_throttled_actions_total", action=PRESENCE.kind)
    try:
        for _ in range(PRESENCE.per_minute):
            throttle.check_write(sam, PRESENCE)
        with pytest.raises(TooManyChanges):
            throttle.check_write(sam, PRESENCE)
    finally:
        throttle.use_throttle(None)
    assert value(scrape(), "beacon_throttled_actions", "beacon_throttled_actions_total",
                 action=PRESENCE.kind) == before + 1


def test_the_queue_depth_is_the_pending_tasks(database):
    before = value(scrape(), "beacon_worker_queue_depth")
    assign(CLIENT_ADMINS["Acme"], "Acme", OUTREACH, 3)
    assert value(scrape(), "beacon_worker_queue_depth") == before + 3


def test_a_failed_window_read_counts(database):
    from app.db import read_session
    from app.feed.guard import UNREADABLE, read_window_guarded

    before = value(scrape(), "beacon_feed_failed_window_reads", "beacon_feed_failed_window_reads_total")
    with read_session() as session:
        assert read_window_guarded(session, "no-such-kind", ("nothing",)) is UNREADABLE
    assert value(scrape(), "beacon_feed_failed_window_reads", "beacon_feed_failed_window_reads_total") == before + 1


def test_a_leader_job_is_held_while_it_leads(database):
    from app.jobs.leader import leadership

    async def lead():
        async with leadership("metrics-test"):
            held = await asyncio.to_thread(scrape)
        return held, await asyncio.to_thread(scrape)

    held, released = run_async(lead())
    assert value(held, "beacon_leader_held", job="metrics-test") == 1
    assert value(released, "beacon_leader_held", job="metrics-test") == 0


def test_a_database_that_cannot_be_read_costs_its_families_not_the_scrape(database, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from app.metrics import scrape as scraping

    def unreachable() -> int:
        raise OperationalError("SELECT", {}, Exception("the server closed the connection"))

    monkeypatch.setattr(scraping, "pending_tasks", unreachable)
    families = scrape()
    assert value(families, "beacon_metrics_database_readable") == 0
    assert "beacon_worker_queue_depth" not in families and "beacon_live_links" in families


def test_the_task_workers_outcomes_count(database):
    from app.worker.loop import Worker
    from app.worker.runners import SimulatedOutreachRunner

    assign(CLIENT_ADMINS["Acme"], "Acme", OUTREACH, 2)
    before = scrape()
    worker = Worker(SimulatedOutreachRunner(failure_rate=0.0, min_seconds=0, max_seconds=0), name="metrics")
    assert worker.run_one() and worker.run_one()
    after = scrape()
    assert value(after, "beacon_worker_tasks", "beacon_worker_tasks_total", outcome="completed") == \
        value(before, "beacon_worker_tasks", "beacon_worker_tasks_total", outcome="completed") + 2
    assert value(after, "beacon_worker_queue_depth") == value(before, "beacon_worker_queue_depth") - 2
