"""The live link through faults: a backend restart, and live updates switched off."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_in
from tests.support.server import start_server, stop_server

RESTART_TIMEOUT_MS = 120_000  # the page waits out a prod rebuild before it reconnects


@pytest.fixture
def own_server(tmp_path):
    """A server of this test's own, which the test may stop and start again."""
    started = []

    def start(**env):
        process, running = start_server(tmp_path, env, database_url=(started[0][1].database_url if started else None),
                                        port=(int(started[0][1].url.rsplit(":", 1)[1]) if started else None),
                                        prepare=not started)
        started.append((process, running))
        return process, running

    yield start
    for process, _ in started:
        stop_server(process)


def test_a_page_reconnects_after_a_backend_restart_and_shows_the_state_as_of_now(browser, own_server):
    process, server = own_server()
    page = sign_in(browser, server, "ops@acme.demo", path="/agents")
    stop_server(process)
    expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "reconnecting")
    done = server.beacon("status", "set", "--as", "admin@beacon.demo", "--client", "Acme",
                         "--status", "inactive", "--message", "Changed while you were away")
    assert done.returncode == 0, done.stderr
    own_server()
    expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected",
                                                                      timeout=RESTART_TIMEOUT_MS)
    expect(page.get_by_test_id("agents-unavailable")).to_contain_text("Changed while you were away")


def test_with_live_updates_off_pages_poll_and_say_so(browser, own_server):
    _, server = own_server(BEACON_LIVE_UPDATES="false", BEACON_POLL_SECONDS="1")
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url + "/login")
    page.get_by_label("Email", exact=True).fill("ops@globex.demo")
    page.get_by_label("Password", exact=True).fill("beacon-demo")
    page.get_by_role("button", name="Sign in").click()
    indicator = page.get_by_test_id("connection-status")
    expect(indicator).to_have_attribute("data-state", "polling")
    expect(indicator).to_contain_text("Polling")
    done = server.beacon("status", "set", "--as", "admin@beacon.demo", "--client", "Globex",
                         "--status", "maintenance", "--message", "Seen by polling")
    assert done.returncode == 0, done.stderr
    expect(page.get_by_test_id("system-banner")).to_contain_text("Seen by polling")
