"""Human agents' presence in browsers, with a short heartbeat and threshold set by configuration."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import sign_in
from tests.support.server import start_server, stop_server

HEARTBEAT_SECONDS = 1
OFFLINE_AFTER_SECONDS = 3  # 2 heartbeats + 1 s slack, as the default keeps 2 + 5 s
OFFLINE_WAIT_MS = 20_000  # the threshold plus a sweep, with room for a slow machine


@pytest.fixture(scope="module")
def presence_server(tmp_path_factory):
    process, running = start_server(tmp_path_factory.mktemp("beacon-presence"), {
        "BEACON_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS),
        "BEACON_PRESENCE_TIMEOUT_SECONDS": str(OFFLINE_AFTER_SECONDS),
    })
    try:
        yield running
    finally:
        stop_server(process)


def sam_row(page: Page):
    return page.get_by_test_id("agent-row").filter(has_text="Sam Carter")


def test_signing_in_makes_an_agent_available_on_the_admins_open_pages(browser, presence_server):
    dashboard = sign_in(browser, presence_server, "ops@acme.demo")
    agents = sign_in(browser, presence_server, "ops@acme.demo", path="/agents")
    expect(sam_row(agents)).to_have_attribute("data-state", "offline")
    before = int(dashboard.get_by_test_id("metric-available-agents").inner_text())

    sign_in(browser, presence_server, "sam@acme.demo")
    expect(sam_row(agents)).to_have_attribute("data-state", "available")
    expect(dashboard.get_by_test_id("metric-available-agents")).to_have_text(str(before + 1))


def test_signing_out_of_one_browser_keeps_the_agent_available_while_another_is_open(browser, presence_server):
    agents = sign_in(browser, presence_server, "ops@acme.demo", path="/agents")
    first = sign_in(browser, presence_server, "sam@acme.demo")
    second = sign_in(browser, presence_server, "sam@acme.demo")
    expect(sam_row(agents)).to_have_attribute("data-state", "available")
    first.get_by_role("button", name="Sign out").click()
    expect(first).to_have_url(presence_server.url + "/login")
    # Wait past the threshold: the open browser's heartbeats keep Sam available.
    agents.wait_for_timeout(OFFLINE_AFTER_SECONDS * 2 * 1000)
    expect(sam_row(agents)).to_have_attribute("data-state", "available")
    second.context.close()


def test_closing_the_last_page_makes_the_agent_offline_within_the_threshold(browser, presence_server):
    agents = sign_in(browser, presence_server, "ops@acme.demo", path="/agents")
    sam = sign_in(browser, presence_server, "sam@acme.demo")
    expect(sam_row(agents)).to_have_attribute("data-state", "available")
    sam.context.close()  # no sign-out: the browser is simply gone
    expect(sam_row(agents)).to_have_attribute("data-state", "offline", timeout=OFFLINE_WAIT_MS)


def test_a_busy_agent_is_not_offered_for_chats(browser, presence_server):
    agents = sign_in(browser, presence_server, "ops@acme.demo", path="/agents")
    sam = sign_in(browser, presence_server, "sam@acme.demo")
    chat = agents.get_by_test_id("chat-row").first
    chat.get_by_label("Assign to").click()
    expect(agents.get_by_role("option", name="Sam Carter")).to_be_visible()
    agents.keyboard.press("Escape")

    sam.get_by_label("My status", exact=True).click()
    sam.get_by_role("option", name="Busy").click()
    expect(sam_row(agents)).to_have_attribute("data-state", "busy")
    chat.get_by_label("Assign to").click()
    expect(agents.get_by_role("option", name="Sam Carter")).to_have_count(0)


def test_the_presence_history_lists_each_change_with_its_time_in_the_readers_zone(browser, presence_server):
    sign_in(browser, presence_server, "sam@acme.demo")  # a change at least: Sam signed in
    agents = sign_in(browser, presence_server, "ops@acme.demo", path="/agents")
    sam_row(agents).get_by_role("button", name="Presence history of Sam Carter").click()
    dialog = agents.get_by_role("dialog")
    expect(dialog).to_contain_text("Presence history: Sam Carter")
    newest = dialog.get_by_role("row").filter(has_text="signed in").first
    when = newest.locator("time")
    expect(when).to_be_visible()
    assert when.get_attribute("title") == when.inner_text()  # the exact time, as every page shows one
    assert when.get_attribute("datetime").endswith("Z")
