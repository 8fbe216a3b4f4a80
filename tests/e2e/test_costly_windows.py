"""Costly windows at will, attempted as a script would: a raw socket.io client speaking Reflex's
websocket protocol (tests/support/websocket_client.py LightClient) opens pages and sends window events in a loop.

Every window a page holds is re-read by the listener on each change that touches it, so how many a
user may open, and which, is what bounds the cost one user can put on everyone else's changes:
- a search flood past the WINDOW_READ throttle opens no more windows, and says so;
- /agents/<id> of another client's agent, or of a made-up one, opens no window;
- a sign-in session's links past LINKS_PER_SESSION close the oldest, whose page says so.
Each attack uses users of its own, so the session server's other tests keep their allowances.
"""

from __future__ import annotations

import asyncio

import httpx

from app.feed.registry import LINKS_PER_SESSION, PAUSED
from app.services.throttle import WINDOW_READ
from app.state.live import LINK_PAUSED_MESSAGE
from tests.support import websocket_client as S
from tests.support.database import use_database
from tests.support.loops import run_async
from tests.support.raw_tabs import (
    CONTACTS_STATE,
    PASSWORD,
    SETTLE_TIMEOUT_S,
    Tab,
    new_user,
    refused_prefix,
    settled,
    tabs,
)
from tests.support.server import BeaconServer
from tests.support.waiting import until_async

TOO_MANY_SEARCHES = refused_prefix(WINDOW_READ)
OVER = 15  # searches sent past the limit


def _open_windows(server: BeaconServer) -> int:
    """The windows the server's open links hold (/api/v1/health, a platform admin's token)."""
    from tests.support.factory import ADMIN, api_token

    use_database(server.database_url)
    answer = httpx.get(f"{server.url}/api/v1/health", headers={"Authorization": f"Bearer {api_token(ADMIN)}"},
                       timeout=30)
    answer.raise_for_status()
    return answer.json()["open_windows"]


def test_a_search_flood_past_the_limit_opens_no_more_windows(server):
    email, _ = new_user(server, "client_admin", "Acme", "searcher")
    bystander, _ = new_user(server, "client_admin", "Acme", "bystander")
    sent = WINDOW_READ.per_minute + OVER

    async def attack() -> None:
        async with tabs(server, "/contacts", email, bystander) as (tab, other):
            for i in range(sent):
                await tab.send(CONTACTS_STATE, "set_search", value=f"flood {i}")
            await settled(lambda: tab.received_count(TOO_MANY_SEARCHES), OVER)  # the ones past the limit, no more
            # The last search the page holds is the last one allowed: the refused ones changed nothing.
            assert tab.client.contacts.get("search") == f"flood {WINDOW_READ.per_minute - 1}"
            # Another user of the same client searches at the same moment, unaffected.
            await other.send(CONTACTS_STATE, "set_search", value="Ben")
            await until_async(lambda: other.client.contacts.get("search") == "Ben", SETTLE_TIMEOUT_S,
                              "the bystander's search")
            assert other.received_count(TOO_MANY_SEARCHES) == 0

    run_async(attack())


def _agent_ids(server: BeaconServer) -> tuple[int, int]:
    from tests.support.factory import agent_id

    use_database(server.database_url)
    return agent_id("Acme", "Outreach Agent"), agent_id("Globex", "Outreach Agent")


def test_an_agent_page_opens_windows_only_for_an_agent_of_the_callers_client(server):
    email, _ = new_user(server, "client_admin", "Acme", "agent-prober")
    own, globex = _agent_ids(server)

    async def windows_held_by(route: str) -> int:
        before = await asyncio.to_thread(_open_windows, server)
        async with tabs(server, route, email):
            return await asyncio.to_thread(_open_windows, server) - before

    async def attack() -> None:
        assert await windows_held_by(f"/agents/{own}") == 2  # its tasks and its activity: the page works
        assert await windows_held_by(f"/agents/{globex}") == 0  # another client's agent
        assert await windows_held_by("/agents/987654321") == 0  # an agent nobody has

    run_async(attack())


def test_a_sign_in_sessions_links_past_the_limit_pause_the_oldest_page(server):
    email, _ = new_user(server, "client_admin", "Acme", "many-tabs")

    async def attack() -> None:
        token = await asyncio.to_thread(server.session_token, email, PASSWORD)
        async with S.shared_http_session() as http:
            opened: list[Tab] = []
            try:
                for _ in range(LINKS_PER_SESSION + 1):  # tabs of one browser: one cookie, their own ids
                    opened.append(await Tab.of_session(server, token, http, "/").connect())
                oldest, *newer = opened
                await until_async(lambda: oldest.client.mode == PAUSED, SETTLE_TIMEOUT_S, "the oldest page paused")
                assert oldest.received_count(LINK_PAUSED_MESSAGE) == 1
                assert all(tab.client.mode != PAUSED for tab in newer)
            finally:
                for tab in opened:
                    await tab.client.disconnect()

    run_async(attack())
