"""Attacks on the live link, made as a script would make them: a raw socket.io client speaking
Reflex's websocket protocol (tests/support/websocket_client.py LightClient), which ignores every redirect.

Once its sign-in session is signed out elsewhere, runs out, or its user is disabled or moved to
another client, it must receive nothing more; calling `follow_changes` over and over must not pile
up live links; and signing out must leave nothing of the signed-out user's views in the tab's state.

Every attack runs twice: on the live link, and with live updates off (BEACON_LIVE_UPDATES=false,
the documented rollback switch), where pages poll instead and the same guards must hold.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa

from tests.support import websocket_client as S
from tests.support.database import use_database
from tests.support.loops import run_async
from tests.support.project import ROOT
from tests.support.server import BeaconServer, start_server, stop_server
from tests.support.waiting import until_async

# Connect and receive the first views (the admin view carries 90 days of bars), on a busy 2-core machine.
LINK_TIMEOUT_S = 30.0
POLL_SECONDS = 1  # the polling server's interval: an ended link that still polls shows within QUIET_S
QUIET_S = 2.0  # how long the ended link is watched for anything more (two polls of the polling server)
FOLLOW_CALLS = 1000
# A page's one poller sends at most a message per poll (its views, or only its mode): watched for
# this many poll intervals (which hold at most one poll more), a tab that called `follow_changes` a
# thousand times must not receive more than that.
POLLS_WATCHED = 3
# The thousand calls are queued events: each starts, replaces the tab's previous link and ends.
# Until that backlog has drained the tab receives their last deltas; one poller left settles to
# about a message per poll, a pile of pollers never does. How long the backlog may take to drain:
BACKLOG_DRAIN_TIMEOUT_S = 90.0
TEMPORARY_PASSWORD = "temporary-password-1"
LIVE, POLLING = "live", "polling"


@pytest.fixture(scope="module", params=[LIVE, POLLING])
def server(request, tmp_path_factory) -> Iterator[BeaconServer]:
    """The session's server (live link), then one with live updates off, polling every POLL_SECONDS."""
    if request.param == LIVE:
        yield request.getfixturevalue("server")
        return
    process, running = start_server(tmp_path_factory.mktemp("beacon-polling"),
                                    {"BEACON_LIVE_UPDATES": "false", "BEACON_POLL_SECONDS": str(POLL_SECONDS)})
    try:
        yield running
    finally:
        stop_server(process)


def _polls(server: BeaconServer) -> bool:
    return server.env.get("BEACON_LIVE_UPDATES") == "false"


def _publish_for_acme(server: BeaconServer, message: str) -> None:
    from app.services.system_status import publish_system_status
    from tests.support.factory import ADMIN, actor, client_id

    use_database(server.database_url)
    publish_system_status(actor(ADMIN), client_id("Acme"), "active", message, "info")


async def _open_link(server: BeaconServer, token: str, http, route: str = "/") -> S.LightClient:
    client = S.LightClient(url=server.url, frontend=S.read_frontend(ROOT), session_token=token, http=http,
                           route=route)
    await client.connect()
    await asyncio.wait_for(client.live.wait(), LINK_TIMEOUT_S)  # the page's views arrived (the poller's too)
    if _polls(server):
        assert client.mode == POLLING, f"live updates are off, yet the page says {client.mode!r}"
    return client


async def _until(condition, what: str, timeout: float = LINK_TIMEOUT_S) -> None:
    await until_async(condition, timeout, what)


async def _receives_nothing_more(server: BeaconServer, client: S.LightClient, secret: str) -> None:
    """A change the user could have seen is published; the ended link must not carry it."""
    before = client.messages
    await asyncio.to_thread(_publish_for_acme, server, secret)
    await asyncio.sleep(QUIET_S)
    assert client.messages == before, f"{client.messages - before} messages after the link ended"
    assert secret not in client.message_texts()


def _ended_link_scenario(server: BeaconServer, end_it, secret: str, token: str | None = None) -> None:
    async def scenario():
        async with S.shared_http_session() as http:
            client = await _open_link(server, token or server.session_token("ops@acme.demo"), http)
            try:
                await asyncio.to_thread(end_it, client.session_token)
                # Told to leave (and, being a script, it stays).
                await _until(lambda: client.redirects, "the ended link being sent to the login page")
                await _receives_nothing_more(server, client, secret)
            finally:
                await client.disconnect()

    run_async(scenario())


def test_a_link_signed_out_elsewhere_receives_nothing_more(server):
    from app.services.auth import sign_out

    _ended_link_scenario(server, sign_out, "after sign-out")


def _temporary_acme_user(server: BeaconServer) -> str:
    from app.services.auth import actor_for_email, create_user

    use_database(server.database_url)
    email = f"temp-{time.monotonic_ns()}@acme.demo"
    create_user(actor_for_email("admin@beacon.demo"), email, "Temp", TEMPORARY_PASSWORD, "user", "Acme")
    return email


def _as_an_operator(statement: str, **params) -> None:
    """Plain SQL, as an operator would type it."""
    from app.db import transaction

    with transaction() as session:
        session.exec(sa.text(statement), params=params)


def test_a_link_of_a_disabled_user_receives_nothing_more(server):
    email = _temporary_acme_user(server)

    def disable(_token: str) -> None:
        _as_an_operator("UPDATE users SET is_active = false WHERE email = :e", e=email)

    _ended_link_scenario(server, disable, "after disabling", server.session_token(email, TEMPORARY_PASSWORD))


def test_a_link_of_a_user_moved_to_another_client_receives_nothing_more(server):
    email = _temporary_acme_user(server)

    def move_to_globex(_token: str) -> None:
        _as_an_operator("UPDATE users SET client_id = (SELECT id FROM clients WHERE name = 'Globex') WHERE email = :e",
                        e=email)

    _ended_link_scenario(server, move_to_globex, "after moving", server.session_token(email, TEMPORARY_PASSWORD))


def test_a_link_whose_session_runs_out_receives_nothing_more(server):
    from app.db import transaction

    token = server.session_token("ops@acme.demo")
    from app.services.secrets_at_rest import token_digest

    with transaction() as session:  # a session that ends in 3 s, as a 12 h one ends after 12 h
        session.exec(sa.text("UPDATE auth_sessions SET expires_at = :t WHERE token_hash = :h"),
                     params={"t": _in_seconds(3), "h": token_digest(token)})
    _ended_link_scenario(server, lambda _token: None, "after expiry", token)


def _in_seconds(seconds: float):
    from datetime import timedelta

    from app.models import utc_now

    return utc_now() + timedelta(seconds=seconds)


@pytest.mark.parametrize("email,password", [("admin@beacon.demo", "beacon-admin")])
def test_signing_out_leaves_none_of_the_users_views_in_the_tab(server, email, password):
    admin_state = "app___state___admin___lists____admin_lists_state"  # the pushed lists

    async def scenario():
        async with S.shared_http_session() as http:
            client = S.LightClient(url=server.url, frontend=S.read_frontend(ROOT),
                                   session_token=server.session_token(email, password), http=http, route="/admin")
            admin_key = client.frontend.key(admin_state)
            seen: dict = {}

            def remember(data) -> None:
                client._on_event(data)
                part = (data.get("delta") or {}).get(admin_key) if isinstance(data, dict) else None
                if part:
                    seen.update(S.strip(part))

            client.sio.on("event", remember, namespace="/_event")
            await client.connect()
            await _until(lambda: seen.get("users"), "the admin's users list")
            await client.sio.emit("event", {
                "name": f"{client.frontend.root_state}.{S.state_name('auth')}.sign_out",
                "payload": {}, "router_data": {"pathname": "/admin", "asPath": "/admin"},
            }, namespace="/_event")
            await _until(lambda: client.redirects, "the signed-out tab being sent to the login page")
            await _until(lambda: seen.get("users") == [], "the tab's users list emptied")
            await asyncio.sleep(QUIET_S)  # a link (or a poller) still serving the signed-out tab would fill it again
            assert seen.get("users") == [], "the signed-out admin's users came back into the tab"
            await client.disconnect()

    run_async(scenario())


async def _until_one_message_per_poll_at_most(client: S.LightClient) -> None:
    deadline = time.monotonic() + BACKLOG_DRAIN_TIMEOUT_S
    while True:
        before = client.messages
        await asyncio.sleep(POLL_SECONDS)
        if client.messages - before <= 1:
            return
        assert time.monotonic() < deadline, (
            f"{client.messages - before} messages per poll {BACKLOG_DRAIN_TIMEOUT_S} s after the calls: "
            "pollers left behind")


def test_calling_follow_changes_a_thousand_times_leaves_one_live_link(server):
    """Live: the registry holds one link for the tab. Polling: the tab has one poller, so it
    receives at most a message per poll. (Last in the module: on a server that piles pollers up,
    the pile takes the machine until the socket closes, and would delay the polls others watch.)"""
    from app.services.auth import create_api_token

    use_database(server.database_url)
    api_token = create_api_token("admin@beacon.demo", name="hostile-suite")

    def open_sessions() -> int:
        response = httpx.get(f"{server.url}/api/v1/health", headers={"Authorization": f"Bearer {api_token}"},
                             timeout=10)
        return response.json()["open_sessions"]

    async def scenario():
        async with S.shared_http_session() as http:
            client = await _open_link(server, server.session_token("ops@acme.demo"), http)
            try:
                baseline = 0 if _polls(server) else await asyncio.to_thread(open_sessions)
                for _ in range(FOLLOW_CALLS):
                    await client.sio.emit("event", {
                        "name": f"{client.frontend.root_state}.{S.state_name('live')}.follow_changes",
                        "payload": {}, "router_data": {"pathname": "/", "asPath": "/"},
                    }, namespace="/_event")
                await asyncio.sleep(QUIET_S)
                if _polls(server):
                    await _until_one_message_per_poll_at_most(client)
                    before = client.messages
                    await asyncio.sleep(POLLS_WATCHED * POLL_SECONDS)
                    received = client.messages - before
                    assert received <= POLLS_WATCHED + 1, (
                        f"{received} messages in {POLLS_WATCHED} polls: pollers left behind by {FOLLOW_CALLS} calls")
                    return
                after = await asyncio.to_thread(open_sessions)
                assert after <= baseline, f"{after - baseline} live links left behind by {FOLLOW_CALLS} calls"
            finally:
                await client.disconnect()

    run_async(scenario())
