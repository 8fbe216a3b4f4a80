"""The AI agents' work as every page of an audience shares it: the roster of AI agents, the
pending-approvals count and the notifiable events, built once per audience per change; and the
wording of activity rows. Lists and contacts are windows (views/lists.py, contacts.py, tasks.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, select

from app.models import AIAgent, AuditLog, Contact, Draft, DraftStatus

EVENTS_SHOWN = 20  # recent notifiable events; a page notifies those newer than it has seen

WORK_ACTIONS = ("task.assign", "task.start", "task.complete", "task.fail", "task.cancel", "task.retry",
                "draft.create", "draft.approve", "draft.reject", "draft.send",
                "follow_up.schedule", "follow_up.execute", "follow_up.cancel")
NOTIFY_ACTIONS = ("task.complete", "task.fail", "draft.create")


def scoped(query, model, client_id: int | None):
    return query if client_id is None else query.where(model.client_id == client_id)


def activity_text(row: AuditLog, contacts: dict[int, str], agents: dict[int, str]) -> str:
    new = row.new_value or {}
    contact = contacts.get(new.get("contact_id"), "a contact")
    agent = agents.get(new.get("ai_agent_id"), "An agent")
    who = row.actor_label
    return {
        "task.assign": f"{who} asked {agent} to work on {contact}",
        "task.start": f"{agent} started working on {contact}",
        "task.complete": f"{agent} finished its task on {contact}",
        "task.fail": f"{agent} failed on {contact}: {new.get('reason', '')}",
        "task.cancel": f"{who} cancelled {agent}'s task on {contact}",
        "task.retry": f"{agent}'s task on {contact} will be retried",
        "draft.create": f"A draft for {contact} is ready for approval",
        "draft.approve": f"{who} approved the draft for {contact}",
        "draft.reject": f"{who} rejected the draft for {contact}",
        "draft.send": f"{who} marked the draft for {contact} as sent",
        "follow_up.schedule": f"A follow-up with {contact} was scheduled",
        "follow_up.execute": f"The follow-up with {contact} is under way",
        "follow_up.cancel": f"{who} cancelled the follow-up with {contact}",
    }.get(row.action, row.action)


def _event(row: AuditLog, contacts: dict[int, str], agents: dict[int, str]) -> dict[str, str]:
    new = row.new_value or {}
    contact = contacts.get(new.get("contact_id"), "a contact")
    if row.action == "draft.create":
        title, url, kind = "Draft ready", "/approvals", "draft"
    elif row.action == "task.fail":
        title, url, kind = "Task failed", "/contacts", "failed"
    else:
        title, url, kind = "Task completed", "/contacts", "completed"
    return {"id": str(row.id), "title": title, "body": activity_text(row, contacts, agents), "url": url,
            "kind": kind, "contact": contact}


def names_of(session: Session, model, ids) -> dict[int, str]:
    ids = sorted({i for i in ids if isinstance(i, int)})
    if not ids:
        return {}
    return dict(session.exec(select(model.id, model.name).where(col(model.id).in_(ids))).all())


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


def summary_view(session: Session, client_id: int | None) -> dict[str, Any]:
    """What every page of the audience shares: AI agents, pending approvals, notifiable events."""
    ai_agents = list(session.exec(scoped(select(AIAgent), AIAgent, client_id).order_by(AIAgent.name)))
    pending_count = session.exec(
        scoped(select(func.count()).select_from(Draft), Draft, client_id).where(Draft.status == DraftStatus.PENDING.value)
    ).one()
    event_rows = list(session.exec(
        scoped(select(AuditLog), AuditLog, client_id).where(col(AuditLog.action).in_(NOTIFY_ACTIONS))
        .order_by(col(AuditLog.id).desc()).limit(EVENTS_SHOWN)
    ))
    contact_names, agent_names = _auditnames_of(session, event_rows)
    return {
        "ai_agents": [AIAgentLine(id=a.id, name=a.name, kind=a.kind, client_id=a.client_id, enabled=a.enabled)
                      for a in ai_agents],
        "pending_count": int(pending_count),
        "events": [_event(r, contact_names, agent_names) for r in reversed(event_rows)],
    }
