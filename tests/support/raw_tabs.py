"""Tabs driven by a script: a raw socket.io client speaking Reflex's websocket protocol
(tests/support/websocket_client.py LightClient) that keeps every message it receives, for the attack tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable

from tests.support import websocket_client as S
from tests.support.database import use_database
from tests.support.project import ROOT
from tests.support.server import BeaconServer

PASSWORD = "flood-test-password-1"  # the attack users' password (not a demo one: they sign in anywhere)
LINK_TIMEOUT_S = 15.0  # connect and receive the first views, on a busy 2-core machine
SETTLE_TIMEOUT_S = 60.0  # every flooded event handled, on a busy 2-core machine
# A count that must not grow: watched this long after it reached its expected value. Not a timing
# claim: the wait for the value itself is the condition above; this only gives a late extra a chance.
QUIET_S = 2.0

PRESENCE_STATE = "app___state___presence____presence_state"
WORK_STATE = "app___state___work____work_state"
WORKFORCE_STATE = "app___state___workforce____workforce_state"
CONTACTS_STATE = "app___state___contacts____contacts_state"
PUBLISH_STATE = "app___state___admin___publish____publish_state"  # the admin's publish form


def new_user(server: BeaconServer, role: str, client: str | None, label: str) -> tuple[str, int]:
    """A user of this attack alone (its throttles' allowances untouched); returns (email, user id)."""
    from app.services.auth import create_user

    use_database(server.database_url)
    email = f"{label}-{time.monotonic_ns()}@flood.test"
    user = create_user(None, email, label, PASSWORD, role, client)
    return email, user.id


class Tab:
    """One tab driven by a script: every message it receives is kept as JSON text."""

    def __init__(self, client: S.LightClient):
        self.client = client
        self.received: list[str] = []

    @classmethod
    def of_session(cls, server: BeaconServer, token: str, http, route: str) -> Tab:
        """A tab (not yet connected) of the sign-in session whose cookie holds `token`."""
        client = S.LightClient(url=server.url, frontend=S.read_frontend(ROOT), session_token=token, http=http,
                               route=route)
        tab = cls(client)

        def keep(data) -> None:
            client._on_event(data)
            tab.received.append(json.dumps(data))

        client.sio.on("event", keep, namespace="/_event")
        return tab

    async def connect(self) -> Tab:
        await self.client.connect()
        await asyncio.wait_for(self.client.live.wait(), LINK_TIMEOUT_S)
        return self

    @classmethod
    async def open(cls, server: BeaconServer, email: str, http, route: str) -> Tab:
        token = await asyncio.to_thread(server.session_token, email, PASSWORD)
        return await cls.of_session(server, token, http, route).connect()

    async def send(self, state: str, handler: str, **payload) -> None:
        route = self.client.route
        await self.client.sio.emit("event", {
            "name": f"{self.client.frontend.root_state}.{state}.{handler}", "payload": payload,
            "router_data": {"pathname": route, "asPath": route},
        }, namespace="/_event")

    def received_count(self, text: str) -> int:
        return sum(text in message for message in self.received)

    def saw(self, text: str) -> bool:
        return any(text in message for message in self.received)


@contextlib.asynccontextmanager
async def tabs(server: BeaconServer, route: str, *emails: str) -> AsyncIterator[list[Tab]]:
    """A tab on `route` for each of `emails` (over one HTTP session), disconnected afterwards."""
    async with S.shared_http_session() as http:
        opened: list[Tab] = []
        try:
            for email in emails:
                opened.append(await Tab.open(server, email, http, route))
            yield opened
        finally:
            for tab in opened:
                await tab.client.disconnect()


def refused_prefix(limit) -> str:
    """What a page is told when `limit` (a services/throttle.py ActionLimit) refuses, up to the seconds."""
    return f"{limit.too_many}; try again in"


async def settled(count: Callable[[], int], expected: int, timeout: float = SETTLE_TIMEOUT_S) -> None:
    """`count()` reaches `expected` and stays there for QUIET_S (nothing more lands later)."""
    from tests.support.waiting import until_async

    await until_async(lambda: count() >= expected, timeout, f"a count of {expected}")
    await asyncio.sleep(QUIET_S)
    assert count() == expected
