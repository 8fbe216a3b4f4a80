"""A tab's token reused by the next person, made as a script would make it: a raw socket.io client
(tests/support/websocket_client.py LightClient) connects with the token a platform admin's tab used, but with
another user's session cookie (or none). Reflex's hydrate sends the tab's whole state on connect;
no frame the newcomer receives may hold anything the admin's tab was shown.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tests.support import websocket_client as S
from tests.support.database import use_database
from tests.support.loops import run_async
from tests.support.project import ROOT
from tests.support.server import BeaconServer

# Connect and receive the first views (the admin view carries 90 days of bars), on a busy 2-core machine.
LINK_TIMEOUT_S = 30.0
SETTLE_S = 2.0  # how long the newcomer's tab is watched after its own page synced
# What only the platform admin's /admin tab shows: other users' emails (of both clients).
ADMINS_VIEW_ONLY = ("ops@acme.demo", "sam@acme.demo", "kim@acme.demo")


class RecordingClient(S.LightClient):
    """A LightClient that keeps every frame it receives, as text."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.frames: list[str] = []

    def _on_event(self, data: Any) -> None:
        self.frames.append(json.dumps(data, default=str))
        super()._on_event(data)


async def _connect(server: BeaconServer, http, token: str, route: str, client_token: str) -> RecordingClient:
    client = RecordingClient(url=server.url, frontend=S.read_frontend(ROOT), session_token=token, http=http,
                             route=route, client_token=client_token)
    await client.connect()
    return client


def _end_session(token: str) -> None:
    from app.services.auth import sign_out

    sign_out(token)


@pytest.mark.parametrize("admin_session", ["still signed in", "signed out elsewhere"])
@pytest.mark.parametrize("newcomer", ["lee@globex.demo", "nobody signed in"])
def test_a_reused_tab_token_hands_nothing_of_the_previous_user_to_the_next(server, admin_session, newcomer):
    admin_token = server.session_token("admin@beacon.demo", "beacon-admin")
    newcomer_token = "" if newcomer == "nobody signed in" else server.session_token(newcomer)
    use_database(server.database_url)

    async def scenario():
        async with S.shared_http_session() as http:
            admin = await _connect(server, http, admin_token, "/admin", "reused-" + newcomer.split("@")[0]
                                   + admin_session.replace(" ", "-"))
            try:
                await asyncio.wait_for(admin.live.wait(), LINK_TIMEOUT_S)
                assert any(email in "".join(admin.frames) for email in ADMINS_VIEW_ONLY), \
                    "the admin's tab never showed the users list: the test would prove nothing"
            finally:
                await admin.disconnect()
            if admin_session == "signed out elsewhere":
                await asyncio.to_thread(_end_session, admin_token)
            route = "/" if newcomer_token else "/login"
            next_person = await _connect(server, http, newcomer_token, route, admin.client_token)
            try:
                if newcomer_token:
                    await asyncio.wait_for(next_person.live.wait(), LINK_TIMEOUT_S)
                await asyncio.sleep(SETTLE_S)
                received = "".join(next_person.frames)
                assert received, "the next person's tab received nothing at all"
                leaked = [email for email in ADMINS_VIEW_ONLY if email in received]
                assert not leaked, f"the next person's tab received the admin's {leaked}"
            finally:
                await next_person.disconnect()

    run_async(scenario())
