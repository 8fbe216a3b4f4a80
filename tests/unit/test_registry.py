"""The per-audience session registry the feed fans out through."""

import asyncio

from app.feed.registry import SessionRegistry
from tests.support.loops import run_async

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


def _links(registry: SessionRegistry, n: int, auth_session_id: int, user_id: int):
    return [registry.subscribe("client:1", auth_session_id, f"tab-{auth_session_id}-{i}", TENANT, user_id=user_id)
            for i in range(n)]


def test_a_sign_in_sessions_link_past_the_limit_closes_its_oldest():
    from app.feed.registry import LINKS_PER_SESSION

    registry = SessionRegistry()
    links = _links(registry, LINKS_PER_SESSION + 1, auth_session_id=7, user_id=3)
    assert links[0].closed and links[0].evicted
    assert not any(link.closed for link in links[1:])
    assert registry.session_count() == LINKS_PER_SESSION


def test_a_users_link_past_the_limit_closes_the_oldest_of_any_of_their_sessions():
    from app.feed.registry import LINKS_PER_SESSION, LINKS_PER_USER

    registry = SessionRegistry()
    sessions = -(-(LINKS_PER_USER + 1) // LINKS_PER_SESSION)  # enough sessions, none past its own limit
    links = [link for s in range(sessions) for link in _links(registry, LINKS_PER_SESSION, s, user_id=3)]
    over = len(links) - LINKS_PER_USER
    assert [link.evicted for link in links[:over]] == [True] * over
    assert not any(link.closed for link in links[over:])
    assert registry.session_count() == LINKS_PER_USER


def test_other_users_links_are_never_closed_by_one_users_many_links():
    from app.feed.registry import LINKS_PER_USER

    registry = SessionRegistry()
    other = registry.subscribe("client:1", 99, "other-tab", TENANT, user_id=4)
    for s in range(LINKS_PER_USER):
        _links(registry, 2, auth_session_id=s, user_id=3)
    assert not other.closed


def test_a_tab_replacing_its_own_link_does_not_count_against_the_limit():
    from app.feed.registry import LINKS_PER_SESSION

    registry = SessionRegistry()
    first = registry.subscribe("client:1", 7, "one-tab", TENANT, user_id=3)
    for _ in range(LINKS_PER_SESSION * 3):
        registry.subscribe("client:1", 7, "one-tab", TENANT, user_id=3)
    others = _links(registry, LINKS_PER_SESSION - 1, auth_session_id=7, user_id=3)
    assert first.closed and not first.evicted  # replaced by its own tab, not evicted
    assert not any(link.closed for link in others)
