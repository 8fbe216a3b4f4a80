"""Resolving a batch of changes to the contacts and agents they touched: a few indexed queries per
batch, shared by every open window of every audience."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from app.feed.changes import Change
from app.models import AgentTask, AuditLog, Draft, Entity
from app.views.audit import STATUS_ACTIONS
from app.views.contacts import badges_of, contact_facts_of
from app.views.lists import WORK_ACTIVITY
from app.views.touch import WorkTouched, for_client
from app.views.work import WORK_ACTIONS

# Entities whose changes can move a window (a contact's card, a tasks window, a list, the audit log).
WINDOW_ENTITIES = frozenset({Entity.CONTACTS, Entity.AGENT_TASKS, Entity.DRAFTS, Entity.FOLLOW_UPS, Entity.AUDIT_LOGS})


@dataclass
class ResolvedWork:
    touched: WorkTouched = field(default_factory=WorkTouched)
    contact_client: dict[int, int] = field(default_factory=dict)
    agent_client: dict[int, int] = field(default_factory=dict)
    unresolved_clients: set[int | None] = field(default_factory=set)
    entity_clients: dict[str, set[int | None]] = field(default_factory=dict)

    def for_client(self, client_id: int | None) -> WorkTouched:
        return for_client(self.touched, client_id, self.contact_client, self.agent_client, self.unresolved_clients,
                          self.entity_clients)


def _ids(changes: list[Change], entity: Entity) -> dict[int, int | None]:
    return {int(c.entity_id): c.client_id for c in changes if c.entity == entity and c.entity_id}


def _sort_audit_rows(session: Session, audit_ids: dict[int, int | None], resolved: ResolvedWork) -> None:
    """Which new audit rows are AI-agent work (the activity lists) and which are status changes
    (the status history): one query by primary key. A row already gone (pruned) counts as both."""
    if not audit_ids:
        return
    actions = dict(session.exec(select(AuditLog.id, AuditLog.action).where(col(AuditLog.id).in_(audit_ids))).all())
    for audit_id, client_id in audit_ids.items():
        action = actions.get(audit_id)
        if action is None or action in WORK_ACTIONS:
            resolved.entity_clients.setdefault(WORK_ACTIVITY, set()).add(client_id)
        if action is None or action in STATUS_ACTIONS:
            resolved.touched.status_audit_clients.add(client_id)


def resolve_work(session: Session, changes: list[Change]) -> ResolvedWork:
    resolved = ResolvedWork()
    if not any(c.entity in WINDOW_ENTITIES for c in changes):
        return resolved
    touched = resolved.touched
    for change in changes:
        resolved.entity_clients.setdefault(change.entity, set()).add(change.client_id)
    touched.audit_clients = {c.client_id for c in changes if c.entity == Entity.AUDIT_LOGS}
    _sort_audit_rows(session, _ids(changes, Entity.AUDIT_LOGS), resolved)
    touched.entities = set(resolved.entity_clients)
    contact_ids = _ids(changes, Entity.CONTACTS)
    for contact_id, client_id in contact_ids.items():
        if client_id is not None:
            resolved.contact_client[contact_id] = client_id

    task_ids = _ids(changes, Entity.AGENT_TASKS)
    badge_contacts: set[int] = set()
    if task_ids:
        rows = session.exec(select(AgentTask.id, AgentTask.contact_id, AgentTask.ai_agent_id, AgentTask.client_id)
                            .where(col(AgentTask.id).in_(task_ids))).all()
        for _task_id, contact_id, agent_id, client_id in rows:
            touched.task_contacts.add(contact_id)
            touched.task_agents.add(agent_id)
            resolved.contact_client[contact_id] = client_id
            resolved.agent_client[agent_id] = client_id
            badge_contacts.add(contact_id)
        found = {r[0] for r in rows}
        for task_id, client_id in task_ids.items():
            if task_id not in found:
                touched.unresolved_tasks = True
                resolved.unresolved_clients.add(client_id)
    draft_ids = _ids(changes, Entity.DRAFTS)
    if draft_ids:
        for contact_id, client_id in session.exec(select(Draft.contact_id, Draft.client_id)
                                                  .where(col(Draft.id).in_(draft_ids))).all():
            resolved.contact_client[contact_id] = client_id
            badge_contacts.add(contact_id)

    facts = contact_facts_of(session, set(contact_ids) | badge_contacts)
    touched.contacts = {cid: facts.get(cid) for cid in contact_ids}
    touched.badges = badges_of(session, badge_contacts)
    touched.badge_facts = {cid: facts[cid] for cid in badge_contacts if cid in facts}
    return resolved
