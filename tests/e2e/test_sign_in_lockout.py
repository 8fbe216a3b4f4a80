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
