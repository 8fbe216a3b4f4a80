"""The AI agents' work as every page of an audience shares it: the roster of AI agents, the
pending-approvals count and the notifiable events, built once per audience per change; and the
wording of activity rows. Lists and contacts are windows (views/lists.py, contacts.py, tasks.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, select

from app.db import Query
from app.models import AIAgent, AuditAction, AuditLog, Client, Contact, Draft, DraftStatus, FollowUp, id_column, id_of

EVENTS_SHOWN = 20  # recent notifiable events; a page notifies those newer than it has seen

# The AI agents' work: the audit actions on tasks, drafts and follow-ups (the activity feed's rows).
WORK_ACTIONS = tuple(a for a in AuditAction if a.partition(".")[0] in ("task", "draft", "follow_up"))
NOTIFY_ACTIONS = (AuditAction.TASK_COMPLETE, AuditAction.TASK_FAIL, AuditAction.DRAFT_CREATE)


# The tables a summary or a list filters by client.
Tenanted = AIAgent | AuditLog | Draft | FollowUp
# The tables whose rows a list names.
Named = AIAgent | Client | Contact


def scoped(query: Query, model: type[Tenanted], client_id: int | None) -> Query:
    return query if client_id is None else query.where(col(model.client_id) == client_id)


def name_of(names: Mapping[int, str], value: Any, default: str = "") -> str:
    """The name of the row `value` names by id: none for a null reference, or for anything else than
    an id (an audit row's JSON holds what its writer put there)."""
    return names.get(value, default) if isinstance(value, int) else default


def activity_text(row: AuditLog, contacts: Mapping[int, str], agents: Mapping[int, str]) -> str:
    new = row.new_value or {}
    contact = name_of(contacts, new.get("contact_id"), "a contact")
    agent = name_of(agents, new.get("ai_agent_id"), "An agent")
    who = row.actor_label
    return {
        AuditAction.TASK_ASSIGN: f"{who} asked {agent} to work on {contact}",
        AuditAction.TASK_START: f"{agent} started working on {contact}",
        AuditAction.TASK_COMPLETE: f"{agent} finished its task on {contact}",
        AuditAction.TASK_FAIL: f"{agent} failed on {contact}: {new.get('reason', '')}",
        AuditAction.TASK_CANCEL: f"{who} cancelled {agent}'s task on {contact}",
        AuditAction.TASK_RETRY: f"{agent}'s task on {contact} will be retried",
        AuditAction.DRAFT_CREATE: f"A draft for {contact} is ready for approval",
        AuditAction.DRAFT_APPROVE: f"{who} approved the draft for {contact}",
        AuditAction.DRAFT_REJECT: f"{who} rejected the draft for {contact}",
        AuditAction.DRAFT_SEND: f"{who} marked the draft for {contact} as sent",
        AuditAction.FOLLOW_UP_SCHEDULE: f"A follow-up with {contact} was scheduled",
        AuditAction.FOLLOW_UP_EXECUTE: f"The follow-up with {contact} is under way",
        AuditAction.FOLLOW_UP_CANCEL: f"{who} cancelled the follow-up with {contact}",
    }.get(row.action, row.action)


def _event(row: AuditLog, contacts: Mapping[int, str], agents: Mapping[int, str]) -> NotificationEvent:
    new = row.new_value or {}
    contact = name_of(contacts, new.get("contact_id"), "a contact")
    if row.action == AuditAction.DRAFT_CREATE:
        title, url, kind = "Draft ready", "/approvals", "draft"
    elif row.action == AuditAction.TASK_FAIL:
        title, url, kind = "Task failed", "/contacts", "failed"
    else:
        title, url, kind = "Task completed", "/contacts", "completed"
    return NotificationEvent(id=id_of(row), title=title, body=activity_text(row, contacts, agents), url=url,
                             kind=kind, contact=contact)


def names_of(session: Session, model: type[Named], ids: Iterable[Any]) -> dict[int, str]:
    wanted = sorted({i for i in ids if isinstance(i, int)})
    if not wanted:
        return {}
    return dict(session.exec(select(id_column(model), col(model.name)).where(col(model.id).in_(wanted))).all())


def _auditnames_of(session: Session, rows: list[AuditLog]) -> tuple[dict[int, str], dict[int, str]]:
    news = [r.new_value or {} for r in rows]
    return (names_of(session, Contact, (n.get("contact_id") for n in news)),
            names_of(session, AIAgent, (n.get("ai_agent_id") for n in news)))


@dataclass
class AIAgentLine:
    id: int
    name: str
    kind: str
    client_id: int
    enabled: bool


NO_AI_AGENT = AIAgentLine(id=0, name="", kind="", client_id=0, enabled=False)


@dataclass(frozen=True)
class NotificationEvent:
    """A notifiable event (a task completed or failed, a draft ready): a toast on every page of the
    audience, and one browser notification across a person's tabs (assets/notify.js)."""

    id: int  # the audit row's: a page notifies the events newer than the last it has seen
    title: str
    body: str
    url: str  # where the notification leads
    kind: str  # "completed" | "failed" | "draft"
    contact: str


@dataclass(frozen=True)
class WorkSummary:
    """The AI agents and the pending-approvals count (WorkState)."""

    ai_agents: list[AIAgentLine]
    pending_count: int


@dataclass(frozen=True)
class SummaryView:
    """What every page of the audience shares of the AI agents' work: the summary it shows, and the
    recent notifiable events, oldest first, which it compares with the last it has seen."""

    work: WorkSummary
    events: list[NotificationEvent]


def summary_view(session: Session, client_id: int | None) -> SummaryView:
    """What every page of the audience shares: AI agents, pending approvals, notifiable events."""
    ai_agents = list(session.exec(scoped(select(AIAgent), AIAgent, client_id).order_by(AIAgent.name)))
    pending_count = session.exec(
        scoped(select(func.count()).select_from(Draft), Draft, client_id).where(Draft.status == DraftStatus.PENDING)
    ).one()
    event_rows = list(session.exec(
        scoped(select(AuditLog), AuditLog, client_id).where(col(AuditLog.action).in_(NOTIFY_ACTIONS))
        .order_by(col(AuditLog.id).desc()).limit(EVENTS_SHOWN)
    ))
    contact_names, agent_names = _auditnames_of(session, event_rows)
    return SummaryView(
        work=WorkSummary(
            ai_agents=[AIAgentLine(id=id_of(a), name=a.name, kind=a.kind, client_id=a.client_id, enabled=a.enabled)
                       for a in ai_agents],
            pending_count=int(pending_count),
        ),
        events=[_event(r, contact_names, agent_names) for r in reversed(event_rows)],
    )
