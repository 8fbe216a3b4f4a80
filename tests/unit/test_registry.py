"""The per-audience session registry the feed fans out through."""

import asyncio

from app.feed.registry import SessionRegistry
from tests.conftest import run_async

TENANT = frozenset({"tenant"})


def test_a_view_reaches_only_sessions_of_its_audience():
    registry = SessionRegistry()
    acme, globex = registry.subscribe("client:1", topics=TENANT), registry.subscribe("client:2", topics=TENANT)
    registry.deliver("client:1", 5, "tenant", {"status": "maintenance"})

    async def take():
        return await asyncio.wait_for(acme.next_views(), 1)

    assert run_async(take()) == {"tenant": (5, {"status": "maintenance"})}
    assert globex.take_pending() == {}


def test_a_burst_coalesces_into_the_newest_view():
    registry = SessionRegistry()
    session = registry.subscribe("client:1", topics=TENANT)
    for seq in range(1, 101):
        registry.deliver("client:1", seq, "tenant", {"n": seq})
    taken = run_async(session.next_views())
    assert taken == {"tenant": (100, {"n": 100})}


def test_an_older_view_never_replaces_a_newer_pending_one():
    registry = SessionRegistry()
    session = registry.subscribe("all", topics=TENANT)
    registry.deliver("all", 9, "tenant", {"n": 9})
    registry.deliver("all", 8, "tenant", {"n": 8})
    assert run_async(session.next_views())["tenant"] == (9, {"n": 9})


def test_unsubscribing_leaves_nothing_behind_after_many_cycles():
    registry = SessionRegistry()
    for i in range(1000):
        registry.unsubscribe(registry.subscribe(f"client:{i % 7}"))
    assert registry.session_count() == 0
    assert registry.audiences() == []
