"""Which open windows a batch of changes touches: pure rules, unit-tested without a database.

The listener resolves each change once per batch (a task to its contact and agent, a contact to
its searchable facts, changed contacts to their new badges); these rules then decide, for each
distinct window, whether nothing happened to it, whether a few of its rows only need a new badge
(no query), or whether it must be re-read (one count and one page query, shared by every page
that holds an equal window).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.views.contacts import NO_BADGE, ContactFacts, ContactsWindow, matches_search
from app.views.lists import ListWindow
from app.views.tasks import TasksWindow


@dataclass
class WorkTouched:
    """What one batch did to a client's AI-agent work, resolved to contacts and agents."""

    contacts: dict[int, ContactFacts | None] = field(default_factory=dict)  # row changed (None: gone)
    badges: dict[int, str] = field(default_factory=dict)  # new badge of each contact whose work moved
    badge_facts: dict[int, ContactFacts] = field(default_factory=dict)  # those contacts' facts
    task_contacts: set[int] = field(default_factory=set)
    task_agents: set[int] = field(default_factory=set)
    unresolved_tasks: bool = False  # a task row already gone: its contact and agent are unknown
    audit_clients: set[int | None] = field(default_factory=set)  # clients with new audit rows
    status_audit_clients: set[int | None] = field(default_factory=set)  # ... of published/cleared statuses
    entities: set[str] = field(default_factory=set)  # tables that changed (in the audience's clients)

    def __bool__(self) -> bool:
        return bool(self.contacts or self.badges or self.task_contacts or self.task_agents
                    or self.unresolved_tasks or self.audit_clients or self.entities)


@dataclass(frozen=True)
class Touch:
    reread: bool = False
    badges: dict[int, str] = field(default_factory=dict)  # shown contacts whose badge changed

    @property
    def nothing(self) -> bool:
        return not self.reread and not self.badges


UNTOUCHED = Touch()
REREAD = Touch(reread=True)


def contacts_window_touch(window: ContactsWindow, shown: frozenset[int] | None, work: WorkTouched) -> Touch:
    """How a batch touches one /contacts window showing `shown` (None: not read yet)."""
    if not work:
        return UNTOUCHED
    if shown is None:
        return REREAD if (work.contacts or work.badges) else UNTOUCHED
    for contact_id, facts in work.contacts.items():
        if contact_id in shown or facts is None:
            return REREAD  # a shown card changed (name, order) or a contact left: re-read
        if matches_search(window.search, facts) and window.badge in ("", NO_BADGE):
            return REREAD  # a new or renamed contact now counts in this window, maybe on screen
    if window.badge:
        # Under a badge filter a changed badge moves a contact in or out of the filtered set.
        if any(cid in shown or matches_search(window.search, facts) for cid, facts in work.badge_facts.items()):
            return REREAD
        if any(cid not in work.badge_facts for cid in work.badges):
            return REREAD
        return UNTOUCHED
    changed = {cid: badge for cid, badge in work.badges.items() if cid in shown}
    return Touch(badges=changed) if changed else UNTOUCHED


def tasks_window_touched(window: TasksWindow, work: WorkTouched) -> bool:
    if work.unresolved_tasks:
        return True
    if window.contact_id is not None:
        return window.contact_id in work.task_contacts or window.contact_id in work.contacts
    if window.ai_agent_id is not None:
        return window.ai_agent_id in work.task_agents
    return False


def for_client(work: WorkTouched, client_id: int | None, contact_client: dict[int, int],
               agent_client: dict[int, int], unresolved_clients: set[int | None],
               entity_clients: dict[str, set[int | None]] | None = None) -> WorkTouched:
    """The part of a batch's work one audience may see (client None: a platform admin, every client)."""
    if client_id is None:
        return work
    return WorkTouched(
        contacts={cid: f for cid, f in work.contacts.items() if contact_client.get(cid) == client_id},
        badges={cid: b for cid, b in work.badges.items() if contact_client.get(cid) == client_id},
        badge_facts={cid: f for cid, f in work.badge_facts.items() if contact_client.get(cid) == client_id},
        task_contacts={cid for cid in work.task_contacts if contact_client.get(cid) == client_id},
        task_agents={aid for aid in work.task_agents if agent_client.get(aid) == client_id},
        unresolved_tasks=client_id in unresolved_clients,
        audit_clients=work.audit_clients & {client_id},
        status_audit_clients=work.status_audit_clients & {client_id},
        entities={e for e, clients in (entity_clients or {}).items() if client_id in clients or None in clients},
    )


def list_window_touched(window: ListWindow, work: WorkTouched) -> bool:
    """A list is re-read when its own kind of row changed in its client."""
    return window.followed_entity in work.entities
