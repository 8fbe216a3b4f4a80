"""The session cookie in a real browser: set by the sign-in form's HTTP answer, HttpOnly (the
page's scripts, and so any injected script, cannot read it), SameSite=Strict; the pages work
from it; and neither the tab's Reflex state (what reaches the page) nor Reflex's state store on
the server (the .states files of the embedded default) holds the raw token."""

from __future__ import annotations

import asyncio
import re
import time

from playwright.sync_api import Browser, expect

from tests.support import websocket_client as S
from tests.support.browser import sign_in, wait_until_following
from tests.support.loops import run_async
from tests.support.project import ROOT
from tests.support.server import BeaconServer

STATE_STORE = ROOT / ".states"  # Reflex's disk state manager (the default, `make run`)
STORE_WRITE_TIMEOUT_S = 20.0  # the disk manager writes states after a debounce


def _session_cookie(page) -> dict:
    cookies = [c for c in page.context.cookies() if c["name"] == S.SESSION_COOKIE]
    assert len(cookies) == 1, page.context.cookies()
    return cookies[0]


def _store_files_containing(needle: bytes) -> list[str]:
    found = []
    for path in STATE_STORE.glob("*.pkl"):
        try:
            if needle in path.read_bytes():
                found.append(path.name)
        except FileNotFoundError:
            pass  # written over while we looked
    return found


def test_the_signed_in_page_cannot_read_its_session_cookie_yet_works(browser: Browser, server: BeaconServer):
    page = sign_in(browser, server, "ops@acme.demo")
    cookie = _session_cookie(page)
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert cookie["secure"] is False  # plain http on localhost: a Secure cookie would not be sent back
    assert S.SESSION_COOKIE not in page.evaluate("document.cookie")
    assert cookie["value"] not in page.content()

    expect(page.get_by_test_id("current-user")).not_to_have_text("")
    page.goto(server.url + "/agents")  # a new page load: its websocket carries the cookie
    wait_until_following(page)
    expect(page.get_by_role("heading", name="Agents")).to_be_visible()
    page.get_by_role("link", name="Contacts").click()  # and a client-side navigation on the same socket
    expect(page).to_have_url(re.compile(r".*/contacts/?$"))
    wait_until_following(page)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_neither_the_tabs_state_nor_the_state_store_holds_the_token(browser: Browser, server: BeaconServer):
    from app.services.auth import session_key

    page = sign_in(browser, server, "kim@acme.demo")
    token = _session_cookie(page)["value"]
    key = session_key(token)

    # Everything Reflex sends a tab, as a script connected with the same cookie receives it.
    received: list[str] = []

    async def scenario():
        async with S.shared_http_session() as http:
            client = S.LightClient(url=server.url, frontend=S.read_frontend(ROOT), session_token=token, http=http)
            original = client._on_event

            def record(data):
                received.append(repr(data))
                original(data)

            client.sio.on("event", record, namespace="/_event")
            await client.connect()
            try:
                await asyncio.wait_for(client.live.wait(), 15)
                assert client.auth.get("user_email") == "kim@acme.demo"  # the cookie did sign it in
            finally:
                await client.disconnect()

    run_async(scenario())
    assert received
    everything = "\n".join(received)
    assert token not in everything and key not in everything

    # Reflex keeps each tab's router data (the websocket's request headers, Cookie included) in
    # its state store: there the edge has left only the session's key, never the token.
    deadline = time.monotonic() + STORE_WRITE_TIMEOUT_S
    while not _store_files_containing(key.encode()) and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    assert _store_files_containing(key.encode()), "the state store never recorded this tab's headers"
    assert _store_files_containing(token.encode()) == []


def test_signing_out_clears_the_cookie_and_ends_the_session(browser: Browser, server: BeaconServer):
    from app.rules.errors import NotAuthenticated
    from app.services.auth import actor_for_session
    from tests.support.database import use_database

    page = sign_in(browser, server, "sam@acme.demo")
    token = _session_cookie(page)["value"]
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(server.url + "/login")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    deadline = time.monotonic() + 10
    while [c for c in page.context.cookies() if c["name"] == S.SESSION_COOKIE] and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert [c for c in page.context.cookies() if c["name"] == S.SESSION_COOKIE] == []
    use_database(server.database_url)
    try:
        actor_for_session(token)
    except NotAuthenticated:
        pass
    else:
        raise AssertionError("the signed-out token still names a user")
