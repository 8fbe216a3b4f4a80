"""Scheduled maintenance as people read it: the windows, the effective status they make, the uptime
bars and the message statistics."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.config import get_settings
from app.db import read_session
from app.models import (
    ALL_CLIENTS_LABEL,
    AgentStatus,
    Client,
    MaintenanceState,
    MaintenanceWindow,
    MessageType,
    ServiceStatus,
    StatusInterval,
    SystemMessage,
    as_utc,
    id_of,
    utc_now,
)
from app.rules import maintenance as mr
from app.rules.actors import Actor

# Lists (admin card, API, CLI) show the newest windows: the open ones and recent history.
WINDOW_LIST_LIMIT = 200


@dataclass(frozen=True)
class WindowRow:
    id: int
    client_id: int | None
    client: str  # ALL_CLIENTS_LABEL or the client's name
    starts_at: datetime
    ends_at: datetime
    message: str
    state: str

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "client_id": self.client_id, "client": self.client,
                "starts_at": self.starts_at.isoformat(), "ends_at": self.ends_at.isoformat(),
                "message": self.message, "state": self.state}


def facts(row: MaintenanceWindow) -> mr.WindowFacts:
    return mr.WindowFacts(id=id_of(row), client_id=row.client_id, starts_at=as_utc(row.starts_at),
                          ends_at=as_utc(row.ends_at), state=row.state, message=row.message)


def window_row(window: MaintenanceWindow, names: dict[int, str]) -> WindowRow:
    return WindowRow(id=id_of(window), client_id=window.client_id,
                     client=ALL_CLIENTS_LABEL if window.client_id is None else names.get(window.client_id, "?"),
                     starts_at=as_utc(window.starts_at), ends_at=as_utc(window.ends_at), message=window.message,
                     state=window.state)


def client_names(session: Session) -> dict[int, str]:
    return {id_of(c): c.name for c in session.exec(select(Client))}


def in_progress_windows_in(session: Session) -> list[mr.WindowFacts]:
    query = select(MaintenanceWindow).where(MaintenanceWindow.state == MaintenanceState.IN_PROGRESS)
    return [facts(w) for w in session.exec(query)]


def effective_statuses_in(session: Session) -> dict[int | None, ServiceStatus]:
    """Every scope's effective status now: None (all clients) and each client."""
    explicit = {r.client_id: r.status for r in session.exec(select(AgentStatus))}
    windows = in_progress_windows_in(session)
    global_status = explicit.get(None)
    result: dict[int | None, ServiceStatus] = {None: mr.effective_status(None, global_status, windows, None)}
    for client_id in session.exec(select(Client.id)):
        result[client_id] = mr.effective_status(explicit.get(client_id), global_status, windows, client_id)
    return result


def list_windows(actor: Actor, include_closed: bool = True) -> list[WindowRow]:
    """The newest windows: a platform admin sees all, anyone else their client's and the global ones."""
    with read_session() as session:
        query = select(MaintenanceWindow).order_by(col(MaintenanceWindow.id).desc()).limit(WINDOW_LIST_LIMIT)
        if not actor.is_platform_admin:
            client_id = col(MaintenanceWindow.client_id)
            query = query.where(client_id.is_(None) | (client_id == actor.client_id))
        if not include_closed:
            query = query.where(col(MaintenanceWindow.state).in_(sorted(mr.OPEN_STATES)))
        names = client_names(session)
        return [window_row(w, names) for w in session.exec(query)]


def admin_windows_in(session: Session, names: dict[int, str]) -> list[WindowRow]:
    query = select(MaintenanceWindow).order_by(col(MaintenanceWindow.id).desc()).limit(WINDOW_LIST_LIMIT)
    return [window_row(w, names) for w in session.exec(query)]


def notice() -> timedelta:
    return timedelta(hours=get_settings().maintenance_notice_hours)


def banner_windows_in(session: Session, client_id: int | None, now: datetime) -> list[mr.WindowFacts]:
    """The open windows of a scope that are in force or start within the notice (indexed by state, start)."""
    query = select(MaintenanceWindow).where(
        col(MaintenanceWindow.state).in_(sorted(mr.OPEN_STATES)),
        col(MaintenanceWindow.starts_at) <= now + notice(),
    )
    scope: sa.ColumnElement[bool] = col(MaintenanceWindow.client_id).is_(None)
    if client_id is not None:
        scope = scope | (col(MaintenanceWindow.client_id) == client_id)
    return [facts(w) for w in session.exec(query.where(scope))]


def next_notice_at(session: Session, now: datetime) -> datetime | None:
    """When the next scheduled window's notice appears in banners."""
    first = session.exec(select(sa.func.min(MaintenanceWindow.starts_at)).where(
        MaintenanceWindow.state == MaintenanceState.SCHEDULED,
        col(MaintenanceWindow.starts_at) > now + notice(),
    )).one()
    return as_utc(first) - notice() if first is not None else None


@dataclass
class UptimeDay:
    day: str  # ISO date
    state: str  # active | maintenance | inactive | mixed
    tooltip: str


@dataclass
class UptimeSeries:
    scope: str  # "" for all clients, else the client id
    name: str
    days: list[UptimeDay]
    active_30: float  # percent
    active_90: float
    active_30_label: str  # "99.98%", never "100%" for less
    active_90_label: str


# What an uptime card shows before the first view arrives, or for a scope it has no series of.
NO_UPTIME = UptimeSeries(scope="", name="", days=[], active_30=0.0, active_90=0.0, active_30_label="",
                         active_90_label="")


def intervals_since_in(session: Session, since: datetime) -> dict[int | None, list[mr.Interval]]:
    """Every scope's intervals overlapping [since, now): one indexed query (ended_at)."""
    query = select(StatusInterval).where(
        col(StatusInterval.ended_at).is_(None) | (col(StatusInterval.ended_at) > since)
    ).order_by(col(StatusInterval.started_at))
    by_scope: dict[int | None, list[mr.Interval]] = defaultdict(list)
    for r in session.exec(query):
        by_scope[r.client_id].append(mr.Interval(r.status, as_utc(r.started_at), as_utc(r.ended_at)))
    return by_scope


def uptime_in(session: Session, names: dict[int, str], now: datetime | None = None) -> list[UptimeSeries]:
    """The 90 daily bars and the Active shares of all clients and of each client."""
    now = now or utc_now()
    by_scope = intervals_since_in(session, now - timedelta(days=mr.UPTIME_DAYS))
    result = []
    for scope, name in [(None, ALL_CLIENTS_LABEL), *sorted(names.items(), key=lambda kv: kv[1])]:
        intervals = by_scope.get(scope, [])
        days = mr.daily_shares(intervals, now.date(), now)
        result.append(UptimeSeries(
            scope="" if scope is None else str(scope), name=name,
            days=[UptimeDay(d.day.isoformat(), d.state, mr.day_tooltip(d)) for d in days],
            active_30=(share_30 := mr.active_share(intervals, now, 30)) * 100,
            active_90=(share_90 := mr.active_share(intervals, now, 90)) * 100,
            active_30_label=mr.percent(share_30), active_90_label=mr.percent(share_90),
        ))
    return result


@dataclass
class MessageStat:
    type: str
    in_force: int
    expired: int
    withdrawn: int


def message_stats_in(session: Session, now: datetime | None = None) -> list[MessageStat]:
    """System messages by type: in force, expired, withdrawn (one grouped query)."""
    now = now or utc_now()
    expires_at = col(SystemMessage.expires_at)
    expired = sa.and_(expires_at.is_not(None), expires_at <= now)
    withdrawn = col(SystemMessage.is_active) == False  # noqa: E712 - SQL comparison
    kind = sa.case((withdrawn, "withdrawn"), (expired, "expired"), else_="in_force")
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for message_type, what, n in session.exec(
            select(SystemMessage.type, kind, sa.func.count()).group_by(SystemMessage.type, kind)):
        counts[message_type][what] += int(n)
    return [MessageStat(t, counts[t]["in_force"], counts[t]["expired"], counts[t]["withdrawn"])
            for t in MessageType]
