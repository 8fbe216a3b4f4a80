"""Service status and system messages, live in real browsers (several people at once)."""

from __future__ import annotations

import json
import re

import httpx
from playwright.sync_api import Page, WebSocketRoute, expect

from tests.support.browser import open_tab, publish, sign_in, wait_until_following
from tests.support.server import BeaconServer

NO_RELOAD_MARK = "window.__beaconNoReload = true"
STILL_SAME_DOCUMENT = "() => window.__beaconNoReload === true"


def mark_no_reload(*pages: Page) -> None:
    """A page that reloads loses this mark: asserting it afterwards proves the change was pushed."""
    for page in pages:
        page.evaluate(NO_RELOAD_MARK)


def assert_not_reloaded(*pages: Page) -> None:
    for page in pages:
        assert page.evaluate(STILL_SAME_DOCUMENT) is True


def local_datetime_in(page: Page, seconds: float) -> str:
    """What a person would type into "Expires at": the browser's local time, `seconds` from now."""
    return page.evaluate(
        """(s) => { const d = new Date(Date.now() + s * 1000);
                    const p = (n) => String(n).padStart(2, '0');
                    const day = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
                    return `${day}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`; }""",
        seconds,
    )


def test_client_maintenance_reaches_that_clients_open_pages_and_no_others(browser, server: BeaconServer):
    acme = sign_in(browser, server, "ops@acme.demo")
    acme_agents = open_tab(acme, server, "/agents")
    globex = sign_in(browser, server, "ops@globex.demo")
    admin = sign_in(browser, server, "admin@beacon.demo", "beacon-admin", "/admin")
    expect(acme.get_by_test_id("metric-available-agents")).to_have_text("2")
    expect(acme_agents.get_by_test_id("agent-list")).to_be_visible()
    expect(globex.get_by_test_id("metric-available-agents")).to_have_text("2")
    mark_no_reload(acme, acme_agents, globex)

    publish(admin, "Acme", "Maintenance", "Planned maintenance until noon", "Warning")

    banner = acme.get_by_test_id("system-banner")
    expect(banner).to_have_attribute("data-status", "maintenance")
    expect(banner).to_have_attribute("data-type", "warning")
    expect(banner).to_have_attribute("data-accent-color", "amber")  # yellow
    expect(banner).to_contain_text("Planned maintenance until noon")
    expect(acme.get_by_test_id("metric-available-agents")).to_have_text("0")
    expect(acme_agents.get_by_test_id("agents-unavailable")).to_be_visible()
    expect(acme_agents.get_by_test_id("agents-unavailable")).to_contain_text("Maintenance")
    expect(acme_agents.get_by_test_id("agent-list")).to_have_count(0)
    assert_not_reloaded(acme, acme_agents)

    expect(globex.get_by_test_id("system-banner")).to_have_count(0)
    expect(globex.get_by_test_id("metric-available-agents")).to_have_text("2")
    assert_not_reloaded(globex)


def test_global_inactive_reaches_everyone_and_an_acme_override_applies_to_acme_only(browser, server):
    acme = sign_in(browser, server, "sam@acme.demo", path="/agents")
    globex = sign_in(browser, server, "lee@globex.demo", path="/agents")
    admin = sign_in(browser, server, "admin@beacon.demo", "beacon-admin", "/admin")
    mark_no_reload(acme, globex)

    publish(admin, "All Clients", "Inactive", "Agents are off for everyone", "Error")
    for page in (acme, globex):
        banner = page.get_by_test_id("system-banner")
        expect(banner).to_have_attribute("data-status", "inactive")
        expect(banner).to_have_attribute("data-accent-color", "red")
        expect(page.get_by_test_id("agents-unavailable")).to_contain_text("Inactive")

    publish(admin, "Acme", "Active")
    expect(acme.get_by_test_id("agent-list")).to_be_visible()
    expect(acme.get_by_test_id("agents-unavailable")).to_have_count(0)
    # Acme still sees the global message, now with an active status: the message keeps its colour.
    expect(acme.get_by_test_id("system-banner")).to_have_attribute("data-status", "active")
    expect(acme.get_by_test_id("system-banner")).to_have_attribute("data-type", "error")
    expect(globex.get_by_test_id("agents-unavailable")).to_contain_text("Inactive")
    expect(globex.get_by_test_id("system-banner")).to_have_attribute("data-status", "inactive")
    assert_not_reloaded(acme, globex)


def test_a_message_vanishes_from_open_pages_at_its_expiry(browser, server):
    acme = sign_in(browser, server, "ops@acme.demo")
    admin = sign_in(browser, server, "admin@beacon.demo", "beacon-admin", "/admin")
    mark_no_reload(acme)

    publish(admin, "Acme", "Active", "Short notice", "Info", expires_at=lambda: local_datetime_in(admin, 4))
    banner = acme.get_by_test_id("system-banner")
    expect(banner).to_contain_text("Short notice")
    expect(banner).to_have_attribute("data-accent-color", "blue")
    expect(banner).to_have_count(0, timeout=15_000)
    assert_not_reloaded(acme)


def test_an_expiry_in_the_past_is_refused_next_to_the_field(browser, server):
    admin = sign_in(browser, server, "admin@beacon.demo", "beacon-admin", "/admin")
    card = admin.get_by_test_id("publish-card")
    card.get_by_label("Message", exact=True).fill("Too late")
    admin.get_by_label("Expires at", exact=True).fill(local_datetime_in(admin, -60))
    admin.get_by_role("button", name="Publish", exact=True).click()
    expect(admin.get_by_test_id("error-expires_at")).to_contain_text("future")
    expect(card.get_by_label("Message", exact=True)).to_have_value("Too late")  # nothing lost


def test_a_status_set_by_the_cli_in_another_process_updates_an_open_page(browser, server):
    globex = sign_in(browser, server, "ops@globex.demo", path="/agents")
    mark_no_reload(globex)
    done = server.beacon("status", "set", "--as", "admin@beacon.demo", "--client", "Globex",
                         "--status", "maintenance", "--message", "Set from a terminal", "--type", "warning")
    assert done.returncode == 0, done.stderr
    expect(globex.get_by_test_id("agents-unavailable")).to_contain_text("Set from a terminal")
    expect(globex.get_by_test_id("system-banner")).to_have_attribute("data-status", "maintenance")
    assert_not_reloaded(globex)


def test_a_non_admin_does_not_get_the_admin_page(browser, server):
    acme = sign_in(browser, server, "ops@acme.demo")
    expect(acme.get_by_role("link", name="Admin")).to_have_count(0)
    acme.goto(server.url + "/admin")
    expect(acme).to_have_url(server.url + "/")
    expect(acme.get_by_role("button", name="Publish")).to_have_count(0)


def _forge_publish(page: Page, server: BeaconServer, email: str, password: str, client_name: str) -> list[str]:
    """Sign in, then push a hand-made publish event down the page's own live socket."""
    from reflex_base.utils.format import format_event_handler

    from app.state.admin.publish import PublishState

    received: list[str] = []
    sockets: list[WebSocketRoute] = []

    def relay(ws: WebSocketRoute) -> None:
        upstream = ws.connect_to_server()
        upstream.on_message(lambda message: (received.append(str(message)), ws.send(message)))
        sockets.append(upstream)

    page.route_web_socket(re.compile(r".*/_event.*"), relay)
    page.goto(server.url + "/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    # Signing in loads the home page afresh: wait for ITS socket (the login page's is gone), which
    # is live once follow_changes named its worker.
    wait_until_following(page)
    event = {
        "name": format_event_handler(PublishState.event_handlers["publish"]),
        "payload": {"form_data": {"client": client_name, "status": "inactive",
                                  "message": "forged", "type": "error", "expires_at": ""}},
        "router_data": {"pathname": "/", "query": {}, "asPath": "/"},
    }
    sockets[-1].send("42/_event," + json.dumps(["event", event]))
    return received


def test_a_forged_publish_event_from_a_non_admin_is_refused_and_changes_nothing(browser, server):
    acme = browser.new_context().new_page()
    received = _forge_publish(acme, server, "ops@acme.demo", "beacon-demo", "Acme")
    # The server answers the forged event with its refusal (a state delta), and writes nothing.
    deadline_ok = _wait_for(acme, lambda: any("Only a platform admin" in m for m in received))
    assert deadline_ok, "the server never answered the forged event"
    expect(acme.get_by_test_id("system-banner")).to_have_count(0)
    done = server.beacon("status", "show", "--as", "admin@beacon.demo", "--client", "Acme", "--json")
    assert json.loads(done.stdout) == {"client": "Acme", "status": "active", "status_scope": "global", "messages": []}


def test_the_same_forged_event_from_an_admin_does_publish(browser, server):
    """The control for the test above: the forging itself works, so its refusal means something."""
    watcher = sign_in(browser, server, "ops@acme.demo")
    admin = browser.new_context().new_page()
    _forge_publish(admin, server, "admin@beacon.demo", "beacon-admin", "Acme")
    expect(watcher.get_by_test_id("system-banner")).to_have_attribute("data-status", "inactive")
    expect(watcher.get_by_test_id("system-banner")).to_contain_text("forged")


def test_a_non_admin_api_token_cannot_publish(server):
    token = server.beacon("token", "create", "--email", "ops@acme.demo").stdout.strip()
    response = httpx.post(server.url + "/api/v1/system-status", headers={"Authorization": f"Bearer {token}"},
                          json={"client_id": None, "status": "inactive"})
    assert response.status_code == 403 and response.json()["error"]["status"] == 403
    admin_token = server.beacon("token", "create", "--email", "admin@beacon.demo").stdout.strip()
    status = httpx.get(server.url + "/api/v1/system-status", headers={"Authorization": f"Bearer {admin_token}"})
    assert status.json()["status"] == "active"


def test_markup_in_a_message_is_shown_as_text(browser, server):
    acme = sign_in(browser, server, "ops@acme.demo")
    dialogs: list[str] = []
    acme.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    admin = sign_in(browser, server, "admin@beacon.demo", "beacon-admin", "/admin")
    publish(admin, "Acme", "Active", "<img src=x onerror=alert(1)>", "Info")
    banner = acme.get_by_test_id("system-banner")
    expect(banner).to_contain_text("<img src=x onerror=alert(1)>")
    expect(banner.locator("img")).to_have_count(0)
    assert dialogs == []


def test_signing_out_returns_to_login_and_protects_the_pages(browser, server):
    page = sign_in(browser, server, "kim@acme.demo")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(server.url + "/login")
    page.goto(server.url + "/agents")
    expect(page).to_have_url(server.url + "/login")


def test_a_wrong_password_is_explained_on_the_form(browser, server):
    page = browser.new_context().new_page()
    page.goto(server.url + "/login")
    page.get_by_label("Email", exact=True).fill("ops@acme.demo")
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong email or password")
    expect(page.get_by_label("Email", exact=True)).to_have_value("ops@acme.demo")


def _wait_for(page: Page, condition, seconds: float = 10.0) -> bool:
    """Poll `condition`, letting Playwright deliver websocket messages in between."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        page.wait_for_timeout(50)
    return False


def test_closing_pages_takes_their_sessions_out_of_the_registry(browser, server):
    token = server.beacon("token", "create", "--email", "admin@beacon.demo").stdout.strip()

    def open_sessions() -> int:
        health = httpx.get(server.url + "/api/v1/health", headers={"Authorization": f"Bearer {token}"})
        assert health.status_code == 200
        return health.json()["open_sessions"]

    before = open_sessions()
    pages = [sign_in(browser, server, email) for email in ("ops@acme.demo", "kim@acme.demo", "ops@globex.demo")]
    assert open_sessions() == before + 3
    for page in pages:
        page.context.close()
    assert _wait_for(_any_page(browser, server), lambda: open_sessions() == before), \
        f"{open_sessions() - before} sessions outlived their pages"


def _any_page(browser, server) -> Page:
    page = browser.new_context().new_page()
    page.goto(server.url + "/login")
    return page


def test_an_admin_edits_then_withdraws_a_message_and_open_pages_follow(browser, server):
    acme = sign_in(browser, server, "ops@acme.demo")
    admin = sign_in(browser, server, "admin@beacon.demo", "beacon-admin", "/admin")
    publish(admin, "Acme", "Active", "First wording", "Info")
    expect(acme.get_by_test_id("system-banner")).to_contain_text("First wording")

    row = admin.get_by_test_id("admin-message-row").filter(has_text="First wording")
    row.get_by_role("button", name="Edit").click()
    dialog = admin.get_by_role("dialog")
    dialog.get_by_label("Message", exact=True).fill("Second wording")
    dialog.get_by_role("button", name="Save").click()
    expect(acme.get_by_test_id("system-banner")).to_contain_text("Second wording")

    admin.get_by_test_id("admin-message-row").filter(has_text="Second wording").get_by_role(
        "button", name="Withdraw").click()
    expect(acme.get_by_test_id("system-banner")).to_have_count(0)
    expect(admin.get_by_test_id("admin-message-row").filter(has_text="Second wording")).to_have_attribute(
        "data-state", "withdrawn")
    expect(admin.get_by_test_id("history-row").first).to_contain_text("active")


def test_signing_out_in_one_tab_signs_out_the_others_of_that_browser(browser, server):
    first = sign_in(browser, server, "ops@globex.demo")
    second = open_tab(first, server, "/agents")
    other_person = sign_in(browser, server, "lee@globex.demo")
    first.get_by_role("button", name="Sign out").click()
    expect(second).to_have_url(server.url + "/login")
    expect(other_person.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")
    expect(other_person).to_have_url(server.url + "/")
