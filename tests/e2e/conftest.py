"""Browser tests: one Beacon server (`reflex run --env prod`, as `make run` starts it) per test
session, on its own SQLite database, driven by Debian's Chromium through Playwright.

Fixtures and hooks only: signing in, tabs and forms are in tests/support/browser.py, the server
in tests/support/server.py, the clean slate each test starts from in tests/support/clean_slate.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, LIVE_TIMEOUT_MS
from tests.support.clean_slate import reset_system_status
from tests.support.database import use_database
from tests.support.server import BeaconServer, start_server, stop_server

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


def pytest_collection_modifyitems(session, config, items):
    """Tests on the shared session server run before those that start servers of their own.

    Every server builds its frontend into the project's one .web folder, with its own port baked
    in: once another server has started, the session server's pages would dial the wrong port.
    A test uses the session server when it asks for `server` and its module does not define a
    `server` fixture of its own (test_contacts_window.py, test_hostile_live_link.py do).
    """
    def order(item) -> int:
        if "e2e" not in item.path.parts:
            return 0  # unit and integration tests keep their place, before every browser test
        own_server = "server" in vars(getattr(item, "module", None) or object)
        return 1 if "server" in item.fixturenames and not own_server else 2

    items.sort(key=order)
