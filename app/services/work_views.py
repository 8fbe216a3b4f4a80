"""The AI agents' work as open pages show it: contacts with badges, tasks, drafts, follow-ups,
the activity feed and the events that notify people. Built once per audience per change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from app.models import AgentTask, AIAgent, AuditLog, Client, Contact, Draft, DraftStatus, FollowUp, FollowUpStatus
from app.services import work_rules
from app.services.tasks import tasks_in

TASKS_SHOWN = 200  # newest tasks of the tenant: enough for every contact's modal and agent page
DRAFTS_SHOWN = 50  # per list (pending, approved, decided)
FOLLOW_UPS_SHOWN = 50  # per list (scheduled, history)
ACTIVITY_SHOWN = 30  # the dashboard's activity feed
EVENTS_SHOWN = 20  # recent notifiable events; a page notifies those newer than it has seen

WORK_ACTIONS = ("task.assign", "task.start", "task.complete", "task.fail", "task.cancel", "task.retry",
                "draft.create", "draft.approve", "draft.reject", "draft.send",
                "follow_up.schedule", "follow_up.execute", "follow_up.cancel")
NOTIFY_ACTIONS = ("task.complete", "task.fail", "draft.create")

TASK_STATUS_LABELS = {"pending": "Pending", "in_progress": "In progress", "completed": "Completed",
                      "failed": "Failed", "cancelled": "Cancelled"}


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


def work_view(session: Session, client_id: int | None) -> dict[str, Any]:
    client_names = {c.id: c.name for c in session.exec(select(Client))}
    contacts = list(session.exec(_scoped(select(Contact), Contact, client_id).order_by(Contact.name)))
    contact_names = {c.id: c.name for c in contacts}
    ai_agents = list(session.exec(_scoped(select(AIAgent), AIAgent, client_id).order_by(AIAgent.name)))
    agent_names = {a.id: a.name for a in ai_agents}

    # Each contact's newest task decides its badge (the max id per contact, then that row's status).
    newest_ids = _scoped(select(func.max(AgentTask.id)), AgentTask, client_id).group_by(AgentTask.contact_id)
    newest_status = {
        task.contact_id: task.status
        for task in session.exec(select(AgentTask).where(col(AgentTask.id).in_(newest_ids)))
    }
    pending_by_contact = set(session.exec(
        _scoped(select(Draft.contact_id), Draft, client_id).where(Draft.status == DraftStatus.PENDING.value)
    ).all())

    contact_rows = []
    for c in contacts:
        badge = work_rules.contact_badge(work_rules.ContactWork(
            newest_task_status=newest_status.get(c.id), has_pending_draft=c.id in pending_by_contact))
        contact_rows.append({"id": str(c.id), "name": c.name, "email": c.email, "company": c.company,
                             "client": client_names.get(c.client_id, ""), "client_id": str(c.client_id),
                             "badge": badge})

    tasks = [
        {"id": str(t.id), "status": t.status, "status_label": TASK_STATUS_LABELS.get(t.status, t.status),
         "kind": t.kind, "agent": t.agent_name, "contact_id": str(t.contact_id), "contact": t.contact_name,
         "created": _when(t.created_at), "finished": _when(t.finished_at), "error": t.error or "",
         "attempts": str(t.attempts), "agent_id": str(t.agent_id)}
        for t in tasks_in(session, client_id, TASKS_SHOWN)
    ]

    def drafts(*statuses: str) -> list[dict[str, str]]:
        query = (_scoped(select(Draft), Draft, client_id).where(col(Draft.status).in_(statuses))
                 .order_by(col(Draft.id).desc()).limit(DRAFTS_SHOWN))
        return [{"id": str(d.id), "subject": d.subject, "body": d.body, "status": d.status,
                 "contact": contact_names.get(d.contact_id, ""), "agent": agent_names.get(d.ai_agent_id, ""),
                 "client": client_names.get(d.client_id, ""), "created": _when(d.created_at)}
                for d in session.exec(query)]

    pending_count = session.exec(
        _scoped(select(func.count()).select_from(Draft), Draft, client_id).where(Draft.status == DraftStatus.PENDING.value)
    ).one()

    def follow_ups(statuses: tuple[str, ...], newest_first: bool) -> list[dict[str, str]]:
        order = col(FollowUp.id).desc() if newest_first else col(FollowUp.scheduled_for)
        query = (_scoped(select(FollowUp), FollowUp, client_id).where(col(FollowUp.status).in_(statuses))
                 .order_by(order).limit(FOLLOW_UPS_SHOWN))
        return [{"id": str(f.id), "contact": contact_names.get(f.contact_id, ""), "status": f.status,
                 "agent": agent_names.get(f.ai_agent_id, ""), "when": _when(f.scheduled_for),
                 "done": _when(f.executed_at or f.cancelled_at), "note": f.note}
                for f in session.exec(query)]

    activity_rows = list(session.exec(
        _scoped(select(AuditLog), AuditLog, client_id).where(col(AuditLog.action).in_(WORK_ACTIONS))
        .order_by(col(AuditLog.id).desc()).limit(ACTIVITY_SHOWN)
    ))
    activity = [{"id": str(r.id), "when": _when(r.created_at), "action": r.action,
                 "text": _activity_text(r, contact_names, agent_names),
                 "agent_id": str((r.new_value or {}).get("ai_agent_id") or "")} for r in activity_rows]
    event_rows = list(session.exec(
        _scoped(select(AuditLog), AuditLog, client_id).where(col(AuditLog.action).in_(NOTIFY_ACTIONS))
        .order_by(col(AuditLog.id).desc()).limit(EVENTS_SHOWN)
    ))
    return {
        "contacts": contact_rows,
        "ai_agents": [{"id": str(a.id), "name": a.name, "kind": a.kind, "client_id": str(a.client_id),
                       "enabled": "yes" if a.enabled else "no"} for a in ai_agents],
        "tasks": tasks,
        "pending_drafts": drafts(DraftStatus.PENDING.value),
        "approved_drafts": drafts(DraftStatus.APPROVED.value),
        "decided_drafts": drafts(DraftStatus.REJECTED.value, DraftStatus.SENT.value),
        "pending_count": int(pending_count),
        "scheduled_follow_ups": follow_ups((FollowUpStatus.SCHEDULED.value,), newest_first=False),
        "follow_up_history": follow_ups((FollowUpStatus.EXECUTED.value, FollowUpStatus.CANCELLED.value), True),
        "activity": activity,
        "events": [_event(r, contact_names, agent_names) for r in reversed(event_rows)],
    }
