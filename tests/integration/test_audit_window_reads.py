"""The audit-log and status-history windows read from a real database: filters, totals, pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import col

from app.db import read_session, transaction
from app.models import AuditAction, AuditLog
from app.services.system_status import clear_status_override, publish_system_status
from app.views.audit import (
    AUDIT_PAGE_SIZE,
    GLOBAL_CLIENT,
    AuditWindow,
    StatusHistoryWindow,
    read_audit_page,
    read_status_history_page,
)
from tests.support.factory import count


def _audit(window: AuditWindow):
    with read_session() as session:
        return read_audit_page(session, window)


def _history(window: StatusHistoryWindow):
    with read_session() as session:
        return read_status_history_page(session, window)


def test_pages_of_fifty_newest_first_with_the_total(admin, client_ids):
    for _ in range(AUDIT_PAGE_SIZE + 5):
        publish_system_status(admin, None, "active")
    total = count(AuditLog)
    first = _audit(AuditWindow())
    second = _audit(AuditWindow(offset=AUDIT_PAGE_SIZE))
    assert first.total == second.total == total > AUDIT_PAGE_SIZE
    assert len(first.rows) == AUDIT_PAGE_SIZE
    assert len(second.rows) == min(AUDIT_PAGE_SIZE, total - AUDIT_PAGE_SIZE)
    ids = [r.id for r in first.rows + second.rows]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
    newest = first.rows[0]
    assert newest.action == AuditAction.SYSTEM_STATUS_PUBLISH and newest.actor == "admin@beacon.demo"
    assert newest.target == "agent_status global" and "status=active" in newest.new
    assert isinstance(newest.created_at, datetime)


def test_filters_by_action_actor_client_and_days(admin, client_ids):
    acme = client_ids["Acme"]
    publish_system_status(admin, acme, "maintenance", "Back soon")
    publish_system_status(admin, None, "active")
    clear_status_override(admin, acme)

    published = _audit(AuditWindow(action=AuditAction.SYSTEM_STATUS_PUBLISH))
    assert published.total == count(AuditLog, AuditLog.action == AuditAction.SYSTEM_STATUS_PUBLISH) >= 2
    assert {r.action for r in published.rows} == {AuditAction.SYSTEM_STATUS_PUBLISH}

    mine = _audit(AuditWindow(actor="ADMIN@beacon"))
    assert mine.total == count(AuditLog, AuditLog.actor_label == "admin@beacon.demo")
    assert _audit(AuditWindow(actor="nobody-like-this")).total == 0
    assert _audit(AuditWindow(actor="100%_")).total == 0  # LIKE wildcards are literal

    acme_rows = _audit(AuditWindow(client=str(acme)))
    assert acme_rows.total == count(AuditLog, AuditLog.client_id == acme) >= 2
    platform = _audit(AuditWindow(client=GLOBAL_CLIENT))
    assert platform.total == count(AuditLog, col(AuditLog.client_id).is_(None)) >= 1
    both = _audit(AuditWindow(action=AuditAction.SYSTEM_STATUS_PUBLISH, client=str(acme)))
    assert both.total == 1 and "message=Back soon" in both.rows[0].new

    today = datetime.now(UTC).date()
    assert _audit(AuditWindow(since=today, until=today)).total >= 3
    assert _audit(AuditWindow(until=today - timedelta(days=1))).total == count(AuditLog,
        AuditLog.created_at < datetime.combine(today, datetime.min.time(), tzinfo=UTC))
    assert _audit(AuditWindow(since=today + timedelta(days=1))).total == 0
    assert _audit(AuditWindow(until=date.max)).total == count(AuditLog)  # no overflow at the end of time


def test_status_history_by_client(admin, client_ids):
    acme, globex = client_ids["Acme"], client_ids["Globex"]
    publish_system_status(admin, acme, "inactive", "Down")
    publish_system_status(admin, globex, "maintenance")
    clear_status_override(admin, acme)
    with transaction() as session:  # an audit row of another kind never shows in the history
        session.add(AuditLog(actor_label="x@example.com", action="chat.create", target_type="chat", client_id=acme))

    everything = _history(StatusHistoryWindow())
    status_actions = [AuditAction.SYSTEM_STATUS_PUBLISH, AuditAction.SYSTEM_STATUS_CLEAR_OVERRIDE]
    assert everything.total == count(AuditLog, col(AuditLog.action).in_(status_actions))
    acme_history = _history(StatusHistoryWindow(client=str(acme)))
    assert acme_history.total == 2
    cleared, published = acme_history.rows
    assert (cleared.old, cleared.new, cleared.scope) == ("inactive", "(global applies)", "Acme")
    assert (published.new, published.message, published.client_id) == ("inactive", "Down", acme)
    globals_only = _history(StatusHistoryWindow(client=GLOBAL_CLIENT))
    assert all(r.scope == "All Clients" and r.client_id is None for r in globals_only.rows)
    assert _history(StatusHistoryWindow(client=str(globex))).rows[0].old == "(none)"
