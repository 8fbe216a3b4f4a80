"""The AI agents' work against the real database: tasks, drafts and follow-ups through the services."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import func, select

from app.db import read_session
from app.models import AgentTask, AuditLog, ChangeLogEntry, Draft, FollowUp, utc_now
from app.rules.actors import system_actor
from app.rules.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.services import drafts, follow_ups, tasks
from app.services.auth import actor_for_email, create_user
from app.services.system_status import publish_system_status
from tests.support.factory import agent_id, audit_rows, contact_id, count, draft, follow_up, task
from tests.support.waiting import until

WRITTEN_TABLES = (AuditLog, ChangeLogEntry, AgentTask, Draft, FollowUp)
DUE_WAIT_SECONDS = 5  # a follow-up scheduled a moment ahead is due well within this
# Far enough ahead that the scheduling call itself (slow on a loaded machine) still sees the future.
DUE_SOON = timedelta(seconds=1)


@pytest.fixture
def acme_admin(database):
    return actor_for_email("ops@acme.demo")


@pytest.fixture
def worker(database):
    return system_actor("worker:test")


def row_counts() -> dict[str, int]:
    return {table.__tablename__: count(table) for table in WRITTEN_TABLES}


@contextlib.contextmanager
def writes_nothing() -> Iterator[None]:
    """The block adds or removes no row of WRITTEN_TABLES (counted when it ends)."""
    before = row_counts()
    yield
    assert row_counts() == before


def assign_outreach(actor, contact: str = "Ada Byrne", client: str = "Acme", instructions: str = "") -> int:
    return tasks.assign_task(actor, contact_id(contact), agent_id(client, "Outreach Agent"), instructions)


def claimed_task(actor, worker, **assign) -> int:
    task_id = assign_outreach(actor, **assign)
    claimed = tasks.claim_next_task(worker)
    assert claimed is not None and claimed.id == task_id
    return task_id


def completed_draft(actor, worker) -> int:
    task_id = claimed_task(actor, worker)
    return tasks.complete_task(worker, task_id, "Hello", "A short note.")


# Assigning


def test_a_client_admin_assigns_a_pending_task_and_the_audit_records_it(acme_admin, client_ids):
    task_id = assign_outreach(acme_admin, instructions="  Mention the spring offer.  ")
    assigned = task(task_id)
    assert (assigned.status, assigned.kind, assigned.client_id) == ("pending", "outreach", client_ids["Acme"])
    assert assigned.instructions == "Mention the spring offer."
    assert assigned.created_by == acme_admin.user_id and assigned.attempts == 0
    [row] = audit_rows("task.assign", target_id=task_id)
    assert row.actor_id == acme_admin.user_id and row.client_id == client_ids["Acme"]
    assert row.new_value["status"] == "pending" and row.new_value["contact"] == "Ada Byrne"


def test_assigning_a_task_appends_to_the_change_log_through_the_triggers(acme_admin, client_ids):
    task_id = assign_outreach(acme_admin)
    with read_session() as session:
        logged = session.exec(select(ChangeLogEntry).where(
            ChangeLogEntry.entity == "agent_tasks", ChangeLogEntry.entity_id == str(task_id))).all()
    assert [(entry.op, entry.client_id) for entry in logged] == [("insert", client_ids["Acme"])]


def test_support_staff_may_assign_tasks(database):
    task_id = assign_outreach(actor_for_email("sam@acme.demo"))
    assert task(task_id).status == "pending"


def test_a_plain_user_may_not_assign_and_nothing_is_written(database):
    create_user(None, "pat@acme.demo", "Pat", "long-enough-pw", "user", "Acme")
    user = actor_for_email("pat@acme.demo")
    with writes_nothing(), pytest.raises(Forbidden):
        assign_outreach(user)


def test_assigning_on_another_clients_contact_is_answered_as_a_missing_one_and_nothing_is_written(acme_admin):
    with writes_nothing():
        with pytest.raises(NotFound) as foreign:
            tasks.assign_task(acme_admin, contact_id("Eva Schmidt"), agent_id("Globex", "Outreach Agent"))
        with pytest.raises(NotFound) as missing:
            tasks.assign_task(acme_admin, 999_999, agent_id("Acme", "Outreach Agent"))
        assert foreign.value.message == missing.value.message


def test_assigning_another_clients_agent_is_invalid_input_and_nothing_is_written(acme_admin):
    with writes_nothing():
        with pytest.raises(InvalidInput) as raised:
            tasks.assign_task(acme_admin, contact_id("Ada Byrne"), agent_id("Globex", "Outreach Agent"))
        assert "agent" in raised.value.fields


def test_instructions_over_the_limit_are_invalid_input(acme_admin):
    with pytest.raises(InvalidInput) as raised:
        assign_outreach(acme_admin, instructions="x" * (tasks.INSTRUCTIONS_MAX_LENGTH + 1))
    assert "instructions" in raised.value.fields


# Claiming, completing, failing


def test_claiming_moves_the_oldest_pending_task_to_in_progress_for_the_worker(acme_admin, worker):
    first = assign_outreach(acme_admin, contact="Ada Byrne")
    second = assign_outreach(acme_admin, contact="Ben Okafor")
    claimed = tasks.claim_next_task(worker)
    assert (claimed.id, claimed.attempts, claimed.contact_name, claimed.agent_name) == (
        first, 1, "Ada Byrne", "Outreach Agent")
    held = task(first)
    assert (held.status, held.claimed_by, held.attempts) == ("in_progress", "worker:test", 1)
    assert held.claim_expires_at > held.started_at
    assert task(second).status == "pending"
    [start] = audit_rows("task.start", target_id=first)
    assert start.actor_label == "worker:test" and start.old_value == {"status": "pending"}


def test_claiming_with_nothing_pending_returns_none(worker):
    assert tasks.claim_next_task(worker) is None


def test_a_person_may_not_claim_tasks(acme_admin):
    assign_outreach(acme_admin)
    with pytest.raises(Forbidden):
        tasks.claim_next_task(acme_admin)


def test_completing_a_task_creates_a_pending_draft(acme_admin, worker):
    task_id = claimed_task(acme_admin, worker)
    draft_id = tasks.complete_task(worker, task_id, "An idea for Northwind", "Hi Ada, ...")
    done = task(task_id)
    assert (done.status, done.output, done.claimed_by) == ("completed", "Hi Ada, ...", None)
    assert done.finished_at is not None
    created = draft(draft_id)
    assert (created.status, created.task_id, created.contact_id, created.subject) == (
        "pending", task_id, contact_id("Ada Byrne"), "An idea for Northwind")
    assert len(audit_rows("draft.create", target_id=draft_id)) == 1


def test_cancelling_a_completed_task_is_a_conflict_and_writes_nothing(acme_admin, worker):
    task_id = claimed_task(acme_admin, worker)
    tasks.complete_task(worker, task_id, "Hello", "Body")
    with writes_nothing():
        with pytest.raises(Conflict):
            tasks.cancel_task(acme_admin, task_id)
        assert task(task_id).status == "completed"


def test_completing_a_task_held_by_another_worker_is_a_conflict_and_writes_nothing(acme_admin, worker):
    task_id = claimed_task(acme_admin, worker)
    with writes_nothing():
        with pytest.raises(Conflict):
            tasks.complete_task(system_actor("worker:other"), task_id, "Hello", "Body")
        held = task(task_id)
        assert (held.status, held.claimed_by) == ("in_progress", "worker:test")


def test_completing_a_pending_task_is_a_conflict(acme_admin, worker):
    task_id = assign_outreach(acme_admin)
    with pytest.raises(Conflict):
        tasks.complete_task(worker, task_id, "Hello", "Body")
    assert task(task_id).status == "pending"


def test_a_task_cancelled_while_in_progress_cannot_be_completed_by_its_worker(acme_admin, worker):
    task_id = claimed_task(acme_admin, worker)
    tasks.cancel_task(acme_admin, task_id)
    with pytest.raises(Conflict):
        tasks.complete_task(worker, task_id, "Hello", "Body")
    assert task(task_id).status == "cancelled"


def test_failing_a_task_records_the_reason(acme_admin, worker):
    task_id = claimed_task(acme_admin, worker)
    tasks.fail_task(worker, task_id, "The CRM did not answer in time.")
    failed = task(task_id)
    assert (failed.status, failed.error, failed.claimed_by) == ("failed", "The CRM did not answer in time.", None)
    [row] = audit_rows("task.fail", target_id=task_id)
    assert row.new_value["reason"] == "The CRM did not answer in time."


# Paused clients


def test_a_paused_clients_tasks_wait_while_other_clients_tasks_are_claimed(acme_admin, admin, client_ids, worker):
    acme_task = assign_outreach(acme_admin)
    globex_task = assign_outreach(actor_for_email("ops@globex.demo"), contact="Eva Schmidt", client="Globex")
    publish_system_status(admin, client_ids["Acme"], "maintenance")
    assert tasks.claim_next_task(worker).id == globex_task
    assert tasks.claim_next_task(worker) is None
    assert task(acme_task).status == "pending"


def test_a_global_pause_holds_every_clients_tasks(acme_admin, admin, worker):
    assign_outreach(acme_admin)
    publish_system_status(admin, None, "inactive")
    assert tasks.claim_next_task(worker) is None


def test_a_paused_clients_task_is_claimed_once_the_client_is_active_again(acme_admin, admin, client_ids, worker):
    task_id = assign_outreach(acme_admin)
    publish_system_status(admin, client_ids["Acme"], "maintenance")
    assert tasks.claim_next_task(worker) is None
    publish_system_status(admin, client_ids["Acme"], "active")
    assert tasks.claim_next_task(worker).id == task_id


# Lost claims


def test_a_claim_whose_lease_ran_out_is_retried_with_its_attempts_kept(acme_admin, worker):
    task_id = assign_outreach(acme_admin)
    tasks.claim_next_task(worker, lease_seconds=0)
    tasks.recover_lost_claims(system_actor("worker:sweeper"))
    retried = task(task_id)
    assert (retried.status, retried.attempts, retried.claimed_by) == ("pending", 1, None)
    [row] = audit_rows("task.retry", target_id=task_id)
    assert row.new_value["lost_worker"] == "worker:test"


def test_a_retried_task_is_claimed_again_as_its_next_attempt(acme_admin, worker):
    task_id = assign_outreach(acme_admin)
    tasks.claim_next_task(worker, lease_seconds=0)
    again = tasks.claim_next_task(system_actor("worker:second"))
    assert (again.id, again.attempts) == (task_id, 2)
    assert task(task_id).claimed_by == "worker:second"


def test_the_worker_that_lost_its_claim_can_no_longer_complete_the_task(acme_admin, worker):
    task_id = assign_outreach(acme_admin)
    tasks.claim_next_task(worker, lease_seconds=0)
    second = system_actor("worker:second")
    tasks.claim_next_task(second)
    with pytest.raises(Conflict):
        tasks.complete_task(worker, task_id, "Late", "Too late")
    tasks.complete_task(second, task_id, "Hello", "Body")
    with read_session() as session:
        assert session.exec(select(func.count()).select_from(Draft).where(Draft.task_id == task_id)).one() == 1


def test_a_renewed_claim_is_not_recovered(acme_admin, worker):
    task_id = assign_outreach(acme_admin)
    tasks.claim_next_task(worker, lease_seconds=0)
    tasks.renew_claim(worker, task_id, lease_seconds=60)
    tasks.recover_lost_claims(system_actor("worker:sweeper"))
    held = task(task_id)
    assert (held.status, held.claimed_by, held.attempts) == ("in_progress", "worker:test", 1)


def test_a_task_whose_claims_are_lost_max_attempts_times_is_failed(acme_admin, worker):
    task_id = assign_outreach(acme_admin)
    for attempt in range(1, tasks.MAX_ATTEMPTS + 1):
        assert tasks.claim_next_task(worker, lease_seconds=0).attempts == attempt
    tasks.recover_lost_claims(worker)
    failed = task(task_id)
    assert (failed.status, failed.attempts, failed.claimed_by) == ("failed", tasks.MAX_ATTEMPTS, None)
    assert str(tasks.MAX_ATTEMPTS) in failed.error and failed.finished_at is not None
    assert len(audit_rows("task.retry", target_id=task_id)) == tasks.MAX_ATTEMPTS - 1
    assert tasks.claim_next_task(worker) is None


# Drafts


def test_approving_a_pending_draft_records_who_decided(acme_admin, worker):
    draft_id = completed_draft(acme_admin, worker)
    drafts.approve_draft(acme_admin, draft_id)
    approved = draft(draft_id)
    assert (approved.status, approved.decided_by) == ("approved", acme_admin.user_id)
    assert approved.decided_at is not None
    [row] = audit_rows("draft.approve", target_id=draft_id)
    assert row.old_value == {"status": "pending"} and row.new_value["status"] == "approved"


def test_approving_a_draft_twice_is_a_conflict_and_writes_nothing(acme_admin, worker):
    draft_id = completed_draft(acme_admin, worker)
    drafts.approve_draft(acme_admin, draft_id)
    with writes_nothing(), pytest.raises(Conflict):
        drafts.approve_draft(acme_admin, draft_id)


def test_a_rejected_draft_cannot_be_approved(acme_admin, worker):
    draft_id = completed_draft(acme_admin, worker)
    drafts.reject_draft(acme_admin, draft_id)
    with pytest.raises(Conflict):
        drafts.approve_draft(acme_admin, draft_id)
    assert draft(draft_id).status == "rejected"


def test_a_pending_draft_cannot_be_marked_sent(acme_admin, worker):
    draft_id = completed_draft(acme_admin, worker)
    with writes_nothing():
        with pytest.raises(Conflict):
            drafts.mark_draft_sent(acme_admin, draft_id)
        assert draft(draft_id).status == "pending"


def test_marking_an_approved_draft_sent_schedules_a_follow_up_for_the_follow_up_agent(acme_admin, worker):
    draft_id = completed_draft(acme_admin, worker)
    drafts.approve_draft(acme_admin, draft_id)
    drafts.mark_draft_sent(acme_admin, draft_id)
    sent = draft(draft_id)
    assert sent.status == "sent" and sent.sent_at is not None
    with read_session() as session:
        [scheduled] = session.exec(select(FollowUp).where(FollowUp.draft_id == draft_id)).all()
    assert scheduled.status == "scheduled"
    assert scheduled.ai_agent_id == agent_id("Acme", "Follow-up Agent")
    assert scheduled.contact_id == contact_id("Ada Byrne")
    assert scheduled.scheduled_for == sent.sent_at + drafts.FOLLOW_UP_AFTER_SENT
    assert len(audit_rows("follow_up.schedule", target_id=scheduled.id)) == 1


def test_a_sent_draft_cannot_be_sent_again(acme_admin, worker):
    draft_id = completed_draft(acme_admin, worker)
    drafts.approve_draft(acme_admin, draft_id)
    drafts.mark_draft_sent(acme_admin, draft_id)
    with pytest.raises(Conflict):
        drafts.mark_draft_sent(acme_admin, draft_id)
    with read_session() as session:
        assert session.exec(select(func.count()).select_from(FollowUp)).one() == 1


def test_another_clients_admin_may_not_decide_on_a_draft(acme_admin, worker):
    draft_id = completed_draft(acme_admin, worker)
    with pytest.raises(NotFound):  # answered as a missing draft: its id tells Globex nothing
        drafts.approve_draft(actor_for_email("ops@globex.demo"), draft_id)
    assert draft(draft_id).status == "pending"


def test_a_plain_user_may_not_decide_on_a_draft(acme_admin, worker):
    draft_id = completed_draft(acme_admin, worker)
    create_user(None, "pat@acme.demo", "Pat", "long-enough-pw", "user", "Acme")
    with pytest.raises(Forbidden):
        drafts.reject_draft(actor_for_email("pat@acme.demo"), draft_id)
    assert draft(draft_id).status == "pending"


# Follow-ups


def test_a_follow_up_in_the_past_is_invalid_input_and_nothing_is_written(acme_admin):
    with writes_nothing():
        with pytest.raises(InvalidInput) as raised:
            follow_ups.schedule_follow_up(acme_admin, contact_id("Ada Byrne"), utc_now() - timedelta(minutes=1))
        assert "scheduled_for" in raised.value.fields


def test_a_follow_up_without_a_time_is_invalid_input(acme_admin):
    with pytest.raises(InvalidInput) as raised:
        follow_ups.schedule_follow_up(acme_admin, contact_id("Ada Byrne"), None)
    assert "scheduled_for" in raised.value.fields


def test_scheduling_a_follow_up_assigns_the_clients_follow_up_agent(acme_admin):
    when = utc_now() + timedelta(days=2)
    follow_up_id = follow_ups.schedule_follow_up(acme_admin, contact_id("Ben Okafor"), when, " Ask about Q3. ")
    scheduled = follow_up(follow_up_id)
    assert (scheduled.status, scheduled.note, scheduled.scheduled_for) == ("scheduled", "Ask about Q3.", when)
    assert scheduled.ai_agent_id == agent_id("Acme", "Follow-up Agent")
    assert len(audit_rows("follow_up.schedule", target_id=follow_up_id)) == 1


def test_a_follow_up_on_another_clients_contact_is_answered_as_a_missing_one(acme_admin):
    with pytest.raises(NotFound):
        follow_ups.schedule_follow_up(acme_admin, contact_id("Eva Schmidt"), utc_now() + timedelta(days=1))


def test_cancelling_a_scheduled_follow_up(acme_admin):
    follow_up_id = follow_ups.schedule_follow_up(acme_admin, contact_id("Ada Byrne"), utc_now() + timedelta(days=1))
    follow_ups.cancel_follow_up(acme_admin, follow_up_id)
    cancelled = follow_up(follow_up_id)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None
    assert len(audit_rows("follow_up.cancel", target_id=follow_up_id)) == 1


def test_cancelling_a_follow_up_twice_is_a_conflict(acme_admin):
    follow_up_id = follow_ups.schedule_follow_up(acme_admin, contact_id("Ada Byrne"), utc_now() + timedelta(days=1))
    follow_ups.cancel_follow_up(acme_admin, follow_up_id)
    with pytest.raises(Conflict):
        follow_ups.cancel_follow_up(acme_admin, follow_up_id)


def test_a_follow_up_not_yet_due_is_left_alone(acme_admin, worker):
    follow_up_id = follow_ups.schedule_follow_up(acme_admin, contact_id("Ada Byrne"), utc_now() + timedelta(hours=1))
    assert follow_ups.execute_due_follow_ups(worker) == 0
    assert follow_up(follow_up_id).status == "scheduled"


def test_a_due_follow_up_becomes_a_pending_follow_up_task(acme_admin, worker):
    when = utc_now() + DUE_SOON
    follow_up_id = follow_ups.schedule_follow_up(acme_admin, contact_id("Chloe Martin"), when, "Ask about Q3.")
    until(lambda: utc_now() > when, DUE_WAIT_SECONDS)
    assert follow_ups.execute_due_follow_ups(worker) == 1
    executed = follow_up(follow_up_id)
    assert executed.status == "executed" and executed.executed_at is not None
    [row] = audit_rows("follow_up.execute", target_id=follow_up_id)
    created = task(row.new_value["task_id"])
    assert (created.status, created.kind, created.instructions) == ("pending", "follow_up", "Ask about Q3.")
    assert created.ai_agent_id == agent_id("Acme", "Follow-up Agent")
    assert created.contact_id == contact_id("Chloe Martin")
    assert follow_ups.execute_due_follow_ups(worker) == 0


def test_a_cancelled_follow_up_is_never_executed(acme_admin, worker):
    when = utc_now() + DUE_SOON
    follow_up_id = follow_ups.schedule_follow_up(acme_admin, contact_id("Ada Byrne"), when)
    follow_ups.cancel_follow_up(acme_admin, follow_up_id)
    until(lambda: utc_now() > when, DUE_WAIT_SECONDS)
    assert follow_ups.execute_due_follow_ups(worker) == 0
    with read_session() as session:
        assert session.exec(select(func.count()).select_from(AgentTask)).one() == 0


def test_a_person_may_not_execute_follow_ups(acme_admin):
    with pytest.raises(Forbidden):
        follow_ups.execute_due_follow_ups(acme_admin)
