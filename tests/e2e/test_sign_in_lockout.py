"""Sign-in lockout on the real form: a person (or a script driving a browser) guessing passwords."""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, Page, expect

from app.services.signin_throttle import ACCOUNT_FAILURES_BEFORE_LOCK
from tests.support.browser import sign_in
from tests.support.server import BeaconServer

LOCKED = "Too many attempts, try again in 15 minutes"


def submit(page: Page, email: str, password: str) -> None:
    """Fill and post the form as a person does; the browser loads the answer (back to /login,
    whose alert appears once the page's state has loaded, or home)."""
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def refused(page: Page, email: str, password: str, expected: str) -> None:
    submit(page, email, password)
    expect(page.get_by_role("alert")).to_have_text(expected)


def test_ten_wrong_passwords_lock_the_account_on_the_form_and_spare_others(browser: Browser, server: BeaconServer):
    # An account of this test's own: a locked demo account would refuse the other tests' sign-ins.
    email = f"guess-target-{uuid.uuid4().hex[:8]}@acme.demo"
    created = server.beacon("user", "create", "--email", email, "--role", "user", "--client", "Acme",
                            "--password-stdin", stdin="the-right-one\n")
    assert created.returncode == 0, created.stderr

    guesser = browser.new_context().new_page()
    guesser.goto(server.url + "/login")
    for n in range(1, ACCOUNT_FAILURES_BEFORE_LOCK):
        refused(guesser, email, f"guess-{n}", "Wrong email or password.")
    refused(guesser, email, f"guess-{ACCOUNT_FAILURES_BEFORE_LOCK}", LOCKED)
    expect(guesser.get_by_label("Email", exact=True)).to_have_value(email)

    # The right password, from a fresh browser at the same address, is refused as well while the
    # lock lasts (the lock is per account and address: from elsewhere the owner would sign in).
    owner = browser.new_context().new_page()
    owner.goto(server.url + "/login")
    refused(owner, email, "the-right-one", LOCKED)
    expect(owner.get_by_role("button", name="Sign out")).to_have_count(0)

    # Other accounts are unaffected, from the same machine.
    colleague = sign_in(browser, server, "ops@acme.demo")
    expect(colleague.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_script_posting_guesses_in_parallel_is_locked_out_too(server: BeaconServer):
    """No browser: a script posts the sign-in form as fast as it can, all guesses in flight at
    once, claiming a different client address in every request (no proxy is trusted, so the
    server takes the TCP peer's). The account locks at the 10th; the right password is then
    refused too, and no answer carries a session cookie."""
    import asyncio
    from urllib.parse import parse_qs, urlsplit

    import httpx

    from tests.support.loops import run_async

    email = f"script-target-{uuid.uuid4().hex[:8]}@acme.demo"
    created = server.beacon("user", "create", "--email", email, "--role", "user", "--client", "Acme",
                            "--password-stdin", stdin="the-right-one\n")
    assert created.returncode == 0, created.stderr

    async def attack() -> tuple[list[dict], dict]:
        # Posted with the login page's Origin, as its form does (app/web/origin.py refuses any other).
        async with httpx.AsyncClient(base_url=server.url, timeout=60, headers={"Origin": server.url}) as http:
            async def guess(password: str, n: int) -> dict:
                response = await http.post("/auth/sign-in", data={"email": email, "password": password},
                                           headers={"X-Forwarded-For": f"10.0.0.{n}"})
                assert response.status_code == 303 and "set-cookie" not in response.headers, response.headers
                location = urlsplit(response.headers["location"])
                assert location.path == "/login"
                return parse_qs(location.query)

            answers = await asyncio.gather(*(guess(f"guess-{n}", n) for n in range(ACCOUNT_FAILURES_BEFORE_LOCK)))
            return list(answers), await guess("the-right-one", 99)

    answers, right = run_async(attack())
    locked = {"error": ["locked"], "minutes": ["15"]}
    assert sorted(map(str, answers)) == sorted(
        [str({"error": ["wrong"]})] * (ACCOUNT_FAILURES_BEFORE_LOCK - 1) + [str(locked)]), answers
    assert right == locked
