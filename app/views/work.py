"""The AI agents' work as pages share it: the roster of AI agents, the pending-approvals count and
the notifiable events (every page), the activity feed (dashboard, agent page), the approval lists
(/approvals) and the follow-up lists (/follow-ups). Each is built once per audience per change,
only when some open page follows it, and names only the contacts its own rows mention; contacts
and tasks are windows of their own (views/contacts.py, views/tasks.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from app.models import AIAgent, AuditLog, Client, Contact, Draft, DraftStatus, FollowUp, FollowUpStatus

DRAFTS_SHOWN = 50  # per list (pending, approved, decided)
FOLLOW_UPS_SHOWN = 50  # per list (scheduled, history)
ACTIVITY_SHOWN = 30  # the dashboard's activity feed
EVENTS_SHOWN = 20  # recent notifiable events; a page notifies those newer than it has seen

WORK_ACTIONS = ("task.assign", "task.start", "task.complete", "task.fail", "task.cancel", "task.retry",
                "draft.create", "draft.approve", "draft.reject", "draft.send",
                "follow_up.schedule", "follow_up.execute", "follow_up.cancel")
NOTIFY_ACTIONS = ("task.complete", "task.fail", "draft.create")


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else ""


def _scoped(query, model, client_id: int | None):
    return query if client_id is None else query.where(model.client_id == client_id)


def _activity_text(row: AuditLog, contacts: dict[int, str], agents: dict[int, str]) -> str:
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
    return {"id": str(row.id), "title": title, "body": _activity_text(row, contacts, agents), "url": url,
            "kind": kind, "contact": contact}


def _names(session: Session, model, ids) -> dict[int, str]:
    ids = sorted({i for i in ids if isinstance(i, int)})
    if not ids:
        return {}
    return dict(session.exec(select(model.id, model.name).where(col(model.id).in_(ids))).all())


def _audit_names(session: Session, rows: list[AuditLog]) -> tuple[dict[int, str], dict[int, str]]:
    news = [r.new_value or {} for r in rows]
    return (_names(session, Contact, (n.get("contact_id") for n in news)),
            _names(session, AIAgent, (n.get("ai_agent_id") for n in news)))


def summary_view(session: Session, client_id: int | None) -> dict[str, Any]:
    """What every page of the audience shares: AI agents, pending approvals, notifiable events."""
    ai_agents = list(session.exec(_scoped(select(AIAgent), AIAgent, client_id).order_by(AIAgent.name)))
    pending_count = session.exec(
        _scoped(select(func.count()).select_from(Draft), Draft, client_id).where(Draft.status == DraftStatus.PENDING.value)
    ).one()
    event_rows = list(session.exec(
        _scoped(select(AuditLog), AuditLog, client_id).where(col(AuditLog.action).in_(NOTIFY_ACTIONS))
        .order_by(col(AuditLog.id).desc()).limit(EVENTS_SHOWN)
    ))
    contact_names, agent_names = _audit_names(session, event_rows)
    return {
        "ai_agents": [{"id": str(a.id), "name": a.name, "kind": a.kind, "client_id": str(a.client_id),
                       "enabled": "yes" if a.enabled else "no"} for a in ai_agents],
        "pending_count": int(pending_count),
        "events": [_event(r, contact_names, agent_names) for r in reversed(event_rows)],
    }


def activity_view(session: Session, client_id: int | None) -> dict[str, Any]:
    rows = list(session.exec(
        _scoped(select(AuditLog), AuditLog, client_id).where(col(AuditLog.action).in_(WORK_ACTIONS))
        .order_by(col(AuditLog.id).desc()).limit(ACTIVITY_SHOWN)
    ))
    contact_names, agent_names = _audit_names(session, rows)
    return {"activity": [{"id": str(r.id), "when": _when(r.created_at), "action": r.action,
                          "text": _activity_text(r, contact_names, agent_names),
                          "agent_id": str((r.new_value or {}).get("ai_agent_id") or "")} for r in rows]}


def approvals_view(session: Session, client_id: int | None) -> dict[str, Any]:
    def drafts(*statuses: str) -> list[Draft]:
        return list(session.exec(_scoped(select(Draft), Draft, client_id).where(col(Draft.status).in_(statuses))
                                 .order_by(col(Draft.id).desc()).limit(DRAFTS_SHOWN)))

    lists = {"pending_drafts": drafts(DraftStatus.PENDING.value),
             "approved_drafts": drafts(DraftStatus.APPROVED.value),
             "decided_drafts": drafts(DraftStatus.REJECTED.value, DraftStatus.SENT.value)}
    every = [d for rows in lists.values() for d in rows]
    contact_names = _names(session, Contact, (d.contact_id for d in every))
    agent_names = _names(session, AIAgent, (d.ai_agent_id for d in every))
    client_names = _names(session, Client, (d.client_id for d in every))
    return {name: [{"id": str(d.id), "subject": d.subject, "body": d.body, "status": d.status,
                    "contact": contact_names.get(d.contact_id, ""), "agent": agent_names.get(d.ai_agent_id, ""),
                    "client": client_names.get(d.client_id, ""), "created": _when(d.created_at)} for d in rows]
            for name, rows in lists.items()}


def follow_ups_view(session: Session, client_id: int | None) -> dict[str, Any]:
    def follow_ups(statuses: tuple[str, ...], newest_first: bool) -> list[FollowUp]:
        order = col(FollowUp.id).desc() if newest_first else col(FollowUp.scheduled_for)
        return list(session.exec(_scoped(select(FollowUp), FollowUp, client_id)
                                 .where(col(FollowUp.status).in_(statuses)).order_by(order).limit(FOLLOW_UPS_SHOWN)))

    lists = {"scheduled_follow_ups": follow_ups((FollowUpStatus.SCHEDULED.value,), newest_first=False),
             "follow_up_history": follow_ups((FollowUpStatus.EXECUTED.value, FollowUpStatus.CANCELLED.value), True)}
    every = [f for rows in lists.values() for f in rows]
    contact_names = _names(session, Contact, (f.contact_id for f in every))
    agent_names = _names(session, AIAgent, (f.ai_agent_id for f in every))
    return {name: [{"id": str(f.id), "contact": contact_names.get(f.contact_id, ""), "status": f.status,
                    "agent": agent_names.get(f.ai_agent_id, ""), "when": _when(f.scheduled_for),
                    "done": _when(f.executed_at or f.cancelled_at), "note": f.note} for f in rows]
            for name, rows in lists.items()}
