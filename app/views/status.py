"""The agent service status and system messages as people read them: one client's snapshot, and
the admin lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.config import get_settings
from app.db import read_session
from app.models import ALL_CLIENTS_LABEL, AgentStatus, Client, SystemMessage, as_utc, id_of, utc_now
from app.rules import maintenance as maintenance_rules
from app.rules import status as status_rules
from app.rules.actors import Actor, require_client_access
from app.rules.status import MessageFacts
from app.views.access import client_by_id
from app.views.maintenance import banner_windows_in, effective_statuses_in, next_notice_at

ADMIN_MESSAGE_LIMIT = 200  # the admin list shows the newest; withdrawn ones age out of view


@dataclass(frozen=True)
class SystemSnapshot:
    """What a user of one client (or of none: client_id None) sees of the service now."""

    client_id: int | None
    status: str
    status_scope: str  # "client", "global" or "default"
    shown: MessageFacts | None
    others: list[MessageFacts] = field(default_factory=list)
    next_expiry: datetime | None = None
    # Scheduled maintenance the banner tells of (in progress, or starting within the notice).
    maintenance_notices: list[str] = field(default_factory=list)

    @property
    def banner_visible(self) -> bool:
        return status_rules.banner_visible(self.status, self.shown) or bool(self.maintenance_notices)


def message_facts(row: SystemMessage) -> MessageFacts:
    return MessageFacts(
        id=id_of(row), client_id=row.client_id, type=row.type, message=row.message,
        expires_at=as_utc(row.expires_at), created_at=as_utc(row.created_at),
        is_active=row.is_active,
    )


def status_row(session: Session, client_id: int | None) -> AgentStatus | None:
    scope = col(AgentStatus.client_id)
    query = select(AgentStatus).where(scope.is_(None) if client_id is None else scope == client_id)
    return session.exec(query).first()


def _in_scope(client_id: int | None) -> sa.ColumnElement[bool]:
    """The messages a page of `client_id` may show: its own and the global ones (None: global only)."""
    scope = col(SystemMessage.client_id).is_(None)
    return scope if client_id is None else scope | (col(SystemMessage.client_id) == client_id)


def _in_force(now: datetime) -> sa.ColumnElement[bool]:
    expires_at = col(SystemMessage.expires_at)
    return sa.and_(col(SystemMessage.is_active) == True,  # noqa: E712 - SQL comparison
                   expires_at.is_(None) | (expires_at > now))


def _live_message_rows(session: Session, client_id: int | None, now: datetime) -> list[SystemMessage]:
    return list(session.exec(select(SystemMessage).where(_in_scope(client_id), _in_force(now))))


def system_snapshot_in(session: Session, client_id: int | None, now: datetime | None = None) -> SystemSnapshot:
    now = now or utc_now()
    own = status_row(session, client_id) if client_id is not None else None
    global_row = status_row(session, None)
    explicit = status_rules.effective_status(own.status if own else None, global_row.status if global_row else None)
    windows = banner_windows_in(session, client_id, now)
    status = maintenance_rules.effective_status(own.status if own else None,
                                                global_row.status if global_row else None, windows, client_id)
    scope = "window" if status != explicit else ("client" if own else ("global" if global_row else "default"))
    facts = [message_facts(r) for r in _live_message_rows(session, client_id, now)]
    ordered = status_rules.visible_messages(facts, client_id, now)
    notice_ahead = timedelta(hours=get_settings().maintenance_notice_hours)
    notices = maintenance_rules.notice_windows(windows, client_id, now, notice_ahead)
    return SystemSnapshot(
        client_id=client_id, status=status, status_scope=scope,
        shown=ordered[0] if ordered else None, others=ordered[1:],
        next_expiry=status_rules.next_expiry(facts, now),
        maintenance_notices=[maintenance_rules.notice_text(w) for w in notices],
    )


def system_snapshot(actor: Actor, client_id: int | None) -> SystemSnapshot:
    """The effective status and messages for `client_id`, as the actor may see them."""
    require_client_access(actor, client_id)
    with read_session() as session:
        if client_id is not None:
            client_id = client_by_id(session, client_id).id
        return system_snapshot_in(session, client_id)


def next_message_expiry() -> datetime | None:
    """The next instant any live message expires (the feed wakes pages then)."""
    now = utc_now()
    with read_session() as session:
        query = select(SystemMessage.expires_at).where(
            SystemMessage.is_active == True,  # noqa: E712
            col(SystemMessage.expires_at) > now,
        ).order_by(col(SystemMessage.expires_at)).limit(1)
        return as_utc(session.exec(query).first())


def next_banner_instant() -> datetime | None:
    """The next instant a banner changes by time alone: a message expires, or a scheduled
    maintenance's notice appears (the feed rebuilds the banners then)."""
    now = utc_now()
    expiry = next_message_expiry()
    with read_session() as session:
        notice = next_notice_at(session, now)
    due = [t for t in (expiry, notice) if t is not None]
    return min(due) if due else None


@dataclass(frozen=True)
class StatusRow:
    client_id: int | None
    client_name: str
    status: str
    updated_at: datetime | None
    has_override: bool = False


def status_by_client_in(session: Session) -> list[StatusRow]:
    rows = {r.client_id: r for r in session.exec(select(AgentStatus))}
    global_row = rows.get(None)
    effective = effective_statuses_in(session)  # the explicit rows and the windows in force
    result = [StatusRow(None, ALL_CLIENTS_LABEL, effective[None],
                        as_utc(global_row.updated_at) if global_row else None)]
    for client in session.exec(select(Client).order_by(Client.name)):
        own = rows.get(client.id)
        result.append(StatusRow(
            client.id, client.name,
            effective.get(client.id, status_rules.effective_status(own.status if own else None,
                                                            global_row.status if global_row else None)),
            as_utc(own.updated_at) if own else None,
            own is not None,
        ))
    return result


def admin_messages_in(session: Session) -> list[SystemMessage]:
    query = select(SystemMessage).order_by(col(SystemMessage.id).desc()).limit(ADMIN_MESSAGE_LIMIT)
    return list(session.exec(query))


def list_messages(actor: Actor, client_id: int | None = None, include_inactive: bool = False) -> list[MessageFacts]:
    """Messages for the CLI and API, newest first (at most ADMIN_MESSAGE_LIMIT): a platform admin
    sees all, others their client's and the global ones. Scope and liveness are part of the
    query, so other clients' newer messages never crowd a client's own out of its list."""
    require_client_access(actor, client_id)
    query = select(SystemMessage).order_by(col(SystemMessage.id).desc()).limit(ADMIN_MESSAGE_LIMIT)
    if client_id is not None or not actor.is_platform_admin:
        query = query.where(_in_scope(client_id if client_id is not None else actor.client_id))
    if not include_inactive:
        query = query.where(_in_force(utc_now()))
    with read_session() as session:
        return [message_facts(r) for r in session.exec(query)]
