"""Newest-first lists that grow on "Show more": the approval lists, the follow-up lists and the
activity feed. Each is a window (its client, which list, how many rows the page asked for, and for
the activity feed optionally one AI agent), read with one indexed query plus the names its rows
mention, and re-read only when its own kind of row changes in its client."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import Select

from app.db import read_session
from app.models import (
    AIAgent,
    AuditLog,
    Client,
    Contact,
    Draft,
    DraftStatus,
    Entity,
    FollowUp,
    FollowUpStatus,
    id_of,
)
from app.rules.actors import Actor
from app.views.access import visible_row
from app.views.paging import WINDOW_MAX_ROWS, more_allowed
from app.views.work import WORK_ACTIONS, activity_text, name_of, names_of, scoped

LIST_PAGE_SIZE = 50  # rows a list shows at first and adds per "Show more"
ACTIVITY_PAGE_SIZE = 10  # the dashboard's feed: a glance, and a small push per change

PENDING_DRAFTS = "pending_drafts"
APPROVED_DRAFTS = "approved_drafts"
DECIDED_DRAFTS = "decided_drafts"
SCHEDULED_FOLLOW_UPS = "scheduled_follow_ups"
FOLLOW_UP_HISTORY = "follow_up_history"
ACTIVITY = "activity"

DRAFT_LISTS = {PENDING_DRAFTS: (DraftStatus.PENDING,), APPROVED_DRAFTS: (DraftStatus.APPROVED,),
               DECIDED_DRAFTS: (DraftStatus.REJECTED, DraftStatus.SENT)}
FOLLOW_UP_LISTS = {SCHEDULED_FOLLOW_UPS: (FollowUpStatus.SCHEDULED,),
                   FOLLOW_UP_HISTORY: (FollowUpStatus.EXECUTED, FollowUpStatus.CANCELLED)}
# What the activity list follows: audit rows of AI-agent work (WORK_ACTIONS), which the listener
# tells apart from other audit rows (app/feed/resolve.py), so a user created or a status published
# does not re-read every dashboard's activity.
WORK_ACTIVITY = f"{Entity.AUDIT_LOGS}:work"


# A draft in a list shows its opening; the whole body (up to 8,000 characters) is read when the
# person opens it. A list is pushed whole to every open copy on each draft change: 200 previews
# are tens of KB, 200 whole bodies 1.6 MB. An agent's usual draft (a few short paragraphs) fits.
DRAFT_PREVIEW_CHARS = 400


@dataclass
class DraftRow:
    id: int
    subject: str
    preview: str  # the body's first DRAFT_PREVIEW_CHARS characters
    truncated: bool  # the body is longer than its preview
    status: str
    contact: str
    agent: str
    client: str
    created_at: datetime


@dataclass
class FollowUpRow:
    id: int
    contact: str
    agent: str
    status: str
    scheduled_for: datetime
    done_at: datetime | None
    note: str


@dataclass
class ActivityRow:
    id: int
    created_at: datetime
    action: str
    text: str
    agent_id: int


@dataclass(frozen=True)
class ListWindow:
    name: str
    client_id: int | None
    limit: int = 0  # 0: the list's first page
    ai_agent_id: int | None = None  # the activity feed of one agent (its page)

    @property
    def kind(self) -> ListKind:
        return LIST_KINDS[self.name]  # a KeyError here is a list nobody declared

    @property
    def followed_entity(self) -> str:
        return self.kind.follows

    def normalized(self) -> ListWindow:
        limit = self.limit or self.kind.first_page
        return ListWindow(self.name, self.client_id, max(1, min(limit, WINDOW_MAX_ROWS)), self.ai_agent_id)

    def more(self) -> ListWindow:
        return ListWindow(self.name, self.client_id, self.normalized().limit + self.kind.first_page,
                          self.ai_agent_id).normalized()


ListRows = list[DraftRow] | list[FollowUpRow] | list[ActivityRow]


@dataclass
class ListPage:
    rows: ListRows
    has_more: bool  # "Show more" has older rows to show
    older_hidden: bool = False  # older rows exist past WINDOW_MAX_ROWS


def read_list(session: Session, window: ListWindow) -> ListPage:
    window = window.normalized()
    rows = window.kind.read_rows(session, window)
    # One row past the limit is read to know whether "Show more" has anything to show.
    has_more, older_hidden = more_allowed(len(rows), window.limit)
    return ListPage(rows=rows[:window.limit], has_more=has_more, older_hidden=older_hidden)


class _DraftLine(NamedTuple):
    """The columns a draft list reads, in _draft_rows' select order."""

    id: int
    subject: str
    opening: str
    status: str
    contact_id: int
    ai_agent_id: int | None
    client_id: int
    created_at: datetime


def _draft_rows(session: Session, window: ListWindow) -> list[DraftRow]:
    # The body's opening only (one character past the preview tells whether there is more).
    opening = func.substr(Draft.body, 1, DRAFT_PREVIEW_CHARS + 1).label("opening")
    # Select(...) is what sqlmodel's select() builds for several columns; its overloads type four at most.
    columns: Select[*tuple[Any, ...]] = Select(
        col(Draft.id), col(Draft.subject), opening, col(Draft.status), col(Draft.contact_id),
        col(Draft.ai_agent_id), col(Draft.client_id), col(Draft.created_at))
    drafts = [_DraftLine(*row) for row in session.exec(
        scoped(columns, Draft, window.client_id)
        .where(col(Draft.status).in_(DRAFT_LISTS[window.name]))
        .order_by(col(Draft.id).desc()).limit(window.limit + 1))]
    contacts = names_of(session, Contact, (d.contact_id for d in drafts))
    agents = names_of(session, AIAgent, (d.ai_agent_id for d in drafts))
    clients = names_of(session, Client, (d.client_id for d in drafts))
    return [DraftRow(id=d.id, subject=d.subject, preview=d.opening[:DRAFT_PREVIEW_CHARS],
                     truncated=len(d.opening) > DRAFT_PREVIEW_CHARS, status=d.status,
                     contact=contacts.get(d.contact_id, ""), agent=name_of(agents, d.ai_agent_id),
                     client=clients.get(d.client_id, ""), created_at=d.created_at)
            for d in drafts]


@dataclass
class DraftBody:
    id: int
    body: str


def read_draft_body(actor: Actor, draft_id: Any) -> DraftBody:
    """The whole body of one of the caller's client's drafts, read when the person opens it (lists
    carry previews); another client's or a made-up id: not found, alike."""
    with read_session() as session:
        draft = visible_row(session, Draft, draft_id, actor, "draft")
        return DraftBody(id=id_of(draft), body=draft.body)


def _follow_up_rows(session: Session, window: ListWindow) -> list[FollowUpRow]:
    scheduled = window.name == SCHEDULED_FOLLOW_UPS
    order = col(FollowUp.scheduled_for) if scheduled else col(FollowUp.id).desc()
    follow_ups = list(session.exec(scoped(select(FollowUp), FollowUp, window.client_id)
                                   .where(col(FollowUp.status).in_(FOLLOW_UP_LISTS[window.name]))
                                   .order_by(order).limit(window.limit + 1)))
    contacts = names_of(session, Contact, (f.contact_id for f in follow_ups))
    agents = names_of(session, AIAgent, (f.ai_agent_id for f in follow_ups))
    return [FollowUpRow(id=id_of(f), contact=contacts.get(f.contact_id, ""), agent=name_of(agents, f.ai_agent_id),
                        status=f.status, scheduled_for=f.scheduled_for, done_at=f.executed_at or f.cancelled_at,
                        note=f.note)
            for f in follow_ups]


def _activity_rows(session: Session, window: ListWindow) -> list[ActivityRow]:
    query = (scoped(select(AuditLog), AuditLog, window.client_id).where(col(AuditLog.action).in_(WORK_ACTIONS))
             .order_by(col(AuditLog.id).desc()).limit(window.limit + 1))
    if window.ai_agent_id is not None:
        query = query.where(col(AuditLog.new_value)["ai_agent_id"].as_integer() == window.ai_agent_id)
    rows = list(session.exec(query))
    news = [r.new_value or {} for r in rows]
    contacts = names_of(session, Contact, (n.get("contact_id") for n in news))
    agents = names_of(session, AIAgent, (n.get("ai_agent_id") for n in news))
    return [ActivityRow(id=id_of(r), created_at=r.created_at, action=r.action, text=activity_text(r, contacts, agents),
                        agent_id=int((r.new_value or {}).get("ai_agent_id") or 0))
            for r in rows]


@dataclass(frozen=True)
class ListKind:
    """One newest-first list: the rows it reads, whose changes make it stale, its first page."""

    read_rows: Callable[[Session, ListWindow], ListRows]
    follows: str  # an Entity value, or WORK_ACTIVITY
    first_page: int


LIST_KINDS: dict[str, ListKind] = {
    **{name: ListKind(_draft_rows, Entity.DRAFTS, LIST_PAGE_SIZE) for name in DRAFT_LISTS},
    **{name: ListKind(_follow_up_rows, Entity.FOLLOW_UPS, LIST_PAGE_SIZE) for name in FOLLOW_UP_LISTS},
    ACTIVITY: ListKind(_activity_rows, WORK_ACTIVITY, ACTIVITY_PAGE_SIZE),
}
