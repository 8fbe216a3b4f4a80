"""Browser tests: one Beacon server (`reflex run --env prod`, as `make run` starts it) per test
session, on its own SQLite database, driven by Debian's Chromium through Playwright."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.conftest import use_database
from tests.support.server import (  # noqa: F401 - the e2e tests import them from here
    SERVER_START_TIMEOUT_SECONDS,
    BeaconServer,
    free_port,
    start_server,
    stop_server,
)

CHROMIUM = "/usr/bin/chromium"
# Flags for headless Chromium on a machine with no network beyond package registries.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LIVE_TIMEOUT_MS = 10_000  # how long expect() waits for a pushed change; a lost change fails after it

expect.set_options(timeout=LIVE_TIMEOUT_MS)


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[BeaconServer]:
    process, running = start_server(tmp_path_factory.mktemp("beacon-e2e"))
    try:
        yield running
    finally:
        stop_server(process)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def close_people(request):
    """Close every browser context a test opened, so its pages leave the server's registry."""
    yield
    if "browser" in request.fixturenames:
        for context in list(request.getfixturevalue("browser").contexts):
            context.close()


@pytest.fixture(autouse=True)
def fresh_status(request):
    """Each browser test starts from: everything active, no messages in force."""
    if "server" not in request.fixturenames:
        yield
        return
    running: BeaconServer = request.getfixturevalue("server")
    use_database(running.database_url)
    reset_system_status()
    yield


def reset_system_status() -> None:
    from app.services.auth import actor_for_email
    from app.services.system_status import clear_status_override, publish_system_status, withdraw_system_message
    from app.views.status import list_messages

    admin = actor_for_email("admin@beacon.demo")
    publish_system_status(admin, None, "active")
    from sqlmodel import select

    from app.db import read_session
    from app.models import Client

    with read_session() as session:
        ids = [c.id for c in session.exec(select(Client))]
    for client_id in ids:
        clear_status_override(admin, client_id)
    for message in list_messages(admin):
        withdraw_system_message(admin, message.id)
    cancel_open_windows(admin)
    cancel_open_tasks(admin)


def cancel_open_windows(admin) -> None:
    """Maintenance windows a previous test left scheduled or in progress would turn its pages."""
    from app.services.maintenance import cancel_window
    from app.views.maintenance import list_windows

    for window in list_windows(admin, include_closed=False):
        cancel_window(admin, window.id)


def cancel_open_tasks(admin) -> None:
    """Tasks a previous test left open would be the worker's first pick: cancel them."""
    from sqlmodel import col, select

    from app.db import read_session
    from app.models import AgentTask
    from app.services.tasks import cancel_task

    with read_session() as session:
        open_ids = list(session.exec(select(AgentTask.id).where(col(AgentTask.status).in_(["pending", "in_progress"]))))
    for task_id in open_ids:
        cancel_task(admin, task_id)


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


def _uses_the_session_server(item) -> bool:
    definitions = getattr(item, "_fixtureinfo", None)
    chain = definitions.name2fixturedefs.get("server", ()) if definitions else ()
    return bool(chain) and chain[-1].scope == "session"


def pytest_collection_modifyitems(session, config, items):
    """Tests on the shared session server run before those that start servers of their own.

    Every server builds its frontend into the project's one .web folder, with its own port baked
    in: once another server has started, the session server's pages would dial the wrong port.
    """
    def order(item) -> int:
        if "e2e" not in item.path.parts:
            return 0  # unit and integration tests keep their place, before every browser test
        return 1 if _uses_the_session_server(item) else 2

    items.sort(key=order)
