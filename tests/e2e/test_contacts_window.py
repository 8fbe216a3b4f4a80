"""/contacts on a large client (`beacon seed volume`): one window of cards, search, filters and
pages, with badges and totals kept live by the feed, and nothing pushed for contacts off screen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import sign_in
from tests.support.cli import beacon
from tests.support.database import prepare_database, use_database
from tests.support.factory import CLIENT_ADMINS, OUTREACH, actor, agent_id, client_id
from tests.support.server import BeaconServer, start_server, stop_server

VOLUME_CONTACTS = 3000  # enough for 30 pages; small enough to seed in a second or two
VOLUME_TASKS = 5000
PAGE_SIZE = 100
QUIET_MS = 1500  # how long a page is watched for a push that must not come


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[BeaconServer]:
    tmp = tmp_path_factory.mktemp("beacon-volume")
    url = f"sqlite:///{tmp / 'beacon.db'}"
    prepare_database(url)
    seeded = beacon(url, "seed", "volume", "--client", "Acme",
                    "--contacts", str(VOLUME_CONTACTS), "--tasks", str(VOLUME_TASKS), timeout=300)
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    process, running = start_server(tmp, database_url=url, prepare=False)
    try:
        yield running
    finally:
        stop_server(process)


def acme_contacts(server: BeaconServer) -> list[tuple[int, str]]:
    """Acme's contacts in the page's order (by name, then id)."""
    from sqlmodel import col, select

    from app.db import read_session
    from app.models import Contact

    use_database(server.database_url)
    acme = client_id("Acme")
    with read_session() as session:
        return [(c.id, c.name) for c in session.exec(
            select(Contact).where(Contact.client_id == acme).order_by(col(Contact.name), col(Contact.id)))]


def assign(server: BeaconServer, contact_id: int) -> None:
    """A task for Acme's Outreach Agent on one of Acme's contacts, written by this test process (another writer)."""
    from app.services.tasks import assign_task

    use_database(server.database_url)
    assign_task(actor(CLIENT_ADMINS["Acme"]), contact_id, agent_id("Acme", OUTREACH))


def insert_contact_with_sql(server: BeaconServer, name: str, email: str) -> None:
    """A contact added by a plain SQL statement, as a CRM import would."""
    import sqlalchemy as sa

    from app.db import transaction

    use_database(server.database_url)
    acme_id = client_id("Acme")
    with transaction() as session:
        session.exec(sa.text("INSERT INTO contacts (client_id, name, email, company, created_at) "
                             "VALUES (:c, :n, :e, 'Import Co', CURRENT_TIMESTAMP)"),
                     params={"c": acme_id, "n": name, "e": email})


def total(page: Page) -> int:
    return int(page.get_by_test_id("contacts-total").inner_text().replace(",", ""))


def card(page: Page, contact_id: int):
    return page.locator(f'[data-testid="contact-card"][data-contact-id="{contact_id}"]')


def record_frames(page: Page) -> list[str]:
    """Every websocket message the page receives from now on."""
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    return frames


def contacts_page(browser, server) -> Page:
    page = sign_in(browser, server, "ops@acme.demo", path="/contacts")
    expect(page.get_by_test_id("contacts-total")).to_be_visible()
    return page


def test_the_page_holds_one_window_of_cards_and_the_exact_total(browser, server):
    page = contacts_page(browser, server)
    expected = len(acme_contacts(server))
    expect(page.get_by_test_id("contacts-total")).to_have_text(str(expected))
    expect(page.get_by_test_id("contact-card")).to_have_count(PAGE_SIZE)


def test_a_search_finds_one_contact_among_thousands(browser, server):
    page = contacts_page(browser, server)
    contact_id, name = acme_contacts(server)[1234]
    page.get_by_label("Search contacts", exact=True).fill(name)
    expect(card(page, contact_id)).to_be_visible()
    matching = [c for c in acme_contacts(server) if name.lower() in c[1].lower()]
    expect(page.get_by_test_id("contacts-total")).to_have_text(str(len(matching)))
    expect(page.get_by_test_id("contact-card")).to_have_count(min(len(matching), PAGE_SIZE))


def test_a_task_on_a_shown_contact_changes_its_badge_live_and_pushes_only_the_badges(browser, server):
    page = contacts_page(browser, server)
    frames = record_frames(page)
    page.reload()
    contact_id, _ = acme_contacts(server)[5]
    expect(card(page, contact_id)).to_be_visible()
    expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")
    page.wait_for_timeout(QUIET_MS)
    before = len(frames)
    assign(server, contact_id)
    expect(card(page, contact_id).get_by_test_id("task-badge")).to_have_text("Agent Working")
    pushed = frames[before:]
    assert any("badges" in frame for frame in pushed)
    assert not any("rows" in frame for frame in pushed), "the page of cards was sent again for one badge"


def test_a_task_on_a_contact_off_screen_pushes_nothing_to_the_page(browser, server):
    page = contacts_page(browser, server)
    frames = record_frames(page)
    page.reload()
    expect(page.get_by_test_id("contact-card")).to_have_count(PAGE_SIZE)
    expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")
    page.wait_for_timeout(QUIET_MS)
    before = len(frames)
    contact_id, name = acme_contacts(server)[2500]  # on page 26
    assign(server, contact_id)
    page.wait_for_timeout(QUIET_MS)
    pushed = frames[before:]
    assert not any(name in frame or "rows" in frame or "badges" in frame for frame in pushed), pushed


def test_a_contact_added_by_sql_appears_live_where_it_sorts_and_counts_everywhere(browser, server):
    first_page = contacts_page(browser, server)
    last_page = contacts_page(browser, server)
    before = total(first_page)
    for _ in range(before // PAGE_SIZE):
        last_page.get_by_role("button", name="Next").first.click()
    expect(last_page.get_by_text(f"of {before}")).to_be_visible()
    insert_contact_with_sql(server, "Aaaron Aardvark", "aaaron@import.example")
    expect(first_page.get_by_test_id("contact-card").first).to_contain_text("Aaaron Aardvark")
    expect(first_page.get_by_test_id("contacts-total")).to_have_text(str(before + 1))
    expect(last_page.get_by_test_id("contacts-total")).to_have_text(str(before + 1))
    expect(first_page.get_by_test_id("contact-card")).to_have_count(PAGE_SIZE)


def test_paging_back_and_forth_keeps_badges_live(browser, server):
    page = contacts_page(browser, server)
    ordered = acme_contacts(server)
    page.get_by_role("button", name="Next").first.click()
    second = ordered[PAGE_SIZE + 7][0]
    expect(card(page, second)).to_be_visible()
    assign(server, second)
    expect(card(page, second).get_by_test_id("task-badge")).to_have_text("Agent Working")
    page.get_by_role("button", name="Previous").first.click()
    first = ordered[9][0]
    expect(card(page, first)).to_be_visible()
    assign(server, first)
    expect(card(page, first).get_by_test_id("task-badge")).to_have_text("Agent Working")
    expect(page.get_by_test_id("contact-card")).to_have_count(PAGE_SIZE)


def test_the_badge_filter_shows_only_failed_contacts_and_counts_them(browser, server):
    page = contacts_page(browser, server)
    page.get_by_label("Badge", exact=True).select_option("Failed")
    expect(page.get_by_test_id("task-badge").first).to_have_text("Failed")
    badges = page.get_by_test_id("task-badge").all_inner_texts()
    assert badges and set(badges) == {"Failed"}
    assert total(page) >= len(badges)


def test_an_agents_page_shows_its_newest_tasks_then_more_and_new_ones_live(browser, server):
    page = sign_in(browser, server, "ops@acme.demo", path="/agents")
    page.get_by_role("link", name="Outreach Agent").click()
    rows = page.get_by_test_id("task-row")
    expect(rows).to_have_count(50)
    page.get_by_test_id("show-more-agent-tasks").click()
    expect(rows).to_have_count(100)
    contact_id, _ = acme_contacts(server)[42]
    assign(server, contact_id)
    expect(rows.first).to_have_attribute("data-status", "pending")
    expect(rows).to_have_count(100)
