"""The admin's audit log and status history as windows: filters, totals, pages of 50, kept live
by the feed when another writer adds audit rows."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from tests.support.browser import LIVE_TIMEOUT_MS, sign_in
from tests.support.database import use_database
from tests.support.server import BeaconServer
from tests.support.waiting import until

PUBLISH = "system_status.publish"
PAGE_SIZE = 50
ADMIN_EMAIL = "admin@beacon.demo"
ADMIN_PASSWORD = "beacon-admin"


def audit_ids(server: BeaconServer, action: str | None = None) -> list[int]:
    """The audit rows' ids, newest first, as the database has them now."""
    from sqlmodel import col, select

    from app.db import read_session
    from app.models import AuditLog

    use_database(server.database_url)
    query = select(AuditLog.id).order_by(col(AuditLog.id).desc())
    if action is not None:
        query = query.where(AuditLog.action == action)
    with read_session() as session:
        return list(session.exec(query))


def publish_from_elsewhere(server: BeaconServer, message: str = "", times: int = 1) -> None:
    """Another writer (this test process, through the one service) publishes the global status."""
    from app.services.auth import actor_for_email
    from app.services.system_status import publish_system_status

    use_database(server.database_url)
    admin = actor_for_email(ADMIN_EMAIL)
    for _ in range(times):
        publish_system_status(admin, None, "active", message)


def at_least_publishes(server: BeaconServer, wanted: int) -> None:
    missing = wanted - len(audit_ids(server, PUBLISH))
    if missing > 0:
        publish_from_elsewhere(server, times=missing)


def open_audit_log(browser, server: BeaconServer) -> Page:
    admin = sign_in(browser, server, ADMIN_EMAIL, ADMIN_PASSWORD, "/admin")
    admin.get_by_role("tab", name="Audit log").click()
    expect(admin.get_by_test_id("audit-total")).to_be_visible()
    return admin


def filter_by_action(admin: Page, action: str) -> None:
    admin.get_by_label("Action", exact=True).select_option(action)


def expect_total_matches(page: Page, testid: str, count_now) -> None:
    """The page's total equals the database's count (which other writers, like the presence
    sweeper, may move meanwhile: both are read again until they agree)."""
    until(lambda: page.get_by_test_id(testid).inner_text() == str(count_now()), LIVE_TIMEOUT_MS / 1000,
          f"{testid} equal to the database's count")


def test_an_admin_filters_the_audit_log_by_action(browser, server):
    admin = open_audit_log(browser, server)
    filter_by_action(admin, PUBLISH)
    publishes = audit_ids(server, PUBLISH)
    expect(admin.get_by_test_id("audit-total")).to_have_text(str(len(publishes)))
    rows = admin.get_by_test_id("audit-row")
    expect(rows).to_have_count(min(PAGE_SIZE, len(publishes)))
    expect(admin.locator(f'[data-testid="audit-row"]:not([data-action="{PUBLISH}"])')).to_have_count(0)
    expect(rows.first).to_have_attribute("data-audit-id", str(publishes[0]))

    # Another action: only its rows (fresh_status cleared overrides and withdrew messages: maybe none).
    filter_by_action(admin, "system_message.withdraw")
    withdrawn = audit_ids(server, "system_message.withdraw")
    expect(admin.get_by_test_id("audit-total")).to_have_text(str(len(withdrawn)))
    expect(admin.locator('[data-testid="audit-row"]:not([data-action="system_message.withdraw"])')).to_have_count(0)

    # An actor that wrote nothing: nothing shown. Back to every action and actor: every row.
    admin.get_by_label("Actor", exact=True).fill("nobody-wrote-this")
    expect(admin.get_by_test_id("audit-total")).to_have_text("0")
    expect(rows).to_have_count(0)
    admin.get_by_label("Actor", exact=True).fill("")
    filter_by_action(admin, "")
    expect_total_matches(admin, "audit-total", lambda: len(audit_ids(server)))

    # A range that ends before it starts is refused next to the field; the window stays as it was.
    admin.get_by_label("From", exact=True).fill("2026-06-10")
    admin.get_by_label("To", exact=True).fill("2026-06-01")
    expect(admin.get_by_test_id("audit-error-until")).to_contain_text("before the start")


def test_a_publish_by_another_writer_appears_live_on_page_one_and_in_the_totals(browser, server):
    admin = open_audit_log(browser, server)
    expect_total_matches(admin, "audit-total", lambda: len(audit_ids(server)))
    note = f"Audit live {uuid.uuid4().hex[:8]}"

    publish_from_elsewhere(server, note)
    first = admin.get_by_test_id("audit-row").first
    expect(first).to_contain_text(note)
    expect(first).to_have_attribute("data-action", PUBLISH)
    expect_total_matches(admin, "audit-total", lambda: len(audit_ids(server)))

    # The status history (System tab) is a window too, kept live by the same rule.
    admin.get_by_role("tab", name="System").click()
    expect(admin.get_by_test_id("history-row").first).to_contain_text(note)
    history_total = len(audit_ids(server, PUBLISH)) + len(audit_ids(server, "system_status.clear_override"))
    expect(admin.get_by_test_id("history-total")).to_have_text(str(history_total))
    second_note = f"History live {uuid.uuid4().hex[:8]}"
    publish_from_elsewhere(server, second_note)
    expect(admin.get_by_test_id("history-row").first).to_contain_text(second_note)
    expect(admin.get_by_test_id("history-total")).to_have_text(str(history_total + 1))


def test_paging_to_page_two_and_back(browser, server):
    at_least_publishes(server, PAGE_SIZE + 3)
    admin = open_audit_log(browser, server)
    filter_by_action(admin, PUBLISH)
    ids = audit_ids(server, PUBLISH)
    total = len(ids)
    showing, rows = admin.get_by_test_id("audit-showing"), admin.get_by_test_id("audit-row")
    expect(showing).to_have_text(f"Showing 1–{PAGE_SIZE} of {total}")
    expect(admin.get_by_test_id("audit-previous")).to_be_disabled()

    admin.get_by_test_id("audit-next").click()
    expect(showing).to_have_text(f"Showing {PAGE_SIZE + 1}–{min(total, 2 * PAGE_SIZE)} of {total}")
    expect(rows.first).to_have_attribute("data-audit-id", str(ids[PAGE_SIZE]))
    expect(rows).to_have_count(min(PAGE_SIZE, total - PAGE_SIZE))

    # Page 2 follows the feed too: a new row on page 1 pushes one row over to page 2.
    publish_from_elsewhere(server)
    expect(admin.get_by_test_id("audit-total")).to_have_text(str(total + 1))
    expect(rows.first).to_have_attribute("data-audit-id", str(ids[PAGE_SIZE - 1]))

    admin.get_by_test_id("audit-previous").click()
    expect(showing).to_have_text(f"Showing 1–{PAGE_SIZE} of {total + 1}")
    expect(rows.first).to_have_attribute("data-audit-id", str(audit_ids(server, PUBLISH)[0]))
    expect(admin.get_by_test_id("audit-previous")).to_be_disabled()

    # The status history pages the same way.
    admin.get_by_role("tab", name="System").click()
    history_showing = admin.get_by_test_id("history-showing")
    expect(history_showing).to_contain_text(f"Showing 1–{PAGE_SIZE} of ")
    admin.get_by_test_id("history-next").click()
    expect(history_showing).to_contain_text(f"Showing {PAGE_SIZE + 1}–")
    admin.get_by_test_id("history-previous").click()
    expect(history_showing).to_contain_text(f"Showing 1–{PAGE_SIZE} of ")
