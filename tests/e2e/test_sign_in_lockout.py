"""Sign-in lockout on the real form: a person (or a script driving a browser) guessing passwords."""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, Page, expect

from app.services.signin_throttle import ACCOUNT_FAILURES_BEFORE_LOCK
from tests.e2e.conftest import BeaconServer, sign_in

LOCKED = "Too many attempts, try again in 15 minutes"


def submit(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_ten_wrong_passwords_lock_the_account_on_the_form_and_spare_others(browser: Browser, server: BeaconServer):
    # An account of this test's own: a locked demo account would refuse the other tests' sign-ins.
    email = f"guess-target-{uuid.uuid4().hex[:8]}@acme.demo"
    created = server.beacon("user", "create", "--email", email, "--role", "user", "--client", "Acme",
                            "--password", "the-right-one")
    assert created.returncode == 0, created.stderr

    guesser = browser.new_context().new_page()
    guesser.goto(server.url + "/login")
    alert = guesser.get_by_role("alert")
    submit(guesser, email, "guess-1")
    expect(alert).to_contain_text("Wrong email or password")
    for n in range(2, ACCOUNT_FAILURES_BEFORE_LOCK + 1):
        submit(guesser, email, f"guess-{n}")  # each submit is processed in order by the server
    expect(alert).to_have_text(LOCKED)

    # The right password, from a fresh browser, is refused as well while the lock lasts.
    owner = browser.new_context().new_page()
    owner.goto(server.url + "/login")
    submit(owner, email, "the-right-one")
    expect(owner.get_by_role("alert")).to_have_text(LOCKED)
    expect(owner.get_by_role("button", name="Sign out")).to_have_count(0)

    # Other accounts are unaffected, from the same machine.
    colleague = sign_in(browser, server, "ops@acme.demo")
    expect(colleague.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_script_speaking_the_websocket_is_locked_out_too(server: BeaconServer):
    """No browser: a raw socket.io client sends Reflex's sign_in event as fast as it can, claiming
    a different client address in every event (the server takes the socket's own instead)."""
    import asyncio

    import aiohttp

    from bench._support import AUTH_STATE, LightClient, read_frontend
    from tests.conftest import ROOT, run_async

    email = f"script-target-{uuid.uuid4().hex[:8]}@acme.demo"
    created = server.beacon("user", "create", "--email", email, "--role", "user", "--client", "Acme",
                            "--password", "the-right-one")
    assert created.returncode == 0, created.stderr
    frontend = read_frontend(ROOT)

    async def attack() -> list[str]:
        async with aiohttp.ClientSession() as http:
            client = LightClient(server.url, frontend, "", http, route="/login")
            errors: list[str] = []
            original = client._on_event

            def on_event(data):
                original(data)
                auth = (data.get("delta") or {}).get(frontend.key(AUTH_STATE)) if isinstance(data, dict) else None
                if auth and auth.get("login_error_rx_state_"):
                    errors.append(auth["login_error_rx_state_"])

            client.sio.on("event", on_event, namespace="/_event")
            await client.connect()
            try:
                def sign_in_event(password: str, n: int) -> dict:
                    return {
                        "name": f"{frontend.key(AUTH_STATE)}.sign_in",
                        "payload": {"form_data": {"email": email, "password": password}},
                        "router_data": {"pathname": "/login", "asPath": "/login", "client_ip": f"10.0.0.{n}"},
                    }

                for n in range(ACCOUNT_FAILURES_BEFORE_LOCK):  # pipelined, no waiting for answers
                    await client.sio.emit("event", sign_in_event(f"guess-{n}", n), namespace="/_event")
                deadline = asyncio.get_running_loop().time() + 60
                while LOCKED not in errors and asyncio.get_running_loop().time() < deadline:
                    await asyncio.sleep(0.1)
                count = len(errors)
                await client.sio.emit("event", sign_in_event("the-right-one", 99), namespace="/_event")
                while len(errors) == count and asyncio.get_running_loop().time() < deadline:
                    await asyncio.sleep(0.1)
                return errors
            finally:
                await client.disconnect()

    errors = run_async(attack())
    assert errors[: ACCOUNT_FAILURES_BEFORE_LOCK - 1] == ["Wrong email or password."] * (ACCOUNT_FAILURES_BEFORE_LOCK - 1)
    assert errors[ACCOUNT_FAILURES_BEFORE_LOCK - 1:] == [LOCKED, LOCKED], errors  # the 10th, then the right one
