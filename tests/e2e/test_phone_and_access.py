"""Phones, honest loading and accessibility (issue 12): every route for every role on a 390 px
phone with touch, the dashboard's first paint, axe-core on every page at phone and desktop size,
the keyboard. With BEACON_SCREENSHOTS=1, screenshots of every page land in screenshots/ (ignored by
git) for people to see."""

from __future__ import annotations

import contextlib
import json
import os
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import sign_in, wait_until_following
from tests.support.database import use_database
from tests.support.project import ROOT
from tests.support.server import BeaconServer

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 1}
NARROWEST = {"width": 360, "height": 740}  # no page may be wider than this screen either
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
AXE = ROOT / "tests" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"  # `make axe` installs it
SCREENSHOTS = ROOT / "screenshots"
# Full-page screenshots are for people to look at, not assertions: written when asked for
# (BEACON_SCREENSHOTS=1 make test), since each costs the run time it does not check anything with.
TAKE_SCREENSHOTS = os.environ.get("BEACON_SCREENSHOTS") == "1"
BLOCKING_IMPACTS = ("serious", "critical")

PLAIN_USER = "pat@acme.demo"
PLAIN_PASSWORD = "beacon-plain-user"
# (role, email, password)
ROLES = [
    ("platform_admin", "admin@beacon.demo", "beacon-admin"),
    ("client_admin", "ops@acme.demo", "beacon-demo"),
    ("support_staff", "sam@acme.demo", "beacon-demo"),
    ("user", PLAIN_USER, PLAIN_PASSWORD),
]
ROLE_IDS = [role for role, _, _ in ROLES]
MENU_LINKS = ["Dashboard", "Agents", "Contacts", "Approvals", "Follow-ups"]
ROUTES = ["/", "/agents", "/contacts", "/approvals", "/follow-ups"]


@pytest.fixture(scope="module", autouse=True)
def plain_user(server: BeaconServer):
    """The demo has no account of the plain `user` role: one for Acme, made once."""
    from app.rules.errors import ServiceError
    from app.services.auth import create_user

    use_database(server.database_url)
    with contextlib.suppress(ServiceError):  # made by an earlier run on this database
        create_user(None, PLAIN_USER, "Pat Plain", PLAIN_PASSWORD, "user", "Acme")


def _sign_in_with(browser: Browser, server: BeaconServer, email: str, password: str, **context) -> Page:
    page = browser.new_context(**context).new_page()
    page.goto(server.url + "/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server.url + "/")
    wait_until_following(page)
    return page


def _routes(page: Page, server: BeaconServer, role: str) -> list[str]:
    """Every route this role can open, the agent page of one AI agent included."""
    routes = list(ROUTES)
    if role != "platform_admin":
        page.goto(server.url + "/agents")
        wait_until_following(page)
        routes.append(page.get_by_role("link", name="Outreach Agent").first.get_attribute("href"))
    if role == "platform_admin":
        routes.append("/admin")
    return routes


def _width(page: Page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def _shot(page: Page, name: str) -> None:
    if not TAKE_SCREENSHOTS:
        return
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _slug(route: str) -> str:
    return route.strip("/").replace("/", "-") or "dashboard"


def _open_menu(page: Page):
    page.get_by_role("button", name="Menu").tap()
    menu = page.get_by_role("dialog", name="Menu")
    expect(menu).to_be_visible()
    return menu


@pytest.mark.e2e
@pytest.mark.parametrize("role,email,password", ROLES, ids=ROLE_IDS)
def test_on_a_phone_every_page_fits_passes_axe_and_the_menu_reaches_every_link(browser, server, role, email,
                                                                                 password):
    """390 x 844 with touch: no page is wider than the screen (nor at 360 px), axe-core finds nothing
    serious or critical (the open Menu included), every Menu link works, and Sign out is there."""
    assert AXE.exists(), f"{AXE} is missing: `make axe` installs it"
    page = _sign_in_with(browser, server, email, password, **PHONE)
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()  # behind "Menu" on a phone
    problems: list[str] = []
    for route in _routes(page, server, role):
        page.set_viewport_size(PHONE["viewport"])
        page.goto(server.url + route)
        wait_until_following(page)
        scroll_width, screen = _width(page)
        assert scroll_width <= screen, f"{route} is {scroll_width} px wide on a {screen} px phone"
        _shot(page, f"phone-{role}-{_slug(route)}")
        problems += _axe(page, route)
        if route == "/admin":
            problems += _admin_tabs(page, f"phone-{role}")
        page.set_viewport_size(NARROWEST)
        scroll_width, screen = _width(page)
        assert scroll_width <= screen, f"{route} is {scroll_width} px wide on a {screen} px phone"

    page.set_viewport_size(PHONE["viewport"])
    _open_menu(page)
    _shot(page, f"phone-{role}-menu")
    problems += _axe(page, "the Menu")
    assert not problems, "\n".join(problems)
    page.keyboard.press("Escape")

    links = MENU_LINKS + (["Admin"] if role == "platform_admin" else [])
    targets = {"Dashboard": "/", "Agents": "/agents", "Contacts": "/contacts", "Approvals": "/approvals",
               "Follow-ups": "/follow-ups", "Admin": "/admin"}
    user_name = page.get_by_test_id("current-user").text_content()
    for name in links:
        menu = _open_menu(page)
        expect(menu).to_contain_text(user_name)
        menu.get_by_role("link", name=re.compile(rf"^{name}\b")).tap()
        expect(page).to_have_url(server.url + targets[name])
        expect(page.get_by_role("dialog", name="Menu")).to_be_hidden()
        wait_until_following(page)
        expect(page.get_by_role("heading", level=1, name=name, exact=True)).to_be_visible()

    menu = _open_menu(page)
    if role == "support_staff":
        expect(menu.get_by_role("combobox", name="My status")).to_be_visible()
    menu.get_by_role("button", name="Sign out").tap()
    expect(page).to_have_url(re.compile(r"/login"))


@pytest.mark.e2e
def test_available_agents_never_shows_a_number_it_does_not_settle_on(browser, server):
    """From the first paint, through a reload and a navigation back, the card shows "—" or the
    real number, never the default 0 (which would tell the user "no agents")."""
    page = sign_in(browser, server, "ops@acme.demo")
    settled = page.get_by_test_id("metric-available-agents").inner_text()
    assert settled.isdigit()
    page.context.add_init_script("""
        window.__seen = [];
        window.__states = [];
        const record = () => {
          const card = document.querySelector('[data-testid=metric-available-agents]');
          if (card) {
            const text = card.textContent;
            if (window.__seen[window.__seen.length - 1] !== text) window.__seen.push(text);
          }
          const link = document.querySelector('[data-testid=connection-status]');
          if (link) {
            const state = link.getAttribute('data-state');
            if (window.__states[window.__states.length - 1] !== state) window.__states.push(state);
          }
        };
        new MutationObserver(record).observe(document, {subtree: true, childList: true, characterData: true,
                                                        attributes: true});
    """)

    def check(how: str) -> None:
        wait_until_following(page)
        expect(page.get_by_test_id("metric-available-agents")).to_have_text(settled)
        seen = page.evaluate("window.__seen")
        states = page.evaluate("window.__states")
        assert seen and set(seen) <= {"—", settled}, f"{how}: the card showed {seen}"
        assert states[-1] == "connected" and "connecting" in states, f"{how}: the indicator went {states}"

    page.goto(server.url + "/")
    check("first load")
    assert page.evaluate("window.__seen")[0] == "—"  # the first paint, before the snapshot
    page.reload()
    check("reload")
    page.goto(server.url + "/agents")
    wait_until_following(page)
    page.evaluate("window.__seen = []; window.__states = []")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    check("navigation")


def _axe(page: Page, where: str) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now."""
    # Evaluated by the browser's debugger, not as a <script> tag: the page's CSP (app/web/headers.py)
    # refuses inline scripts it does not hold, and a tag would be one.
    # Colours are judged as drawn: a dialog still fading in (the Menu's opening animation) has
    # half-transparent text, so axe waits until no finite animation runs (a spinner's never ends).
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running'"
                           " || a.effect?.getComputedTiming().iterations === Infinity)")
    page.evaluate(f"{AXE.read_text()}\n;true")
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{where}: {v['id']} ({v['impact']}) {v['help']}: "
            + json.dumps([n["target"] for n in v["nodes"]][:5])
            for v in result["violations"] if v["impact"] in BLOCKING_IMPACTS]


def _admin_tabs(page: Page, name: str) -> list[str]:
    """The admin page's other tabs (drawn when chosen): a screenshot and axe-core for each."""
    problems: list[str] = []
    for tab in ("Audit log", "Clients", "Users", "Tokens"):
        page.get_by_role("tab", name=tab).click()
        expect(page.get_by_role("tab", name=tab)).to_have_attribute("aria-selected", "true")
        page.wait_for_timeout(300)
        _shot(page, f"{name}-admin-{tab.lower().replace(' ', '-')}")
        problems += _axe(page, f"/admin {tab}")
    page.get_by_role("tab", name="System").click()
    return problems


@pytest.mark.e2e
@pytest.mark.parametrize("role,email,password", ROLES, ids=ROLE_IDS)
def test_on_a_desktop_axe_finds_nothing_serious_on_any_page(browser, server, role, email, password):
    """The phone's side is in the test above."""
    assert AXE.exists(), f"{AXE} is missing: `make axe` installs it"
    page = _sign_in_with(browser, server, email, password, **DESKTOP)
    problems: list[str] = []
    for route in _routes(page, server, role):
        page.goto(server.url + route)
        wait_until_following(page)
        _shot(page, f"desktop-{role}-{_slug(route)}")
        problems += _axe(page, route)
        if route == "/admin":
            problems += _admin_tabs(page, f"desktop-{role}")
    assert not problems, "\n".join(problems)


@pytest.mark.e2e
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_axe_finds_nothing_serious_on_the_login_page(browser, server, size):
    page = browser.new_context(**(PHONE if size == "phone" else DESKTOP)).new_page()
    page.goto(server.url + "/login")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    _shot(page, f"{size}-signed-out-login")
    problems = _axe(page, "/login")
    assert not problems, "\n".join(problems)
    assert _width(page)[0] <= _width(page)[1]


@pytest.mark.e2e
def test_the_keyboard_reaches_the_menu_and_focus_stays_inside_it(browser, server):
    page = _sign_in_with(browser, server, "sam@acme.demo", "beacon-demo", **PHONE)
    page.get_by_role("button", name="Menu").focus()
    page.keyboard.press("Enter")
    menu = page.get_by_role("dialog", name="Menu")
    expect(menu).to_be_visible()
    for _ in range(15):  # more Tabs than the menu has controls: focus cycles inside it
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('[role=dialog]') !== null")
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(page.get_by_role("button", name="Menu")).to_be_focused()


@pytest.mark.e2e
def test_slash_focuses_the_contacts_search_and_an_empty_result_says_so(browser, server):
    page = sign_in(browser, server, "ops@acme.demo", path="/contacts")
    search = page.get_by_label("Search contacts", exact=True)
    page.locator("body").click()
    page.keyboard.press("/")
    expect(search).to_be_focused()
    page.keyboard.type("xyz-nobody")
    expect(page.get_by_text("No contacts match “xyz-nobody”")).to_be_visible()
    expect(page.get_by_test_id("contacts-total")).to_have_text("0")


@pytest.mark.e2e
def test_states_read_as_words_and_the_banner_speaks_up_when_inactive(browser, server):
    from app.services.auth import actor_for_email
    from app.services.system_status import publish_system_status

    page = sign_in(browser, server, "ops@acme.demo", path="/agents")
    states = page.get_by_test_id("agent-row").locator(".rt-Badge").all_inner_texts()
    assert states and set(states) <= {"Available", "Away", "Busy", "Offline", "Enabled", "Disabled"}, states
    region = page.locator(".beacon-banner")
    expect(region).to_have_attribute("aria-live", "polite")
    admin = actor_for_email("admin@beacon.demo")
    acme_id = actor_for_email("ops@acme.demo").client_id
    publish_system_status(admin, acme_id, "inactive", "Down for repairs", "error")
    expect(page.get_by_test_id("system-banner")).to_contain_text("Down for repairs")
    expect(region).to_have_attribute("role", "alert")
    expect(region).to_have_attribute("aria-live", "assertive")
    publish_system_status(admin, acme_id, "maintenance", "Back soon", "warning")
    expect(region).to_have_attribute("role", "status")
    expect(region).to_have_attribute("aria-live", "polite")


@pytest.mark.e2e
def test_times_are_shown_in_the_readers_zone_with_the_zone_named(browser, server):
    from app.services.auth import actor_for_email
    from app.services.system_status import publish_system_status

    publish_system_status(actor_for_email("admin@beacon.demo"), None, "active")  # one history row at least
    page = _sign_in_with(browser, server, "admin@beacon.demo", "beacon-admin", timezone_id="Asia/Tokyo", **DESKTOP)
    page.goto(server.url + "/admin")
    wait_until_following(page)
    when = page.get_by_test_id("history-row").first.locator("time")
    expect(when).to_contain_text("GMT+9")
    assert when.get_attribute("title") == when.inner_text()  # the exact time, also on hover
    assert when.get_attribute("datetime").endswith("Z")
