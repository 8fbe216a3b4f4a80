"""Attacks on the live link, made as a script would make them: a raw socket.io client speaking
Reflex's websocket protocol (bench/_support.py LightClient), which ignores every redirect.

Once its sign-in session is signed out elsewhere, runs out, or its user is disabled, it must
receive nothing more; calling `follow_changes` over and over must not pile up live links; and
signing out must leave nothing of the signed-out user's views in the tab's state.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
import sqlalchemy as sa

from bench import _support as S
from tests.conftest import ROOT, run_async, use_database
from tests.e2e.conftest import BeaconServer
from tests.support.waiting import until_async

LINK_TIMEOUT_S = 30.0  # connect and receive the first views (the admin view carries 90 days of bars), on a busy 2-core machine
QUIET_S = 2.0  # how long the ended link is watched for anything more
FOLLOW_CALLS = 1000


def _publish_for_acme(server: BeaconServer, message: str) -> None:
    from app.services.system_status import publish_system_status
    from tests.support.factory import ADMIN, actor, client_id

    use_database(server.database_url)
    publish_system_status(actor(ADMIN), client_id("Acme"), "active", message, "info")


async def _open_link(server: BeaconServer, token: str, http, route: str = "/") -> S.LightClient:
    client = S.LightClient(url=server.url, frontend=S.read_frontend(ROOT), session_token=token, http=http,
                           route=route)
    await client.connect()
    await asyncio.wait_for(client.live.wait(), LINK_TIMEOUT_S)
    return client


async def _until(condition, timeout: float = LINK_TIMEOUT_S) -> None:
    await until_async(condition, timeout)


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
                await _until(lambda: client.redirects)  # told to leave (and, being a script, it stays)
                await _receives_nothing_more(server, client, secret)
            finally:
                await client.disconnect()

    run_async(scenario())


def test_a_link_signed_out_elsewhere_receives_nothing_more(server):
    from app.services.auth import sign_out

    _ended_link_scenario(server, sign_out, "after sign-out")


def test_a_link_of_a_disabled_user_receives_nothing_more(server):
    from app.db import transaction
    from app.services.auth import actor_for_email, create_user

    use_database(server.database_url)
    email = f"temp-{time.monotonic_ns()}@acme.demo"
    create_user(actor_for_email("admin@beacon.demo"), email, "Temp", "temporary-password-1", "user", "Acme")

    def disable(_token: str) -> None:
        with transaction() as session:  # as an operator would, with plain SQL
            session.exec(sa.text("UPDATE users SET is_active = false WHERE email = :e"), params={"e": email})

    _ended_link_scenario(server, disable, "after disabling", server.session_token(email, "temporary-password-1"))


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


def test_calling_follow_changes_a_thousand_times_leaves_one_live_link(server):
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
                baseline = await asyncio.to_thread(open_sessions)
                for _ in range(FOLLOW_CALLS):
                    await client.sio.emit("event", {
                        "name": f"{client.frontend.root_state}.{S.LIVE_STATE}.follow_changes",
                        "payload": {}, "router_data": {"pathname": "/", "asPath": "/"},
                    }, namespace="/_event")
                await asyncio.sleep(QUIET_S)
                after = await asyncio.to_thread(open_sessions)
                assert after <= baseline, f"{after - baseline} live links left behind by {FOLLOW_CALLS} calls"
            finally:
                await client.disconnect()

    run_async(scenario())


@pytest.mark.parametrize("email,password", [("admin@beacon.demo", "beacon-admin")])
def test_signing_out_leaves_none_of_the_users_views_in_the_tab(server, email, password):
    admin_state = "app___state___admin____admin_state"

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
                    seen.update(S._strip(part))

            client.sio.on("event", remember, namespace="/_event")
            await client.connect()
            await _until(lambda: seen.get("users"))
            await client.sio.emit("event", {
                "name": f"{client.frontend.root_state}.{S.AUTH_STATE}.sign_out",
                "payload": {}, "router_data": {"pathname": "/admin", "asPath": "/admin"},
            }, namespace="/_event")
            await _until(lambda: client.redirects)
            await _until(lambda: seen.get("users") == [])
            await client.disconnect()

    run_async(scenario())
