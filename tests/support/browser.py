"""People in Chromium: Debian's Chromium and its flags, a person signed in on a page, another tab,
and the admin's publish form filled as a person fills it (Playwright's sync API)."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.server import BeaconServer

CHROMIUM = "/usr/bin/chromium"
# Flags for headless Chromium on a machine with no network beyond package registries.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LIVE_TIMEOUT_MS = 10_000  # how long expect() waits for a pushed change; a lost change fails after it


def sign_in(browser: Browser, server: BeaconServer, email: str, password: str = "beacon-demo",
            path: str = "/") -> Page:
    """A new browser context (its own cookies: another person) signed in and on `path`."""
    context: BrowserContext = browser.new_context()
    page = context.new_page()
    page.goto(server.url + "/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    if path != "/":
        page.goto(server.url + path)
    wait_until_following(page)
    return page


def wait_until_following(page: Page) -> None:
    """Connected, and the page's live subscription is in place (it names its worker then)."""
    indicator = page.get_by_test_id("connection-status")
    expect(indicator).to_have_attribute("data-state", "connected")
    expect(indicator).not_to_have_attribute("data-worker", "")


def open_tab(page: Page, server: BeaconServer, path: str) -> Page:
    """Another tab of the same person (same context, same cookies)."""
    tab = page.context.new_page()
    tab.goto(server.url + path)
    wait_until_following(tab)
    return tab


def choose(page: Page, label: str, option: str) -> None:
    page.get_by_label(label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()


def publish(admin_page: Page, client: str, status: str, message: str = "", message_type: str = "Info",
            expires_at: str | Callable[[], str] = "") -> None:
    """Fill and submit the admin card "Agent Status & Messaging" as a person would.

    `expires_at` may be a function giving the value when the field is filled (last, just before
    Publish): a short expiry then does not run out while a loaded machine fills the other fields."""
    result = admin_page.get_by_test_id("publish-result")
    before = int(result.get_attribute("data-count") or 0)
    card = admin_page.get_by_test_id("publish-card")  # "Scheduled maintenance" has a Client and a Message too
    card.get_by_label("Client", exact=True).click()
    admin_page.get_by_role("option", name=client, exact=True).click()
    choose(admin_page, "Agent status", status)
    choose(admin_page, "Message type", message_type)
    card.get_by_label("Message", exact=True).fill(message)
    admin_page.get_by_label("Expires at", exact=True).fill(expires_at() if callable(expires_at) else expires_at)
    admin_page.get_by_role("button", name="Publish", exact=True).click()
    expect(result).to_have_attribute("data-count", str(before + 1))
    expect(result).to_contain_text(f"Published {status.lower()} for {client}")
