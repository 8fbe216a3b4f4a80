"""A signed-in tab without a browser: Reflex's websocket protocol spoken as the compiled page
speaks it (.web/utils/state.js `connect()`), for the attack tests and the benches alike.

socket.io on "/_event", `token=<tab uuid>`, the session cookie in the request headers,
`<root>.hydrate_and_load` in the CONNECT auth; deltas come back as "event" messages.

Nothing of the app is imported here until a client is made (or `state_keys()` is called): the
benches import this module before they choose which checkout's `app` to load.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import re
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CONNECT_TIMEOUT_S = 30  # socket.io handshake + namespace CONNECT of one client
SESSION_COOKIE = "beacon_session"  # app/web/session.py
VAR_SUFFIX = "_rx_state_"  # Reflex suffixes every state var name with this on the wire


@dataclass(frozen=True)
class Frontend:
    root_state: str  # "reflex___state____state"
    state_schema: str | None  # None: a page that names no schema (Reflex then checks none)
    hashes: list[str]

    def key(self, state: str) -> str:  # the e2e tests' name of a state under the root state
        return f"{self.root_state}.{state}"


def read_frontend(root: Path) -> Frontend:
    """What the browser sends on connect, read from `<root>/.web/utils/context.jsx`."""
    source = (root / ".web" / "utils" / "context.jsx").read_text()

    def value(name: str) -> Any:
        match = re.search(rf"export const {name} = (.+?)\n", source)
        if match is None:
            raise RuntimeError(f"{name} not found in the compiled frontend")
        return json.loads(match.group(1).rstrip(";"))

    return Frontend(value("state_name"), value("stateSchema"), value("initialStateHashes"))


def unbuilt_frontend() -> Frontend:
    """What a page says on connect to a backend whose frontend was never built (`reflex run
    --backend-only`): the root state's name, no schema and no initial hashes (every state is
    then sent in full)."""
    from reflex.state import State

    return Frontend(State.get_name(), None, [])


@functools.cache
def state_classes() -> dict[str, type]:
    """The states the light clients follow, by short name; imported once, in the main thread (a
    Reflex state class is registered under the importing thread's context)."""
    from app.state.auth import AuthState
    from app.state.contacts import ContactsState
    from app.state.live import LiveLinkState
    from app.state.system import SystemState
    from app.state.workforce import WorkforceState

    return {"system": SystemState, "live": LiveLinkState, "auth": AuthState, "workforce": WorkforceState,
            "contacts": ContactsState}


@functools.cache
def state_keys() -> dict[str, str]:
    """The state's full name on the wire -> its short name."""
    return {cls.get_full_name(): name for name, cls in state_classes().items()}


def state_name(short: str) -> str:
    """A followed state's name under the root state, by its short name ("auth", "live", ...)."""
    return state_classes()[short].get_name()


def strip(values: dict[str, Any]) -> dict[str, Any]:
    """A state's vars by their Python names (without Reflex's wire suffix)."""
    return {k.removesuffix(VAR_SUFFIX): v for k, v in values.items()}


def origin_of(url: str) -> str:
    """The origin (scheme://host[:port]) of `url`, as a browser names the page in `Origin`."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(eq=False)
class LightClient:
    """One signed-in tab on `route`, over Reflex's websocket protocol (see the module docstring)."""

    url: str
    frontend: Frontend
    session_token: str
    http: Any  # a shared aiohttp.ClientSession
    route: str = "/"
    # Called as watch(client, received_at, {short state name: changed vars}) after each delta.
    watch: Callable[[LightClient, float, dict[str, dict[str, Any]]], None] | None = None
    client_token: str = field(default_factory=lambda: str(uuid.uuid4()))
    states: dict[str, dict[str, Any]] = field(default_factory=dict)  # short name -> vars merged so far
    worker: str = ""  # LiveLinkState.worker: set once follow_changes applied the initial view
    mode: str = ""
    messages: int = 0  # "event" messages received
    redirects: list[str] = field(default_factory=list)
    disconnected: bool = False
    plan: str = ""  # what the bench made of this tab
    # The websocket request's headers besides the cookie. None: what the compiled page's socket
    # sends, its own Origin (Beacon refuses a websocket from any other origin, or from none:
    # app/web/origin.py). A dict: exactly those (an attack test forges or leaves them out).
    headers: dict[str, str] | None = None

    def __post_init__(self) -> None:
        import socketio

        self.live = asyncio.Event()
        self.keys = state_keys()
        # The cookie goes in the websocket's request headers, as a browser sends it (the shared
        # session's cookie jar keeps none).
        headers = {"Origin": origin_of(self.url)} if self.headers is None else dict(self.headers)
        if self.session_token:
            headers.setdefault("Cookie", f"{SESSION_COOKIE}={self.session_token}")
        self.sio = socketio.AsyncClient(reconnection=False, http_session=self.http, handle_sigint=False,
                                        websocket_extra_options={"headers": headers})
        self.sio.on("event", self._on_event, namespace="/_event")
        self.sio.on("disconnect", self._on_disconnect, namespace="/_event")

    def state(self, name: str) -> dict[str, Any]:
        return self.states.setdefault(name, {})

    system = property(lambda self: self.state("system"))
    auth = property(lambda self: self.state("auth"))
    workforce = property(lambda self: self.state("workforce"))
    contacts = property(lambda self: self.state("contacts"))

    async def connect(self) -> None:
        boot = {"event": {"name": f"{self.frontend.root_state}.hydrate_and_load",
                          "payload": {"hashes": self.frontend.hashes},
                          "router_data": {"pathname": self.route, "asPath": self.route}},
                "state_schema": self.frontend.state_schema}
        await self.sio.connect(f"{self.url}?token={self.client_token}", auth=boot, transports=["websocket"],
                               namespaces=["/_event"], socketio_path="/_event", wait_timeout=CONNECT_TIMEOUT_S)

    async def disconnect(self) -> None:
        with contextlib.suppress(Exception):
            await self.sio.disconnect()

    async def send(self, state_full_name: str, handler: str, payload: dict[str, Any]) -> None:
        """An event as the compiled page sends it."""
        await self.sio.emit("event", {"name": f"{state_full_name}.{handler}", "payload": payload,
                                      "router_data": {"pathname": self.route, "asPath": self.route}},
                            namespace="/_event")

    def _on_disconnect(self, *_args) -> None:
        self.disconnected = True

    def _on_event(self, data: Any) -> None:
        received = time.time()
        self.messages += 1
        if not isinstance(data, dict):
            return
        for event in data.get("events") or ():
            if isinstance(event, dict) and "redirect" in str(event.get("name", "")):
                self.redirects.append(str(event.get("payload", {}).get("path", "")))
        changed = {self.keys[k]: strip(v) for k, v in (data.get("delta") or {}).items() if k in self.keys}
        for name, part in changed.items():
            self.state(name).update(part)
        live = changed.get("live", {})
        self.mode = live.get("mode", self.mode)
        if live.get("worker"):
            self.worker = str(live["worker"])
            self.live.set()
        if changed and self.watch is not None:
            self.watch(self, received, changed)

    def message_texts(self) -> list[str]:
        """Every message text this tab shows now (the banner's and the "+N more")."""
        shown = self.system.get("shown_message") or {}
        texts = [shown.get("message", "")] if shown.get("message") else []
        return texts + [m.get("message", "") for m in self.system.get("other_messages") or []]


def shared_http_session():
    """One aiohttp session for all clients: no per-client pool, no connection limit, no cookies."""
    import aiohttp

    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), cookie_jar=aiohttp.DummyCookieJar())


if "app" in sys.modules:  # imported by a test module: the app is loaded, take its state classes now
    state_keys()
