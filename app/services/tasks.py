"""AI agents' tasks on contacts: assign, claim, start, complete (with a draft), fail, cancel.

People assign and cancel; the worker claims, completes and fails. A claim is a lease: a worker
that dies stops renewing it, and the task is retried (or failed) when the lease runs out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.config import get_settings
from app.db import transaction, write_if_needed
from app.models import AgentTask, AIAgent, AuditAction, Contact, Draft, TaskStatus, id_of, utc_now
from app.rules import work as work_rules
from app.rules.actors import Actor, require_system
from app.rules.errors import Conflict, InvalidInput
from app.rules.text import text_problems
from app.services.audit import write_audit
from app.services.system_status import paused_client_ids_in
from app.views.access import as_row_id, visible_row

INSTRUCTIONS_MAX_LENGTH = 2000  # a paragraph of guidance; the agent's own prompt holds the rest
# A worker renews its claim well within the lease (BEACON_CLAIM_LEASE_SECONDS, default 30 s);
# a claim older than that means the worker is gone.
def claim_lease_seconds() -> float:
    return get_settings().claim_lease_seconds


# Tries before a task whose workers keep dying is failed instead of retried.
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class ClaimedTask:
    id: int
    client_id: int
    kind: str
    instructions: str
    attempts: int
    contact_id: int
    contact_name: str
    contact_company: str
    agent_id: int
    agent_name: str


def _task(session: Session, task_id: int | str, actor: Actor | None = None) -> AgentTask:
    """The task, if `actor` may see it (None: the worker); a foreign id is answered as a missing one."""
    return visible_row(session, AgentTask, task_id, actor, "task")


def _move(session: Session, actor: Actor, task: AgentTask, target: TaskStatus, action: AuditAction,
          **details: Any) -> None:
    _require_move(task, target)
    old = {"status": task.status}
    task.status = target
    task.updated_at = utc_now()
    session.add(task)
    write_audit(session, actor, action, "agent_task", task.id, task.client_id, old,
                {"status": target, "contact_id": task.contact_id, "ai_agent_id": task.ai_agent_id, **details})


def assign_task(actor: Actor, contact_id: int | str, ai_agent_id: int | str, instructions: str = "") -> int:
    """A person gives an AI agent a task on a contact; returns the task's id."""
    sent = instructions if isinstance(instructions, str) else ""
    instructions = sent.strip()
    problems = text_problems(multiline={"instructions": sent})
    if len(instructions) > INSTRUCTIONS_MAX_LENGTH:
        problems["instructions"] = f"Keep instructions to {INSTRUCTIONS_MAX_LENGTH} characters."
    if problems:
        raise InvalidInput(problems)
    with transaction() as session:
        contact = visible_row(session, Contact, contact_id, actor, "contact")
        work_rules.require_work_manager(actor, contact.client_id, "direct its agents")
        wanted_agent = as_row_id(ai_agent_id)
        agent = session.get(AIAgent, wanted_agent) if wanted_agent is not None else None
        if agent is None or agent.client_id != contact.client_id:
            raise InvalidInput({"agent": "Choose one of this client's AI agents."})
        if not agent.enabled:
            raise InvalidInput({"agent": f"{agent.name} is disabled."})
        task = AgentTask(client_id=contact.client_id, ai_agent_id=id_of(agent), contact_id=id_of(contact),
                         kind=agent.kind, instructions=instructions, created_by=actor.user_id)
        session.add(task)
        session.flush()
        write_audit(session, actor, AuditAction.TASK_ASSIGN, "agent_task", task.id, task.client_id, None,
                    {"status": task.status, "contact_id": contact.id, "ai_agent_id": agent.id,
                     "contact": contact.name, "agent": agent.name})
        return id_of(task)


def _require_move(task: AgentTask, target: str) -> None:
    if not work_rules.can_move(work_rules.TASK_TRANSITIONS, task.status, target):
        raise Conflict(f"A {task.status} task cannot become {target}.")


def cancel_task(actor: Actor, task_id: int | str) -> None:
    """Refusals (another tenant's task, a finished one) are found in a read session: only a
    cancellation takes the write lock (db.write_if_needed)."""
    def check(session: Session) -> AgentTask:
        task = _task(session, task_id, actor)
        work_rules.require_work_manager(actor, task.client_id, "direct its agents")
        _require_move(task, TaskStatus.CANCELLED)
        return task

    def cancel(session: Session, task: AgentTask) -> None:
        _move(session, actor, task, TaskStatus.CANCELLED, AuditAction.TASK_CANCEL)
        task.finished_at = utc_now()
        task.claimed_by = None

    write_if_needed(check, cancel)


def claim_next_task(worker: Actor, lease_seconds: float | None = None) -> ClaimedTask | None:
    """Take the oldest pending task (or one whose worker's lease ran out) for this worker.

    Tasks of a client in maintenance or inactive wait: its agents take no new work until it is
    active again. Tasks of a disabled AI agent wait too, and run once it is enabled again.

    Two workers never hold one task: on SQLite the write transaction is exclusive from its
    BEGIN; on PostgreSQL the row is locked FOR UPDATE SKIP LOCKED.
    """
    require_system(worker)
    lease_seconds = claim_lease_seconds() if lease_seconds is None else lease_seconds
    now = utc_now()
    with transaction() as session:
        _recover_lost_claims(session, worker, now)
        # The agent's state is read in a subquery, not a join: FOR UPDATE on a join would lock
        # (and SKIP LOCKED skip) the agent row too, so one claim would hide every other task of
        # that agent from the other workers.
        enabled_agents = select(AIAgent.id).where(AIAgent.enabled == True)  # noqa: E712
        query = (
            select(AgentTask)
            .where(AgentTask.status == TaskStatus.PENDING,
                   col(AgentTask.ai_agent_id).in_(enabled_agents))
            .order_by(col(AgentTask.id))
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        paused = paused_client_ids_in(session)
        if paused:
            query = query.where(col(AgentTask.client_id).notin_(paused))
        task = session.exec(query).first()
        if task is None:
            return None
        task.attempts += 1
        task.claimed_by = worker.email
        task.claim_expires_at = now + timedelta(seconds=lease_seconds)
        task.started_at = now
        _move(session, worker, task, TaskStatus.IN_PROGRESS, AuditAction.TASK_START, attempt=task.attempts)
        contact = session.get(Contact, task.contact_id)
        agent = session.get(AIAgent, task.ai_agent_id)
        assert contact is not None and agent is not None  # the task's foreign keys
        return ClaimedTask(
            id=id_of(task), client_id=task.client_id, kind=task.kind, instructions=task.instructions,
            attempts=task.attempts, contact_id=id_of(contact), contact_name=contact.name,
            contact_company=contact.company, agent_id=id_of(agent), agent_name=agent.name,
        )


def _recover_lost_claims(session: Session, worker: Actor, now) -> None:
    """In-progress tasks whose lease ran out: retry them, or fail them after MAX_ATTEMPTS."""
    lost = session.exec(
        select(AgentTask)
        .where(AgentTask.status == TaskStatus.IN_PROGRESS, col(AgentTask.claim_expires_at) < now)
        .with_for_update(skip_locked=True)
    ).all()
    for task in lost:
        lost_by = task.claimed_by
        task.claimed_by = None
        task.claim_expires_at = None
        if work_rules.should_retry(task.attempts, MAX_ATTEMPTS):
            _move(session, worker, task, TaskStatus.PENDING, AuditAction.TASK_RETRY, lost_worker=lost_by)
        else:
            task.error = f"Its worker stopped responding {task.attempts} times."
            task.finished_at = now
            _move(session, worker, task, TaskStatus.FAILED, AuditAction.TASK_FAIL, reason=task.error)


def recover_lost_claims(worker: Actor) -> None:
    require_system(worker)
    with transaction() as session:
        _recover_lost_claims(session, worker, utc_now())


def _held(session: Session, worker: Actor, task_id: int) -> AgentTask:
    task = _task(session, task_id)
    if task.status != TaskStatus.IN_PROGRESS or task.claimed_by != worker.email:
        raise Conflict(f"Task {task_id} is no longer held by {worker.email}.")
    return task


def renew_claim(worker: Actor, task_id: int, lease_seconds: float | None = None) -> None:
    require_system(worker)
    lease_seconds = claim_lease_seconds() if lease_seconds is None else lease_seconds
    with transaction() as session:
        task = _held(session, worker, task_id)
        task.claim_expires_at = utc_now() + timedelta(seconds=lease_seconds)
        session.add(task)


def complete_task(worker: Actor, task_id: int, subject: str, body: str) -> int:
    """Finish a task with its output; an outreach task's output becomes a draft. Returns the draft id."""
    require_system(worker)
    with transaction() as session:
        task = _held(session, worker, task_id)
        task.output = body
        task.finished_at = utc_now()
        task.claimed_by = None
        task.claim_expires_at = None
        _move(session, worker, task, TaskStatus.COMPLETED, AuditAction.TASK_COMPLETE)
        draft = Draft(client_id=task.client_id, task_id=task.id, contact_id=task.contact_id,
                      ai_agent_id=task.ai_agent_id, subject=subject[:200], body=body[:8000])
        session.add(draft)
        session.flush()
        write_audit(session, worker, AuditAction.DRAFT_CREATE, "draft", draft.id, task.client_id, None,
                    {"status": draft.status, "task_id": task.id, "contact_id": task.contact_id,
                     "ai_agent_id": task.ai_agent_id})
        return id_of(draft)


def fail_task(worker: Actor, task_id: int, reason: str) -> None:
    require_system(worker)
    with transaction() as session:
        task = _held(session, worker, task_id)
        task.error = (reason or "failed")[:2000]
        task.finished_at = utc_now()
        task.claimed_by = None
        task.claim_expires_at = None
        _move(session, worker, task, TaskStatus.FAILED, AuditAction.TASK_FAIL, reason=task.error)
