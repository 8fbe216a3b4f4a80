"""Probing through the HTTP API and the services, as an attacker with a valid Acme account would:
another tenant's ids and names must be answered exactly as ids and names that do not exist (the
same status, the same JSON body), and absurd input is a 422 naming the field, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, func, select

from app.db import read_session
from app.models import AgentTask, AuditLog, Chat, Draft, FollowUp, HumanAgent, User, utc_now
from app.rules.errors import Forbidden, InvalidInput, ServiceError
from app.services import chats, drafts, follow_ups, presence, system_status, tasks
from app.services.auth import actor_for_email
from tests.support.api import call_api as call
from tests.support.factory import one_of_each

MISSING_ID = 987_654_321
HOSTILE_IDS = ["abc", "1 OR 1=1", "<script>alert(1)</script>", 2**70, -1, 0, "9" * 5000, None, [1], {"id": 1}]


# --- the API ----------------------------------------------------------------------------------


def test_a_foreign_client_and_a_missing_one_get_identical_answers(acme_token, client_ids):
    foreign = call("GET", f"/api/v1/system-status?client={client_ids['Globex']}", acme_token)
    for missing in (MISSING_ID, 2**70, 0):
        answer = call("GET", f"/api/v1/system-status?client={missing}", acme_token)
        assert (answer.status_code, answer.json()) == (foreign.status_code, foreign.json())
    assert foreign.status_code == 403


def test_publishing_for_a_foreign_or_missing_client_gets_identical_answers(acme_token, client_ids):
    answers = [call("POST", "/api/v1/system-status", acme_token, json={"client_id": cid, "status": "inactive"})
               for cid in (client_ids["Globex"], MISSING_ID, client_ids["Acme"])]
    assert len({(a.status_code, a.text) for a in answers}) == 1
    assert answers[0].status_code == 403


def test_a_huge_client_id_is_not_found_for_an_admin_not_a_500(admin_token):
    for path in (f"/api/v1/system-status?client={2**70}", "/api/v1/system-status?client=-5"):
        response = call("GET", path, admin_token)
        assert response.status_code in (404, 422), response.text
    response = call("POST", "/api/v1/system-status", admin_token, json={"client_id": 2**70, "status": "active"})
    assert response.status_code == 404, response.text


@pytest.mark.parametrize("expires_at", [
    "99999999999d", "9999999999999999999999999s", "100000h", "9999-12-31T23:59:59Z", "+999999-01-01",
    "0001-01-01T00:00:00+14:00", "x" * 60_000, "3661d",  # 60 kB: bigger bodies are 413 (test_api_bodies.py)
])
def test_an_absurd_expiry_is_422_with_a_field_error(admin_token, client_ids, expires_at):
    response = call("POST", "/api/v1/system-status", admin_token, json={
        "client_id": client_ids["Acme"], "status": "maintenance", "message": "probe", "expires_at": expires_at})
    assert response.status_code == 422, response.text
    assert "expires_at" in response.json()["error"]["fields"]
    assert len(response.text) < 2000  # the 60 kB value is not echoed back


@pytest.mark.parametrize(("field", "value"), [
    # Just under the 64 KB body cap (over it the body is a 413 unread: test_api_bodies.py).
    ("message", "x" * 60_000), ("status", "x" * 60_000), ("type", "<b>" * 20_000),
    ("client_id", "1; DROP TABLE clients"), ("client_id", 1.5), ("client_id", {"id": 1}), ("message", ["a"]),
])
def test_hostile_fields_are_422_naming_the_field(admin_token, field, value):
    body = {"status": "active", "message": "hello", field: value}
    response = call("POST", "/api/v1/system-status", admin_token, json=body)
    assert response.status_code == 422, response.text[:300]
    assert field in response.json()["error"]["fields"]
    assert len(response.text) < 2000


def test_a_within_ten_years_expiry_is_accepted(admin_token, client_ids):
    response = call("POST", "/api/v1/system-status", admin_token, json={
        "client_id": client_ids["Acme"], "status": "active", "message": "long one", "expires_at": "3650d"})
    assert response.status_code == 200, response.text


# --- the services, with Globex's real ids from an Acme account ----------------------------------


def _globex_rows(client_ids) -> dict[str, int]:
    """One row of each kind in Globex (a chat, a task, a draft, a follow-up, its contact, an agent)."""
    rows = one_of_each("Globex", instructions="probe me", note="later", draft_subject="Globex secret subject")
    with read_session() as session:
        rows["chat"] = session.exec(select(Chat).where(Chat.client_id == client_ids["Globex"])).first().id
    return rows


def _snapshot() -> tuple:
    with read_session() as session:
        return (
            [(t.id, t.status) for t in session.exec(select(AgentTask).order_by(col(AgentTask.id)))],
            [(d.id, d.status) for d in session.exec(select(Draft).order_by(col(Draft.id)))],
            [(f.id, f.status) for f in session.exec(select(FollowUp).order_by(col(FollowUp.id)))],
            [(c.id, c.status, c.human_agent_id) for c in session.exec(select(Chat).order_by(col(Chat.id)))],
            session.exec(select(func.count()).select_from(AuditLog)).one(),
        )


def _answer(operation, *args) -> tuple[str, int, str]:
    try:
        operation(*args)
    except ServiceError as error:
        return type(error).__name__, error.http_status, error.message
    return "ok", 200, ""


OPERATIONS = {
    "task": [lambda a, i: tasks.cancel_task(a, i)],
    "draft": [lambda a, i: drafts.approve_draft(a, i), lambda a, i: drafts.reject_draft(a, i),
              lambda a, i: drafts.mark_draft_sent(a, i)],
    "follow_up": [lambda a, i: follow_ups.cancel_follow_up(a, i)],
    "chat": [lambda a, i: chats.close_chat(a, i), lambda a, i: chats.assign_chat(a, i, 1)],
    "contact": [lambda a, i: tasks.assign_task(a, i, 1, "x"),
                lambda a, i: follow_ups.schedule_follow_up(a, i, utc_now() + timedelta(days=1), "x")],
    "agent": [lambda a, i: presence.presence_history(a, i)],
}


@pytest.mark.parametrize("kind", sorted(OPERATIONS))
def test_every_foreign_id_is_answered_as_a_missing_one_and_nothing_changes(database, client_ids, kind):
    rows = _globex_rows(client_ids)
    before = _snapshot()
    for email in ("ops@acme.demo", "sam@acme.demo"):
        acme = actor_for_email(email)
        for operation in OPERATIONS[kind]:
            foreign = _answer(operation, acme, rows[kind])
            assert foreign[0] in ("NotFound", "Forbidden"), foreign
            for probe in [MISSING_ID, *HOSTILE_IDS]:
                assert _answer(operation, acme, probe) == foreign, (kind, email, repr(probe)[:40])
            assert str(rows[kind]) not in foreign[2]
    assert _snapshot() == before


def test_message_ids_answer_alike_and_non_admins_learn_nothing(database):
    acme = actor_for_email("ops@acme.demo")
    admin = actor_for_email("admin@beacon.demo")
    published = system_status.publish_system_status(admin, None, "active", "hello", "info")
    for operation in (lambda a, i: system_status.withdraw_system_message(a, i),
                      lambda a, i: system_status.update_system_message(a, i, "new", "info", None)):
        assert _answer(operation, acme, published.message_id) == _answer(operation, acme, MISSING_ID)
        assert _answer(operation, acme, MISSING_ID)[0] == "Forbidden"
        assert _answer(operation, admin, MISSING_ID) == _answer(operation, admin, "abc")
    assert _answer(lambda a, i: system_status.clear_status_override(a, i), admin, "x" * 10_000)[0] == "NotFound"


def test_client_names_are_resolved_only_after_the_admin_check(database):
    acme = actor_for_email("ops@acme.demo")
    for name in ("Globex", "Nope", "x" * 100_000):
        with pytest.raises(Forbidden) as raised:
            system_status.client_id_for_scope(acme, name, publishing=True)
        assert raised.value.message == "Only a platform admin may do this."
        with pytest.raises(Forbidden) as raised:  # reading: only their own client's name resolves
            system_status.client_id_for_scope(acme, name)
        assert raised.value.message == "You may only see your own client."
        with pytest.raises(Forbidden) as raised:
            chats.create_chat(acme, name, "hello")
        assert raised.value.message == "You may only see your own client."
    assert system_status.client_id_for_scope(acme, "Acme") == acme.client_id
    admin = actor_for_email("admin@beacon.demo")
    with pytest.raises(InvalidInput) as raised:
        system_status.client_id_for_scope(admin, "x" * 100_000)
    assert len(raised.value.message) < 300


def test_support_staff_close_only_their_own_chats(database):
    ops = actor_for_email("ops@acme.demo")
    sam_user = actor_for_email("sam@acme.demo")
    from app.services.auth import sign_in

    sign_in("sam@acme.demo", "beacon-demo")
    sign_in("kim@acme.demo", "beacon-demo")
    with read_session() as session:
        sam = session.exec(select(HumanAgent).join(User, HumanAgent.user_id == User.id)
                           .where(User.email == "sam@acme.demo")).one()
        kim = session.exec(select(HumanAgent).join(User, HumanAgent.user_id == User.id)
                           .where(User.email == "kim@acme.demo")).one()
    acme_chats = [chats.create_chat(None, "Acme", f"Question {n}") for n in range(3)]
    chats.assign_chat(ops, acme_chats[0], kim.id)
    chats.assign_chat(ops, acme_chats[1], sam.id)
    with pytest.raises(Forbidden):
        chats.close_chat(sam_user, acme_chats[0])  # a colleague's
    with pytest.raises(Forbidden):
        chats.close_chat(sam_user, acme_chats[2])  # nobody's yet
    chats.close_chat(sam_user, acme_chats[1])  # their own
    chats.close_chat(ops, acme_chats[0])  # the client's admin: any of the client's
    with read_session() as session:
        assert session.get(Chat, acme_chats[0]).status == "closed"
        assert session.get(Chat, acme_chats[1]).status == "closed"
        assert session.get(Chat, acme_chats[2]).status != "closed"


def test_plain_users_and_staff_follow_no_chats_view():
    from app.views.live import ADMIN_VIEW, CHATS_VIEW
    from app.views.pages import views_for_page

    for role in ("user", "support_staff"):
        for path in ("/agents", "/", "/admin", "/contacts"):
            assert CHATS_VIEW not in views_for_page(path, "client:1", role)
            assert ADMIN_VIEW not in views_for_page(path, "client:1", role)
    assert CHATS_VIEW in views_for_page("/agents", "client:1", "client_admin")
    assert CHATS_VIEW in views_for_page("/agents", "all", "platform_admin")
    assert CHATS_VIEW not in views_for_page("/", "client:1", "client_admin")  # only where it is shown


def test_the_cli_answers_a_foreign_and_a_made_up_client_name_alike(database):
    from tests.support.cli import beacon, beacon_in_process

    # `status show` as real processes; `status set` through the same entry in this process.
    for run, command in ((beacon, ("status", "show")), (beacon_in_process, ("status", "set", "--status", "inactive"))):
        answers = [run(database, *command, "--as", "ops@acme.demo", "--client", name)
                   for name in ("Globex", "Nope")]
        assert answers[0].returncode != 0
        assert (answers[0].returncode, answers[0].stderr) == (answers[1].returncode, answers[1].stderr)
