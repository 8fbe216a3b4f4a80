"""Follow-ups: scheduled by people (or by sending a draft), executed by the worker when due.

Executing a follow-up hands the contact to the follow-up agent as a new task.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from app.db import transaction, write_if_needed
from app.models import AgentTask, AIAgent, AIAgentKind, AuditAction, Contact, FollowUp, FollowUpStatus, id_of, utc_now
from app.rules import work as work_rules
from app.rules.actors import Actor, require_system
from app.rules.errors import Conflict, InvalidInput
from app.rules.text import text_problems
from app.services.audit import write_audit
from app.views.access import visible_row

NOTE_MAX_LENGTH = 1000  # what the agent should follow up on, in a few sentences
DUE_BATCH = 50  # follow-ups the worker executes per pass; the rest wait for the next pass


def schedule_follow_up(actor: Actor, contact_id: int | str, scheduled_for: datetime | None, note: str = "") -> int:
    sent = note if isinstance(note, str) else ""
    note = sent.strip()
    problems = text_problems(multiline={"note": sent})
    if scheduled_for is None:
        problems["scheduled_for"] = "Choose when to follow up."
    elif scheduled_for <= utc_now():
        problems["scheduled_for"] = "Choose a time in the future."
    if len(note) > NOTE_MAX_LENGTH:
        problems["note"] = f"Keep the note to {NOTE_MAX_LENGTH} characters."
    if problems:
        raise InvalidInput(problems)
    assert scheduled_for is not None  # a missing time is one of the problems above
    with transaction() as session:
        contact = visible_row(session, Contact, contact_id, actor, "contact")
        work_rules.require_work_manager(actor, contact.client_id, "schedule follow-ups")
        return id_of(add_follow_up(session, actor, contact.client_id, id_of(contact), scheduled_for, note))


def add_follow_up(session: Session, actor: Actor, client_id: int, contact_id: int, scheduled_for: datetime,
                  note: str, draft_id: int | None = None) -> FollowUp:
    """A follow-up with the client's follow-up agent (none enabled: it waits unassigned), audited;
    in the caller's transaction, after the caller checked who may schedule it."""
    agent = session.exec(select(AIAgent).where(
        AIAgent.client_id == client_id, AIAgent.kind == AIAgentKind.FOLLOW_UP,
        AIAgent.enabled == True,  # noqa: E712
    )).first()
    follow_up = FollowUp(client_id=client_id, contact_id=contact_id, ai_agent_id=agent.id if agent else None,
                         draft_id=draft_id, scheduled_for=scheduled_for, note=note[:NOTE_MAX_LENGTH],
                         created_by=actor.user_id)
    session.add(follow_up)
    session.flush()
    write_audit(session, actor, AuditAction.FOLLOW_UP_SCHEDULE, "follow_up", follow_up.id, client_id, None,
                {"status": follow_up.status, "contact_id": contact_id, "scheduled_for": scheduled_for.isoformat()})
    return follow_up


def cancel_follow_up(actor: Actor, follow_up_id: int | str) -> None:
    """Refusals (another tenant's follow-up, a done one) are found in a read session: only a
    cancellation takes the write lock (db.write_if_needed)."""
    def check(session: Session) -> FollowUp:
        follow_up = visible_row(session, FollowUp, follow_up_id, actor, "follow-up")
        work_rules.require_work_manager(actor, follow_up.client_id, "cancel follow-ups")
        _require_move(follow_up, FollowUpStatus.CANCELLED)
        return follow_up

    def cancel(session: Session, follow_up: FollowUp) -> None:
        _move(follow_up, FollowUpStatus.CANCELLED)
        follow_up.cancelled_at = utc_now()
        session.add(follow_up)
        write_audit(session, actor, AuditAction.FOLLOW_UP_CANCEL, "follow_up", follow_up.id, follow_up.client_id,
                    {"status": FollowUpStatus.SCHEDULED}, {"status": follow_up.status})

    write_if_needed(check, cancel)


def _require_move(follow_up: FollowUp, target: FollowUpStatus) -> None:
    if not work_rules.can_move(work_rules.FOLLOW_UP_TRANSITIONS, follow_up.status, target):
        raise Conflict(f"A {follow_up.status} follow-up cannot become {target}.")


def _move(follow_up: FollowUp, target: FollowUpStatus) -> None:
    _require_move(follow_up, target)
    follow_up.status = target


def execute_due_follow_ups(worker: Actor) -> int:
    """The worker's pass: each due follow-up becomes a task for its follow-up agent."""
    require_system(worker)
    now = utc_now()
    executed = 0
    with transaction() as session:
        due = session.exec(
            select(FollowUp)
            .where(FollowUp.status == FollowUpStatus.SCHEDULED, col(FollowUp.scheduled_for) <= now)
            .order_by(col(FollowUp.scheduled_for)).limit(DUE_BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        for follow_up in due:
            _move(follow_up, FollowUpStatus.EXECUTED)
            follow_up.executed_at = now
            session.add(follow_up)
            task_id = None
            if follow_up.ai_agent_id is not None:
                task = AgentTask(client_id=follow_up.client_id, ai_agent_id=follow_up.ai_agent_id,
                                 contact_id=follow_up.contact_id, kind=AIAgentKind.FOLLOW_UP,
                                 instructions=follow_up.note)
                session.add(task)
                session.flush()
                task_id = task.id
            write_audit(session, worker, AuditAction.FOLLOW_UP_EXECUTE, "follow_up", follow_up.id, follow_up.client_id,
                        {"status": FollowUpStatus.SCHEDULED},
                        {"status": follow_up.status, "task_id": task_id, "contact_id": follow_up.contact_id})
            executed += 1
    return executed
