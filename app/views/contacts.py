"""The /contacts window: one page of a client's contacts (search, badge filter, sort) with badges.

Every query here is bounded by the window (at most CONTACTS_PAGE_SIZE rows) and uses the
composite indexes of migration 0004: contacts (client_id, name), agent_tasks (contact_id, id),
drafts (contact_id, status). The total is one indexed count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from app.db import Query
from app.models import AgentTask, Client, Contact, Draft, DraftStatus, id_column, id_of
from app.rules import work as work_rules

CONTACTS_PAGE_SIZE = 100  # cards on screen at once: a screenful or three, and a small push
SEARCH_MAX_LENGTH = 100  # longer than any name, email or company we store
SORT_BY_NAME = "name"
SORT_NEWEST = "newest"
SORTS = (SORT_BY_NAME, SORT_NEWEST)
NO_BADGE = "none"  # the filter for contacts without a badge
BADGE_FILTERS = ("", work_rules.BADGE_WORKING, work_rules.BADGE_DRAFT_READY, work_rules.BADGE_FAILED, NO_BADGE)


@dataclass
class ContactRow:
    id: int
    name: str
    email: str
    company: str
    client_id: int
    client: str


@dataclass(frozen=True)
class ContactsWindow:
    """What one /contacts page shows: its audience's client (None: every client), search, filter,
    sort and offset. Equal windows are read once per change, whichever pages hold them."""

    client_id: int | None
    search: str = ""
    badge: str = ""
    sort: str = SORT_BY_NAME
    offset: int = 0

    def normalized(self) -> ContactsWindow:
        search = " ".join(self.search.split())[:SEARCH_MAX_LENGTH]
        return ContactsWindow(
            client_id=self.client_id,
            search=search,
            badge=self.badge if self.badge in BADGE_FILTERS else "",
            sort=self.sort if self.sort in SORTS else SORT_BY_NAME,
            offset=max(0, self.offset - self.offset % CONTACTS_PAGE_SIZE),
        )


@dataclass
class ContactsPage:
    window: ContactsWindow
    rows: list[ContactRow] = field(default_factory=list)
    total: int = 0
    # The badges of the shown contacts that have one (id -> badge): kept apart from the rows so a
    # badge that moves is pushed as this small map, never as the whole page of cards.
    badges: dict[int, str] = field(default_factory=dict)

    @property
    def shown_ids(self) -> frozenset[int]:
        return frozenset(r.id for r in self.rows)


@dataclass(frozen=True)
class ContactFacts:
    """What decides whether a contact belongs in a window, without reading the window."""

    id: int
    client_id: int
    name: str
    email: str
    company: str


def matches_search(search: str, facts: ContactFacts) -> bool:
    """The search rule the query applies (case-insensitive substring of name, email or company)."""
    needle = search.lower()
    return not needle or any(needle in value.lower() for value in (facts.name, facts.email, facts.company))


def _like_pattern(search: str) -> str:
    escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _newest_task_status() -> sa.ScalarSelect[Any]:
    newest = (select(AgentTask.status).where(AgentTask.contact_id == Contact.id)
              .order_by(col(AgentTask.id).desc()).limit(1))
    return newest.scalar_subquery()


def _has_pending_draft() -> sa.Exists:
    return sa.exists(select(Draft.id).where(Draft.contact_id == Contact.id,
                                            Draft.status == DraftStatus.PENDING))


def _filtered(query: Query, window: ContactsWindow) -> Query:
    if window.client_id is not None:
        query = query.where(col(Contact.client_id) == window.client_id)
    if window.search:
        pattern = _like_pattern(window.search)
        query = query.where(sa.or_(*(func.lower(column).like(pattern, escape="\\")
                                     for column in (Contact.name, Contact.email, Contact.company))))
    if window.badge:
        badge = work_rules.contact_badge_sql(_newest_task_status(), _has_pending_draft())
        query = query.where(badge == ("" if window.badge == NO_BADGE else window.badge))
    return query


def read_contacts_page(session: Session, window: ContactsWindow, limit: int = CONTACTS_PAGE_SIZE) -> ContactsPage:
    window = window.normalized()
    total = session.exec(_filtered(select(func.count()).select_from(Contact), window)).one()
    order = ((col(Contact.name), col(Contact.id)) if window.sort == SORT_BY_NAME
             else (col(Contact.id).desc(),))
    contacts = list(session.exec(_filtered(select(Contact), window).order_by(*order)
                                 .offset(window.offset).limit(min(limit, CONTACTS_PAGE_SIZE))))
    badges = badges_of(session, [id_of(c) for c in contacts])
    names = client_names_of(session, {c.client_id for c in contacts})
    rows = [ContactRow(id=id_of(c), name=c.name, email=c.email, company=c.company, client_id=c.client_id,
                       client=names.get(c.client_id, "")) for c in contacts]
    return ContactsPage(window=window, rows=rows, total=int(total),
                        badges={cid: badge for cid, badge in badges.items() if badge})


def badges_of(session: Session, contact_ids: Iterable[int]) -> dict[int, str]:
    """Each contact's badge, by the pure rule, from two indexed queries over just these contacts."""
    ids = sorted(set(contact_ids))
    if not ids:
        return {}
    newest_ids = (select(func.max(AgentTask.id)).where(col(AgentTask.contact_id).in_(ids))
                  .group_by(col(AgentTask.contact_id)))
    newest_status = dict(session.exec(
        select(AgentTask.contact_id, AgentTask.status).where(col(AgentTask.id).in_(newest_ids))).all())
    pending = set(session.exec(select(Draft.contact_id).where(
        col(Draft.contact_id).in_(ids), Draft.status == DraftStatus.PENDING)).all())
    return {
        contact_id: work_rules.contact_badge(work_rules.ContactWork(
            newest_task_status=newest_status.get(contact_id), has_pending_draft=contact_id in pending))
        for contact_id in ids
    }


def contact_facts_of(session: Session, contact_ids: Iterable[int]) -> dict[int, ContactFacts]:
    ids = sorted(set(contact_ids))
    if not ids:
        return {}
    rows = session.exec(select(Contact).where(col(Contact.id).in_(ids))).all()
    return {id_of(c): ContactFacts(id=id_of(c), client_id=c.client_id, name=c.name, email=c.email, company=c.company)
            for c in rows}


def read_contact(session: Session, contact_id: int, client_id: int | None) -> ContactRow | None:
    """One contact as a card shows it, if the audience may see it."""
    contact = session.get(Contact, contact_id)
    if contact is None or (client_id is not None and contact.client_id != client_id):
        return None
    client = session.get(Client, contact.client_id)
    return ContactRow(id=id_of(contact), name=contact.name, email=contact.email, company=contact.company,
                      client_id=contact.client_id, client=client.name if client else "")


def find_contact(session: Session, client_id: int | None, text: str) -> ContactFacts | None:
    """The one contact of the client whose email, or else whose name, is `text` (any case)."""
    wanted = text.strip().lower()
    for column in (Contact.email, Contact.name):
        query = select(Contact).where(func.lower(column) == wanted).order_by(col(Contact.id)).limit(2)
        if client_id is not None:
            query = query.where(Contact.client_id == client_id)
        found = list(session.exec(query))
        if len(found) == 1:
            c = found[0]
            return ContactFacts(id=id_of(c), client_id=c.client_id, name=c.name, email=c.email, company=c.company)
        if found:
            return None  # several share that name: the email tells them apart
    return None


def client_names_of(session: Session, client_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(client_ids))
    if not ids:
        return {}
    return dict(session.exec(select(id_column(Client), col(Client.name)).where(col(Client.id).in_(ids))).all())
