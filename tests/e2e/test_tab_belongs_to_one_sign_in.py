"""A tab's state belongs to one sign-in (issue 18): Reflex keeps a tab's token in sessionStorage
and hydrates the tab's whole state on every connect, before any on_load. Whatever ends a session
(here: signed out in another tab, or run out), the next person who signs in on that browser must
receive none of the previous user's data over the websocket, neither in the tab the previous user
left at /login nor in a tab of theirs left open and brought back.

A is the platform admin, whose tab holds what only an admin sees (other users' emails, API token
prefixes, audit rows, every client's contacts); B is Globex support staff, who may see none of it.
Every websocket frame the browser receives is recorded, and the frames after B starts signing in
must hold none of A's values.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.browser import open_tab, wait_until_following
from tests.support.database import use_database
from tests.support.server import BeaconServer

A_EMAIL, A_PASSWORD = "admin@beacon.demo", "beacon-admin"  # platform admin: every client's data
B_EMAIL, B_PASSWORD = "lee@globex.demo", "beacon-demo"  # Globex support staff
B_NAME = "Lee Nguyen"
# What only A's tab showed: Acme's users (the Users tab) and an Acme contact (/contacts). B, of
# Globex, has no reason to receive any of them. The token's prefix and name come per test.
ACME_USERS = ("ops@acme.demo", "sam@acme.demo")
ACME_CONTACT = ("Ada Byrne", "ada@northwind.example")
# Left on A's session when it is made to run out: the reloaded /admin starts its live link within
# this (else the page's own guard finds the session over, which lands it on /login all the same),
# and the link's expiry timer then sends it to /login well inside expect()'s timeout.
SESSION_LEFT_SECONDS = 3
LOGIN_URL = re.compile(r".*/login(\?.*)?$")


class ReceivedFrames:
    """Every websocket frame the pages of one browser context receive, in order of arrival."""

    def __init__(self, context: BrowserContext):
        self.texts: list[str] = []
        context.on("page", self._follow)  # before a page's first navigation, so no socket is missed

    def _follow(self, page: Page) -> None:
        page.on("websocket", lambda ws: ws.on("framereceived", self._received))

    def _received(self, payload: str | bytes) -> None:
        self.texts.append(payload if isinstance(payload, str) else payload.decode("utf-8", "replace"))

    def mark(self) -> int:
        return len(self.texts)

    def since(self, mark: int) -> str:
        return "\n".join(self.texts[mark:])


@dataclass
class TabOfA:
    page: Page
    frames: ReceivedFrames
    values: tuple[str, ...]  # what of A's the tab holds, each seen on screen


def sign_in_here(page: Page, email: str, password: str) -> None:
    """Sign in with the form of the login page this tab is on; home and following after."""
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    wait_until_following(page)


def a_tab_full_of_as_data(browser: Browser, server: BeaconServer) -> TabOfA:
    """A signs in, reads Acme's contacts, then /admin's Users, Tokens and Audit log tabs."""
    from app.services.auth import create_api_token
    from app.services.tokens import PREFIX_LENGTH

    use_database(server.database_url)
    token_name = f"tab-of-a-{time.monotonic_ns()}"
    prefix = create_api_token(A_EMAIL, name=token_name)[:PREFIX_LENGTH]  # what the Tokens tab shows of it

    context = browser.new_context()
    frames = ReceivedFrames(context)
    page = context.new_page()
    page.goto(server.url + "/login")
    sign_in_here(page, A_EMAIL, A_PASSWORD)

    page.goto(server.url + "/contacts")
    wait_until_following(page)
    expect(page.get_by_test_id("contact-card").filter(has_text=ACME_CONTACT[0])).to_be_visible()

    page.goto(server.url + "/admin")
    wait_until_following(page)
    page.get_by_role("tab", name="Users").click()
    for email in ACME_USERS:
        expect(page.get_by_role("cell", name=email, exact=True)).to_be_visible()
    page.get_by_role("tab", name="Tokens").click()
    expect(page.get_by_test_id("token-row").filter(has_text=prefix)).to_be_visible()
    page.get_by_role("tab", name="Audit log").click()
    expect(page.get_by_test_id("audit-row").filter(has_text=token_name).first).to_be_visible()  # its creation
    return TabOfA(page, frames, (*ACME_USERS, *ACME_CONTACT, prefix, token_name))  # the name: in its audit row


# --- how A's session ends; either way, A's tab ends up on /login by itself ------------------------

def signed_out_in_another_tab(tab: TabOfA, server: BeaconServer) -> None:
    other = open_tab(tab.page, server, "/")
    other.get_by_role("button", name="Sign out").click()
    expect(other).to_have_url(LOGIN_URL)


def ran_out(tab: TabOfA, server: BeaconServer) -> None:
    """The session's end moved to a few seconds from now (as a 12 h one ends after 12 h); the page
    is reloaded so that its live link starts knowing that end, as a page opened 12 h ago would."""
    from app.db import transaction
    from app.models import utc_now
    from app.services.secrets_at_rest import token_digest
    from app.web.session import SESSION_COOKIE

    token = next(c["value"] for c in tab.page.context.cookies() if c["name"] == SESSION_COOKIE)
    use_database(server.database_url)
    with transaction() as session:
        session.exec(sa.text("UPDATE auth_sessions SET expires_at = :t WHERE token_hash = :h"),
                     params={"t": utc_now() + timedelta(seconds=SESSION_LEFT_SECONDS), "h": token_digest(token)})
    tab.page.reload()


SESSION_ENDINGS = [pytest.param(signed_out_in_another_tab, id="signed-out-in-another-tab"),
                   pytest.param(ran_out, id="expired")]


def assert_none_of_as_values(frames: ReceivedFrames, since: int, tab: TabOfA) -> None:
    received = frames.since(since)
    assert B_EMAIL in received, "B's own sign-in never reached the recorded frames: the recording is broken"
    leaked = [value for value in tab.values if value in received]
    assert not leaked, f"after {B_EMAIL} signed in, the browser received {A_EMAIL}'s {leaked}"


@pytest.mark.parametrize("end_session", SESSION_ENDINGS)
def test_whoever_signs_in_next_in_the_tab_receives_nothing_of_the_last_user(
        browser: Browser, server: BeaconServer, end_session: Callable[[TabOfA, BeaconServer], None]):
    tab = a_tab_full_of_as_data(browser, server)
    end_session(tab, server)
    expect(tab.page).to_have_url(LOGIN_URL)

    since = tab.frames.mark()
    sign_in_here(tab.page, B_EMAIL, B_PASSWORD)  # the same tab: the same sessionStorage token
    expect(tab.page.get_by_test_id("current-user")).to_have_text(B_NAME)
    assert_none_of_as_values(tab.frames, since, tab)


@pytest.mark.parametrize("end_session", SESSION_ENDINGS)
def test_a_tab_left_open_receives_nothing_of_its_last_user_once_another_signs_in(
        browser: Browser, server: BeaconServer, end_session: Callable[[TabOfA, BeaconServer], None]):
    tab = a_tab_full_of_as_data(browser, server)
    end_session(tab, server)
    expect(tab.page).to_have_url(LOGIN_URL)  # nobody touches it: its live link sent it there

    since = tab.frames.mark()
    b_tab = tab.page.context.new_page()  # B, at the same browser, in a tab of their own
    b_tab.goto(server.url + "/login")
    sign_in_here(b_tab, B_EMAIL, B_PASSWORD)
    tab.page.reload()  # B comes back to A's old tab: it connects with B's cookie now
    expect(tab.page.get_by_role("button", name="Sign out")).to_be_visible()
    wait_until_following(tab.page)
    expect(tab.page.get_by_test_id("current-user")).to_have_text(B_NAME)
    assert_none_of_as_values(tab.frames, since, tab)
