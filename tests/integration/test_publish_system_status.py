"""The one publish operation: authorization, validation, upsert, message, audit, change log."""

from datetime import timedelta

import pytest
from sqlmodel import select

from app.db import read_session
from app.models import AgentStatus, AuditLog, ChangeLogEntry, SystemMessage, utc_now
from app.rules.errors import Forbidden, InvalidInput, NotFound
from app.services.auth import actor_for_email
from app.services.system_status import (
    clear_status_override,
    publish_system_status,
    update_system_message,
    withdraw_system_message,
)
from app.views.status import system_snapshot
from tests.support.factory import count


def test_publishing_for_a_client_sets_its_status_and_message_with_an_audit_row(admin, client_ids):
    acme = client_ids["Acme"]
    result = publish_system_status(admin, acme, "maintenance", "Back at noon", "warning")
    snapshot = system_snapshot(admin, acme)
    assert (snapshot.status, snapshot.status_scope) == ("maintenance", "client")
    assert snapshot.shown.message == "Back at noon" and snapshot.shown.type == "warning"
    with read_session() as session:
        audit = session.exec(select(AuditLog).where(AuditLog.action == "system_status.publish")).one()
    assert audit.actor_id == admin.user_id and audit.client_id == acme
    assert audit.old_value == {"status": None}
    assert audit.new_value["status"] == "maintenance" and audit.new_value["message_id"] == result.message_id


def test_publishing_twice_keeps_one_status_row_per_scope(admin, client_ids):
    publish_system_status(admin, client_ids["Acme"], "maintenance")
    publish_system_status(admin, client_ids["Acme"], "inactive")
    publish_system_status(admin, None, "maintenance")
    publish_system_status(admin, None, "active")
    assert count(AgentStatus) == 2
    assert system_snapshot(admin, client_ids["Acme"]).status == "inactive"


def test_a_global_status_reaches_clients_without_their_own_row(admin, client_ids):
    publish_system_status(admin, None, "inactive")
    publish_system_status(admin, client_ids["Acme"], "active")
    assert system_snapshot(admin, client_ids["Acme"]).status == "active"
    assert system_snapshot(admin, client_ids["Globex"]).status == "inactive"


def test_clearing_a_clients_override_lets_the_global_status_apply(admin, client_ids):
    publish_system_status(admin, None, "maintenance")
    publish_system_status(admin, client_ids["Acme"], "active")
    assert clear_status_override(admin, client_ids["Acme"]) == "active"
    assert system_snapshot(admin, client_ids["Acme"]).status == "maintenance"


def test_every_write_appends_to_the_change_log_in_the_same_transaction(admin, client_ids):
    before = count(ChangeLogEntry)
    publish_system_status(admin, client_ids["Acme"], "maintenance", "Note")
    with read_session() as session:
        rows = session.exec(select(ChangeLogEntry).order_by(ChangeLogEntry.seq)).all()[before:]
    # The status history (status_intervals) opens Acme's maintenance interval in the same transaction.
    assert [r.entity for r in rows] == ["agent_status", "system_messages", "audit_logs", "status_intervals"]
    assert rows[0].client_id == client_ids["Acme"]


@pytest.mark.parametrize("email", ["ops@acme.demo", "sam@acme.demo"])
def test_only_a_platform_admin_may_publish_and_nothing_is_written_otherwise(database, client_ids, email):
    with pytest.raises(Forbidden):
        publish_system_status(actor_for_email(email), client_ids["Acme"], "inactive", "Nope")
    assert count(AgentStatus) == 0 and count(SystemMessage) == 0 and count(AuditLog) == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"status": "broken"}, "status"),
        ({"message": "x" * 501}, "message"),
        ({"message_type": "shout"}, "type"),
        ({"message": "late", "expires_at": "past"}, "expires_at"),
    ],
)
def test_invalid_input_names_the_field_and_writes_nothing(admin, kwargs, field):
    if kwargs.get("expires_at") == "past":
        kwargs["expires_at"] = utc_now() - timedelta(seconds=1)
    arguments = {"status": "maintenance", "message": "ok", "message_type": "info", **kwargs}
    with pytest.raises(InvalidInput) as raised:
        publish_system_status(admin, None, **arguments)
    assert field in raised.value.fields
    assert count(AgentStatus) == 0 and count(SystemMessage) == 0


def test_an_unknown_client_is_not_found(admin):
    with pytest.raises(NotFound):
        publish_system_status(admin, 999, "maintenance")


def test_an_expired_message_is_no_longer_shown(admin, client_ids):
    publish_system_status(admin, None, "active", "Soon gone", "info", utc_now() + timedelta(milliseconds=300))
    assert system_snapshot(admin, None).shown is not None
    from app.db import read_session as rs
    from app.views.status import system_snapshot_in

    with rs() as session:
        later = system_snapshot_in(session, None, now=utc_now() + timedelta(seconds=1))
    assert later.shown is None and later.next_expiry is None


def test_a_withdrawn_message_disappears_and_is_audited(admin, client_ids):
    result = publish_system_status(admin, client_ids["Acme"], "active", "Hello")
    withdraw_system_message(admin, result.message_id)
    assert system_snapshot(admin, client_ids["Acme"]).shown is None
    with read_session() as session:
        assert session.exec(select(AuditLog).where(AuditLog.action == "system_message.withdraw")).one()


def test_editing_a_message_changes_what_users_see(admin, client_ids):
    result = publish_system_status(admin, client_ids["Acme"], "active", "Hello")
    update_system_message(admin, result.message_id, "Hello again", "success", None)
    shown = system_snapshot(admin, client_ids["Acme"]).shown
    assert (shown.message, shown.type) == ("Hello again", "success")


def test_a_client_user_cannot_read_another_clients_status(database, client_ids):
    with pytest.raises(Forbidden):
        system_snapshot(actor_for_email("ops@acme.demo"), client_ids["Globex"])


def test_a_clients_message_list_holds_its_own_messages_however_many_other_clients_published(
        admin, client_ids, monkeypatch):
    from app.views import status as status_view

    monkeypatch.setattr(status_view, "ADMIN_MESSAGE_LIMIT", 3)  # the smallest list that shows it
    publish_system_status(admin, client_ids["Acme"], "active", "Acme's own news")
    for i in range(4):  # newer than Acme's, more than a list holds
        publish_system_status(admin, client_ids["Globex"], "active", f"Globex news {i}")
    acme = actor_for_email("ops@acme.demo")
    assert [m.message for m in status_view.list_messages(acme)] == ["Acme's own news"]
    assert [m.message for m in status_view.list_messages(admin, client_ids["Acme"])] == ["Acme's own news"]
    assert len(status_view.list_messages(admin)) == 3  # a platform admin's list: the newest of all
