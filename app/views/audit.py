"""The admin's audit log and status history as windows: filters, pages of 50, newest first.

Both read the audit_logs table. Every query is bounded by its window (at most one page of rows)
and walks an index of migration 0004 in id order: (client_id, id) under a client filter,
(action, id) under an action filter, the primary key otherwise. The total is one count.

A window's client filter is a string, so that "any client" and "the platform-wide rows" (client
NULL) are told apart: ANY_CLIENT (""), GLOBAL_CLIENT ("global"), or a client id in decimal.
Dates are whole UTC days (the page shows times in UTC): `since` and `until` are both inclusive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from app.db import Query
from app.models import ALL_CLIENTS_LABEL, AuditAction, AuditLog, id_of
from app.views.contacts import client_names_of

AUDIT_PAGE_SIZE = 50  # rows of the audit log on screen at once
HISTORY_PAGE_SIZE = 50  # rows of the status history on screen at once
ACTOR_MAX_LENGTH = 254  # an actor label is an email (or a worker's name): never longer
CLIENT_FILTER_MAX_LENGTH = 20  # "global" or a client id: a bigint has at most 19 digits

ANY_CLIENT = ""  # rows of every client and the platform-wide ones
GLOBAL_CLIENT = "global"  # only platform-wide rows (client NULL): global status, platform users

# The rows the status history shows: what set or cleared an agent service status.
STATUS_ACTIONS = (AuditAction.SYSTEM_STATUS_PUBLISH, AuditAction.SYSTEM_STATUS_CLEAR_OVERRIDE)
# Every action the services write to the audit log (the Action filter offers these).
AUDIT_ACTIONS = tuple(AuditAction)


def valid_client_filter(value: str) -> bool:
    return value in (ANY_CLIENT, GLOBAL_CLIENT) or (
        len(value) <= CLIENT_FILTER_MAX_LENGTH and value.isascii() and value.isdigit())


def client_matches(client: str, client_id: int | None) -> bool:
    """Whether a row of `client_id` (None: platform-wide) belongs under the client filter."""
    if client == ANY_CLIENT:
        return True
    if client == GLOBAL_CLIENT:
        return client_id is None
    return client_id is not None and str(client_id) == client


def audit_rows_touch(client: str, audit_clients: Iterable[int | None]) -> bool:
    """Whether new audit rows of these clients move a window with this client filter.

    Any page of it: a new row is newest, so it enters page 1 and shifts every later page by one.
    The other filters (action, actor, dates) are not checked: the batch names only the clients.
    """
    return any(client_matches(client, client_id) for client_id in audit_clients)


def _offset(offset: int, page_size: int) -> int:
    offset = max(0, int(offset))
    return offset - offset % page_size


@dataclass(frozen=True)
class AuditWindow:
    """One page of the audit log as an admin filters it. Equal windows are read once per change."""

    action: str = ""  # one of AUDIT_ACTIONS, or "" for every action
    actor: str = ""  # a substring of the actor's label (an email), any case
    client: str = ANY_CLIENT  # ANY_CLIENT, GLOBAL_CLIENT or a client id
    since: date | None = None  # from this UTC day on
    until: date | None = None  # up to and including this UTC day
    offset: int = 0

    def normalized(self) -> AuditWindow:
        return AuditWindow(
            action=self.action if self.action in AUDIT_ACTIONS else "",
            actor=" ".join(self.actor.split())[:ACTOR_MAX_LENGTH],
            client=self.client if valid_client_filter(self.client) else ANY_CLIENT,
            since=self.since,
            until=self.until,
            offset=_offset(self.offset, AUDIT_PAGE_SIZE),
        )


@dataclass(frozen=True)
class StatusHistoryWindow:
    """One page of the status history (publishes and cleared overrides), by client."""

    client: str = ANY_CLIENT
    offset: int = 0

    def normalized(self) -> StatusHistoryWindow:
        return StatusHistoryWindow(client=self.client if valid_client_filter(self.client) else ANY_CLIENT,
                                   offset=_offset(self.offset, HISTORY_PAGE_SIZE))


@dataclass
class AuditRow:
    id: int
    created_at: datetime
    actor: str
    action: str
    target: str
    old: str
    new: str


@dataclass
class AuditPage:
    rows: list[AuditRow] = field(default_factory=list)
    total: int = 0


@dataclass
class HistoryRow:
    id: int
    created_at: datetime
    actor: str
    client_id: int | None
    scope: str  # the client's name, or ALL_CLIENTS_LABEL
    old: str
    new: str
    message: str


@dataclass
class HistoryPage:
    rows: list[HistoryRow] = field(default_factory=list)
    total: int = 0


def _like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _by_client(query: Query, client: str) -> Query:
    if client == GLOBAL_CLIENT:
        return query.where(col(AuditLog.client_id).is_(None))
    if client != ANY_CLIENT:
        return query.where(col(AuditLog.client_id) == int(client))
    return query


def _audit_filtered(query: Query, window: AuditWindow) -> Query:
    query = _by_client(query, window.client)
    if window.action:
        query = query.where(col(AuditLog.action) == window.action)
    if window.actor:
        query = query.where(func.lower(AuditLog.actor_label).like(_like_pattern(window.actor), escape="\\"))
    if window.since is not None:
        query = query.where(col(AuditLog.created_at) >= _start_of(window.since))
    if window.until is not None and window.until < date.max:
        query = query.where(col(AuditLog.created_at) < _start_of(window.until + timedelta(days=1)))
    return query


def compact(value: dict[str, Any] | None) -> str:
    """An audit value as one line: "key=value, ..." without the empty ones."""
    if not value:
        return ""
    return ", ".join(f"{k}={v}" for k, v in value.items() if v not in (None, ""))


def read_audit_page(session: Session, window: AuditWindow) -> AuditPage:
    window = window.normalized()
    total = session.exec(_audit_filtered(select(func.count()).select_from(AuditLog), window)).one()
    rows = session.exec(_audit_filtered(select(AuditLog), window).order_by(col(AuditLog.id).desc())
                        .offset(window.offset).limit(AUDIT_PAGE_SIZE))
    return AuditPage(
        rows=[AuditRow(id=id_of(r), created_at=r.created_at, actor=r.actor_label, action=r.action,
                       target=f"{r.target_type} {r.target_id or ''}".strip(),
                       old=compact(r.old_value), new=compact(r.new_value)) for r in rows],
        total=int(total),
    )


def _history_filtered(query: Query, window: StatusHistoryWindow) -> Query:
    return _by_client(query.where(col(AuditLog.action).in_(STATUS_ACTIONS)), window.client)


def read_status_history_page(session: Session, window: StatusHistoryWindow) -> HistoryPage:
    window = window.normalized()
    total = session.exec(_history_filtered(select(func.count()).select_from(AuditLog), window)).one()
    rows = list(session.exec(_history_filtered(select(AuditLog), window).order_by(col(AuditLog.id).desc())
                             .offset(window.offset).limit(HISTORY_PAGE_SIZE)))
    names = client_names_of(session, {r.client_id for r in rows if r.client_id is not None})
    return HistoryPage(
        rows=[HistoryRow(
            id=id_of(r), created_at=r.created_at, actor=r.actor_label, client_id=r.client_id,
            scope=ALL_CLIENTS_LABEL if r.client_id is None else names.get(r.client_id, "?"),
            old=(r.old_value or {}).get("status") or "(none)",
            new=(r.new_value or {}).get("status") or "(global applies)",
            message=(r.new_value or {}).get("message") or "",
        ) for r in rows],
        total=int(total),
    )

