"""Newest-first lists (approvals, follow-ups, activity) show one page and grow on "Show more",
while new rows keep arriving live on top."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_in
from tests.support.database import use_database
from tests.support.server import BeaconServer

FIRST_PAGE = 50  # views/lists.py LIST_PAGE_SIZE


@pytest.fixture(autouse=True)
def no_drafts_left_behind(server):
    """Other tests expect Globex's contacts without badges: reject the drafts made here."""
    yield
    from sqlmodel import select

    from app.db import read_session
    from app.models import Draft
    from app.services.auth import actor_for_email
    from app.services.drafts import reject_draft

    use_database(server.database_url)
    with read_session() as session:
        mine = list(session.exec(select(Draft.id).where(Draft.status == "pending",
                                                        Draft.subject.startswith("List draft"))))
    ops = actor_for_email("ops@globex.demo")
    for draft_id in mine:
        reject_draft(ops, draft_id)


def drafts_for_globex(server: BeaconServer, count: int, body: str = "A short note.") -> None:
    """`count` drafts waiting for approval, written by this process as the task worker would."""
    from sqlmodel import select

    from app.db import read_session
    from app.models import AIAgent, Client, Contact
    from app.rules.actors import system_actor
    from app.services.auth import actor_for_email
    from app.services.tasks import assign_task, claim_next_task, complete_task

    use_database(server.database_url)
    with read_session() as session:
        globex = session.exec(select(Client).where(Client.name == "Globex")).one()
        contact = session.exec(select(Contact).where(Contact.client_id == globex.id)).first()
        agent = session.exec(select(AIAgent).where(AIAgent.client_id == globex.id,
                                                   AIAgent.name == "Outreach Agent")).one()
    ops, worker = actor_for_email("ops@globex.demo"), system_actor("worker:e2e-lists")
    for n in range(count):
        assign_task(ops, contact.id, agent.id)
        claimed = claim_next_task(worker)
        complete_task(worker, claimed.id, f"List draft {n}", body)


def test_approvals_show_one_page_then_more_and_new_drafts_arrive_on_top(browser, server):
    drafts_for_globex(server, FIRST_PAGE + 5)
    page = sign_in(browser, server, "ops@globex.demo", path="/approvals")
    pending = page.get_by_test_id("draft-card").filter(has=page.get_by_role("button", name="Approve"))
    expect(pending).to_have_count(FIRST_PAGE)
    waiting = int(page.get_by_test_id("pending-approvals-count").inner_text())
    assert waiting > FIRST_PAGE
    page.get_by_test_id("show-more-pending-drafts").click()
    expect(pending).to_have_count(min(waiting, 2 * FIRST_PAGE))
    drafts_for_globex(server, 1)
    expect(pending).to_have_count(min(waiting + 1, 2 * FIRST_PAGE))
    expect(pending.first).to_contain_text("List draft 0")  # the newest: the one just written


def test_a_long_draft_shows_its_opening_and_is_read_whole_on_request(browser, server):
    drafts_for_globex(server, 1, body="Opening words of a long draft. " + "More words. " * 600 + "THE END")
    page = sign_in(browser, server, "ops@globex.demo", path="/approvals")
    card = page.get_by_test_id("draft-card").filter(has_text="List draft 0")
    expect(card.get_by_test_id("draft-preview")).to_contain_text("Opening words of a long draft.")
    expect(card).not_to_contain_text("THE END")  # the list carries the opening only
    card.get_by_role("button", name="Read all").click()
    expect(card.get_by_test_id("draft-body")).to_contain_text("THE END")
    card.get_by_role("button", name="Show less").click()
    expect(card).not_to_contain_text("THE END")


def test_the_dashboard_shows_the_newest_activity_and_more_on_request(browser, server):
    drafts_for_globex(server, 8)  # each draft is 4 activity rows: assigned, started, finished, ready
    page = sign_in(browser, server, "ops@globex.demo", path="/")
    items = page.get_by_test_id("activity-item")
    expect(items).to_have_count(10)
    page.get_by_test_id("show-more-activity").click()
    expect(items).to_have_count(20)
