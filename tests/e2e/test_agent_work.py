"""AI agents' tasks, drafts and follow-ups, live in browsers, with the real worker process."""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_live_status import local_datetime_in
from tests.support.browser import open_tab, sign_in, wait_until_following
from tests.support.cli import start_beacon
from tests.support.server import BeaconServer

WORKER_TIMEOUT_SECONDS = 120  # a fast simulated task takes well under a second

# Counts every browser notification a page creates, in storage all tabs of the person share.
COUNT_NOTIFICATIONS = """
(() => {
  const Real = window.Notification;
  if (!Real) return;
  function Counted(title, options) {
    const shown = JSON.parse(localStorage.getItem('test-notifications') || '[]');
    shown.push({title, tag: options && options.tag});
    localStorage.setItem('test-notifications', JSON.stringify(shown));
    return new Real(title, options);
  }
  Object.defineProperty(Counted, 'permission', {get: () => Real.permission});
  Counted.requestPermission = (...args) => Real.requestPermission(...args);
  window.Notification = Counted;
})();
"""


def card(page: Page, contact: str):
    return page.get_by_test_id("contact-card").filter(has_text=contact)


def pending_count(page: Page) -> int:
    locator = page.get_by_test_id("pending-approvals-count")
    expect(locator).to_be_visible()
    return int(locator.inner_text())


@contextlib.contextmanager
def worker_running(server: BeaconServer, tasks: int) -> Iterator[None]:
    """A `beacon worker` process that runs `tasks` fast tasks, then exits; the block's end waits
    for it (killed if it has not finished by then)."""
    worker = start_beacon(server.env, "worker", "--speed", "10", "--failure-rate", "0",
                          "--max-tasks", str(tasks), "--name", "e2e-worker",
                          stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        yield
    finally:
        try:
            worker.wait(timeout=WORKER_TIMEOUT_SECONDS)
        finally:
            if worker.poll() is None:
                worker.kill()


def assign_from_page(page: Page, contact: str, agent: str = "Outreach Agent") -> None:
    card(page, contact).get_by_role("button", name="Assign task").click()
    page.get_by_label("AI agent", exact=True).click()
    page.get_by_role("option", name=agent, exact=True).click()
    page.get_by_label("Instructions", exact=True).fill("Mention the spring offer")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_a_task_moves_live_in_another_browser_of_the_same_client_and_nowhere_else(browser, server):
    assigner = sign_in(browser, server, "ops@acme.demo", path="/contacts")
    colleague = sign_in(browser, server, "sam@acme.demo", path="/contacts")
    colleague_approvals = open_tab(colleague, server, "/approvals")
    other_client = sign_in(browser, server, "ops@globex.demo", path="/contacts")
    before = pending_count(colleague)
    globex_before = pending_count(other_client)

    assign_from_page(assigner, "Ben Okafor")
    expect(card(colleague, "Ben Okafor").get_by_test_id("task-badge")).to_have_text("Agent Working")

    with worker_running(server, tasks=1):
        expect(card(colleague, "Ben Okafor").get_by_test_id("task-badge")).to_have_text(
            "Draft Ready", timeout=WORKER_TIMEOUT_SECONDS * 1000)
    draft = colleague_approvals.get_by_test_id("draft-card").filter(has_text="Ben")
    expect(draft).to_be_visible()
    expect(draft).to_contain_text("Mention the spring offer")
    expect(colleague_approvals.get_by_test_id("pending-approvals-count")).to_have_text(str(before + 1))
    expect(assigner.get_by_test_id("pending-approvals-count")).to_have_text(str(before + 1))

    draft.get_by_role("button", name="Approve").click()
    expect(colleague_approvals.get_by_test_id("pending-approvals-count")).to_have_text(str(before))
    expect(colleague.get_by_test_id("pending-approvals-count")).to_have_text(str(before))
    expect(assigner.get_by_test_id("pending-approvals-count")).to_have_text(str(before))
    expect(card(colleague, "Ben Okafor").get_by_test_id("task-badge")).to_have_count(0)

    # The dashboard's activity feed told the story, live.
    feed = assigner.context.new_page()
    feed.goto(server.url + "/")
    expect(feed.get_by_test_id("activity-feed")).to_contain_text("sam@acme.demo approved the draft for Ben Okafor")
    expect(feed.get_by_test_id("activity-feed")).to_contain_text("Outreach Agent finished its task on Ben Okafor")

    # The other client saw none of it.
    expect(other_client.get_by_test_id("task-badge")).to_have_count(0)
    assert pending_count(other_client) == globex_before
    expect(other_client.get_by_test_id("contact-card").filter(has_text="Ben Okafor")).to_have_count(0)


def test_the_contact_modal_lists_the_contacts_tasks_live(browser, server):
    page = sign_in(browser, server, "ops@acme.demo", path="/contacts")
    card(page, "Chloe Martin").get_by_role("button", name="Tasks").click()
    modal = page.get_by_test_id("contact-tasks")
    expect(modal).to_be_visible()
    rows_before = modal.get_by_test_id("task-row").count()
    page.get_by_role("button", name="Close").click()

    assign_from_page(page, "Chloe Martin")
    card(page, "Chloe Martin").get_by_role("button", name="Tasks").click()
    expect(modal.get_by_test_id("task-row")).to_have_count(rows_before + 1)
    newest = modal.get_by_test_id("task-row").first
    expect(newest).to_have_attribute("data-status", "pending")
    with worker_running(server, tasks=1):
        expect(newest).to_have_attribute("data-status", "completed", timeout=WORKER_TIMEOUT_SECONDS * 1000)


def test_one_browser_notification_per_event_across_two_tabs(browser, server):
    context = browser.new_context(permissions=["notifications"])
    context.add_init_script(COUNT_NOTIFICATIONS)
    first = context.new_page()
    first.goto(server.url + "/login")
    first.get_by_label("Email", exact=True).fill("kim@acme.demo")
    first.get_by_label("Password", exact=True).fill("beacon-demo")
    first.get_by_role("button", name="Sign in").click()
    expect(first.get_by_role("button", name="Sign out")).to_be_visible()
    first.goto(server.url + "/contacts")
    wait_until_following(first)
    second = open_tab(first, server, "/approvals")
    assert first.evaluate("Notification.permission") == "granted"
    first.evaluate("localStorage.setItem('test-notifications', '[]')")

    assign_from_page(first, "Dev Patel")
    with worker_running(server, tasks=1):
        expect(card(first, "Dev Patel").get_by_test_id("task-badge")).to_have_text(
            "Draft Ready", timeout=WORKER_TIMEOUT_SECONDS * 1000)
    expect(second.get_by_test_id("draft-card").filter(has_text="Dev")).to_have_count(1)

    def shown() -> list[dict]:
        return json.loads(first.evaluate("localStorage.getItem('test-notifications')"))

    # Two events (the task completed, its draft is ready), one notification each, whichever tab.
    first.wait_for_function("JSON.parse(localStorage.getItem('test-notifications')).length >= 2")
    second.wait_for_timeout(1000)  # room for a duplicate from the other tab to show itself
    titles = sorted(n["title"] for n in shown())
    assert titles == ["Draft ready", "Task completed"], shown()
    assert len({n["tag"] for n in shown()}) == 2


def test_a_page_offers_to_enable_notifications_when_not_yet_asked(browser, server):
    page = sign_in(browser, server, "ops@acme.demo")
    expect(page.get_by_role("button", name="Enable notifications")).to_be_visible()


def test_a_plain_user_cannot_assign_tasks(browser, server):
    created = server.beacon("user", "create", "--email", "viewer@acme.demo", "--role", "user",
                            "--client", "Acme", "--password-stdin", stdin="viewer-password\n")
    assert created.returncode == 0 or "exists already" in created.stderr
    page = sign_in(browser, server, "viewer@acme.demo", "viewer-password", path="/contacts")
    card(page, "Ada Byrne").get_by_role("button", name="Assign task").click()
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_role("dialog")).to_contain_text("Only the client's admins and staff")


def test_a_follow_up_is_scheduled_and_cancelled_live(browser, server):
    page = sign_in(browser, server, "ops@globex.demo", path="/follow-ups")
    watcher = sign_in(browser, server, "lee@globex.demo", path="/follow-ups")
    page.get_by_label("Contact", exact=True).fill("Grace Kim")
    page.get_by_label("When", exact=True).fill(local_datetime_in(page, 3600))
    page.get_by_label("Note", exact=True).fill("Ask about the pilot")
    page.get_by_role("button", name="Schedule").click()
    scheduled = watcher.get_by_test_id("follow-up-schedule").get_by_test_id("follow-up-row").filter(
        has_text="Ask about the pilot")
    expect(scheduled).to_be_visible()
    page.get_by_test_id("follow-up-schedule").get_by_test_id("follow-up-row").filter(
        has_text="Ask about the pilot").get_by_role("button", name="Cancel").click()
    expect(scheduled).to_have_count(0)
    expect(watcher.get_by_test_id("follow-up-history").get_by_test_id("follow-up-row").filter(
        has_text="Ask about the pilot")).to_have_attribute("data-status", "cancelled")


def test_a_follow_up_in_the_past_is_refused_next_to_the_field(browser, server):
    page = sign_in(browser, server, "ops@globex.demo", path="/follow-ups")
    page.get_by_label("Contact", exact=True).fill("eva@initech.example")
    page.get_by_label("When", exact=True).fill(local_datetime_in(page, -3600))
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_role("alert").filter(has_text="future")).to_be_visible()


def test_a_follow_up_for_a_contact_of_another_client_is_refused_next_to_the_field(browser, server):
    page = sign_in(browser, server, "ops@globex.demo", path="/follow-ups")
    page.get_by_label("Contact", exact=True).fill("Ada Byrne")  # Acme's, not Globex's
    page.get_by_label("When", exact=True).fill(local_datetime_in(page, 3600))
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_role("alert").filter(has_text="one of your contacts")).to_be_visible()


@pytest.mark.parametrize("agent", ["Outreach Agent"])
def test_the_agent_page_shows_its_tasks(browser, server, agent):
    page = sign_in(browser, server, "ops@acme.demo", path="/agents")
    page.get_by_role("link", name=agent).click()
    expect(page.get_by_role("heading", name=agent)).to_be_visible()
    assign_page = open_tab(page, server, "/contacts")
    assign_from_page(assign_page, "Ada Byrne", agent)
    expect(page.get_by_test_id("task-row").first).to_have_attribute("data-status", "pending")
