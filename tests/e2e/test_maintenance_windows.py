"""Scheduled maintenance in real browsers: windows scheduled through the API (as a script would)
turn open pages by themselves at their instants, without reload; the admin card schedules,
extends and cancels; the uptime bars and bulk publishing on the admin page."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_live_status import assert_not_reloaded, local_datetime_in, mark_no_reload
from tests.support.browser import open_tab, sign_in
from tests.support.factory import ADMIN, api_token, client_id
from tests.support.server import BeaconServer

# A window's instant reaches pages within about a second; expect() waits this much past it.
TURN_TIMEOUT_MS = 3_000


@pytest.fixture
def admin_api(server: BeaconServer):
    """The HTTP API as a script calls it, with a platform admin's token."""
    token = api_token(ADMIN)
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        yield client


def iso_in(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def schedule(api: httpx.Client, client_id, starts_in: float, lasts: float, message: str = "") -> dict:
    response = api.post("/api/v1/maintenance-windows", json={
        "client_id": client_id, "starts_at": iso_in(starts_in), "ends_at": iso_in(starts_in + lasts),
        "message": message})
    assert response.status_code == 201, response.text
    return response.json()


def wait_until(moment: str, extra: float = 0.0) -> None:
    left = (datetime.fromisoformat(moment) - datetime.now(UTC)).total_seconds() + extra
    if left > 0:
        time.sleep(left)


def banner_of(page: Page):
    return page.get_by_test_id("system-banner")


def expect_same_available_agents(page, fresh) -> None:
    """The live page shows what a page loaded now shows: how many agents are available depends on
    who else is signed in (earlier tests' sessions time out on their own), not on a fixed number."""
    settled = fresh.get_by_test_id("metric-available-agents")
    expect(settled).not_to_have_text("—")
    expect(page.get_by_test_id("metric-available-agents")).to_have_text(settled.inner_text())


def test_a_window_turns_open_acme_pages_amber_at_its_start_and_back_at_its_end(browser, server, admin_api):
    acme = sign_in(browser, server, "ops@acme.demo")
    acme_agents = open_tab(acme, server, "/agents")
    globex = sign_in(browser, server, "ops@globex.demo")
    mark_no_reload(acme, acme_agents, globex)

    window = schedule(admin_api, client_id("Acme"), starts_in=4, lasts=6, message="Database upgrade")

    # Before it starts: the upcoming notice, an info line; the service still active.
    notice = banner_of(acme).get_by_test_id("maintenance-notice")
    expect(notice).to_contain_text("Scheduled maintenance")
    expect(notice).to_contain_text("UTC: Database upgrade")
    expect(banner_of(acme)).to_have_attribute("data-status", "active")
    expect(banner_of(acme)).to_have_attribute("data-accent-color", "blue")
    assert datetime.now(UTC) < datetime.fromisoformat(window["starts_at"])

    # At starts_at: amber, no agents, the Agents page's notice: as a manual Maintenance.
    expect(banner_of(acme)).to_have_attribute("data-status", "maintenance", timeout=4_000 + TURN_TIMEOUT_MS)
    expect(banner_of(acme)).to_have_attribute("data-accent-color", "amber")
    expect(banner_of(acme)).to_contain_text("Maintenance until")
    expect(acme.get_by_test_id("metric-available-agents")).to_have_text("0")
    expect(acme_agents.get_by_test_id("agents-unavailable")).to_contain_text("Maintenance")
    expect(acme_agents.get_by_test_id("agents-unavailable")).to_contain_text("Database upgrade")
    expect(globex.get_by_test_id("system-banner")).to_have_count(0)
    expect_same_available_agents(globex, open_tab(globex, server, "/"))  # Globex's count is untouched

    # At ends_at: back, by itself.
    wait_until(window["ends_at"])
    expect(banner_of(acme)).to_have_count(0, timeout=TURN_TIMEOUT_MS)
    expect_same_available_agents(acme, open_tab(acme, server, "/"))  # what a fresh load shows
    expect(acme_agents.get_by_test_id("agent-list")).to_be_visible()
    assert_not_reloaded(acme, acme_agents, globex)


def test_extending_a_window_in_progress_keeps_the_page_amber_and_cancelling_ends_it_at_once(
        browser, server, admin_api):
    acme = sign_in(browser, server, "sam@acme.demo", path="/agents")
    mark_no_reload(acme)
    window = schedule(admin_api, client_id("Acme"), starts_in=1, lasts=3)
    expect(banner_of(acme)).to_have_attribute("data-status", "maintenance", timeout=1_000 + TURN_TIMEOUT_MS)

    extended = admin_api.patch(f"/api/v1/maintenance-windows/{window['id']}", json={"ends_at": iso_in(60)})
    assert extended.status_code == 200, extended.text
    wait_until(window["ends_at"], extra=1.5)  # well past the old end
    expect(banner_of(acme)).to_have_attribute("data-status", "maintenance")
    expect(acme.get_by_test_id("agents-unavailable")).to_be_visible()

    cancelled = admin_api.delete(f"/api/v1/maintenance-windows/{window['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    expect(acme.get_by_test_id("agent-list")).to_be_visible(timeout=TURN_TIMEOUT_MS)
    expect(banner_of(acme)).to_have_count(0)
    assert_not_reloaded(acme)


def test_an_explicit_inactive_during_a_window_stays_inactive_after_the_window_ends(browser, server, admin_api):
    acme = sign_in(browser, server, "ops@acme.demo")
    window = schedule(admin_api, client_id("Acme"), starts_in=1, lasts=3)
    expect(banner_of(acme)).to_have_attribute("data-status", "maintenance", timeout=1_000 + TURN_TIMEOUT_MS)

    published = admin_api.post("/api/v1/system-status", json={"client_id": client_id("Acme"), "status": "inactive"})
    assert published.status_code == 200, published.text
    expect(banner_of(acme)).to_have_attribute("data-status", "inactive")

    wait_until(window["ends_at"], extra=1.5)
    listed = {w["id"]: w for w in admin_api.get("/api/v1/maintenance-windows").json()["windows"]}
    assert listed[window["id"]]["state"] == "completed"
    expect(banner_of(acme)).to_have_attribute("data-status", "inactive")
    expect(acme.get_by_test_id("metric-available-agents")).to_have_text("0")


def test_the_admin_card_schedules_extends_and_cancels_and_shows_errors_next_to_the_field(browser, server):
    admin = sign_in(browser, server, "admin@beacon.demo", "beacon-admin", "/admin")
    card = admin.get_by_test_id("maintenance-card")

    # An end before the start is refused next to "Ends at".
    card.get_by_label("Client", exact=True).click()
    admin.get_by_role("option", name="Globex", exact=True).click()
    card.get_by_label("Starts at", exact=True).fill(local_datetime_in(admin, 7200))
    card.get_by_label("Ends at", exact=True).fill(local_datetime_in(admin, 3600))
    card.get_by_label("Message", exact=True).fill("Network work")
    card.get_by_role("button", name="Schedule").click()
    expect(card.get_by_test_id("window-error-ends_at")).to_contain_text("after the start")

    card.get_by_label("Ends at", exact=True).fill(local_datetime_in(admin, 10800))
    card.get_by_role("button", name="Schedule").click()
    expect(card.get_by_test_id("schedule-result")).to_contain_text("for Globex")
    row = card.get_by_test_id("window-row").first
    expect(row).to_have_attribute("data-state", "scheduled")
    expect(row).to_contain_text("Network work")
    window_id = row.get_attribute("data-window-id")

    row.get_by_role("button", name="Extend").click()
    dialog = admin.get_by_role("dialog")
    new_end = (datetime.now(UTC) + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%S")
    dialog.get_by_label("New end (UTC)", exact=True).fill(new_end)
    dialog.get_by_role("button", name="Save end").click()
    expect(dialog).to_have_count(0)
    # The row shows the new end in the reader's zone (app/components/when.py); its <time> holds it in UTC.
    expect(row.locator("time").nth(1)).to_have_attribute("datetime", f"{new_end}.000Z")

    row.get_by_role("button", name="Cancel").click()
    expect(card.locator(f'[data-window-id="{window_id}"]')).to_have_attribute("data-state", "cancelled")


def test_the_uptime_bars_show_ninety_days_and_today_turns_mixed_after_a_window(browser, server, admin_api):
    admin = sign_in(browser, server, "admin@beacon.demo", "beacon-admin", "/admin")
    admin.get_by_label("Uptime client", exact=True).select_option(label="Acme")
    bars = admin.get_by_test_id("uptime-bars")
    expect(bars.get_by_test_id("uptime-day")).to_have_count(90)
    today = bars.get_by_test_id("uptime-day").last
    window = schedule(admin_api, client_id("Acme"), starts_in=0.5, lasts=1)
    wait_until(window["ends_at"])
    expect(today).to_have_attribute("data-state", "mixed", timeout=TURN_TIMEOUT_MS)
    expect(today).to_have_attribute("title", __import__("re").compile(r"Maintenance [<\d]"))
    expect(admin.get_by_test_id("uptime-30")).not_to_have_text("100%")
    for state in bars.get_by_test_id("uptime-day").evaluate_all("els => els.map(e => e.dataset.state)"):
        assert state in ("active", "maintenance", "inactive", "mixed")


def test_bulk_publishing_from_the_admin_card_reaches_each_selected_client(browser, server):
    acme = sign_in(browser, server, "ops@acme.demo")
    globex = sign_in(browser, server, "ops@globex.demo")
    admin = sign_in(browser, server, "admin@beacon.demo", "beacon-admin", "/admin")
    admin.get_by_role("checkbox", name="Acme").check()
    admin.get_by_role("checkbox", name="Globex").check()
    admin.get_by_label("Bulk message", exact=True).fill("Both clients pause")
    admin.get_by_role("button", name="Apply to selected clients").click()
    expect(admin.get_by_test_id("bulk-result")).to_contain_text("Published maintenance for Acme, Globex")
    for page in (acme, globex):
        expect(banner_of(page)).to_have_attribute("data-status", "maintenance")
        expect(banner_of(page)).to_contain_text("Both clients pause")
