"""The platform admin's shared lists (/admin and the dashboard's "Status by client"): one typed
view built once per batch of changes for every platform admin's open pages.

Rows carry ids as ints, flags as bools and times as UTC datetimes; the page formats them in the
browser (app/components/when.py), as every other page does. The maintenance windows and the
statuses are the rows views/maintenance.py and views/status.py already read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from app.models import ALL_CLIENTS_LABEL, Client, User, as_utc, id_of, utc_now
from app.views.maintenance import MessageStat, UptimeSeries, WindowRow, admin_windows_in, message_stats_in, uptime_in
from app.views.status import StatusRow, admin_messages_in, status_by_client_in

# What the admin's messages table says of a message (app/components/labels.py MESSAGE_STATE).
MESSAGE_LIVE = "live"
MESSAGE_WITHDRAWN = "withdrawn"
MESSAGE_EXPIRED = "expired"


@dataclass
class AdminMessageRow:
    """A system message as the admin's messages table lists it, in force or not."""

    id: int
    scope: str  # ALL_CLIENTS_LABEL or the client's name
    type: str
    message: str
    expires_at: datetime | None
    state: str  # MESSAGE_LIVE | MESSAGE_WITHDRAWN | MESSAGE_EXPIRED
    created_at: datetime
    author: str  # the publisher's email, "" when unknown


@dataclass
class AdminUserRow:
    id: int
    email: str
    name: str
    role: str
    client: str  # the client's name; "" for a platform admin, who belongs to none


@dataclass
class ClientRow:
    id: int
    name: str


@dataclass(frozen=True)
class AdminView:
    """Everything the admin lists show; each field is a var of the same name on the state that
    applies it (app/state/admin/lists.py), which a unit test holds to."""

    messages: list[AdminMessageRow]
    statuses: list[StatusRow]
    users: list[AdminUserRow]
    clients: list[ClientRow]  # by name
    windows: list[WindowRow]  # maintenance windows, newest first
    uptime: list[UptimeSeries]  # all clients, then each client: 90 daily bars and shares
    message_stats: list[MessageStat]


def _message_state(is_active: bool, expires_at: datetime | None, now: datetime) -> str:
    if not is_active:
        return MESSAGE_WITHDRAWN
    return MESSAGE_LIVE if expires_at is None or expires_at > now else MESSAGE_EXPIRED


def admin_view(session: Session) -> AdminView:
    client_names = {id_of(c): c.name for c in session.exec(select(Client))}
    emails = {id_of(u): u.email for u in session.exec(select(User))}
    now = utc_now()
    messages = [
        AdminMessageRow(
            id=id_of(row),
            scope=ALL_CLIENTS_LABEL if row.client_id is None else client_names.get(row.client_id, "?"),
            type=row.type, message=row.message, expires_at=as_utc(row.expires_at),
            state=_message_state(row.is_active, as_utc(row.expires_at), now),
            created_at=as_utc(row.created_at),
            author=emails.get(row.created_by, "") if row.created_by is not None else "",
        )
        for row in admin_messages_in(session)
    ]
    users = [
        AdminUserRow(id=id_of(u), email=u.email, name=u.name, role=u.role,
                     client=client_names.get(u.client_id, "") if u.client_id else "")
        for u in session.exec(select(User).order_by(col(User.email)))
    ]
    clients = [ClientRow(id=cid, name=name) for cid, name in sorted(client_names.items(), key=lambda kv: kv[1])]
    return AdminView(messages=messages, statuses=status_by_client_in(session), users=users, clients=clients,
                     windows=admin_windows_in(session, client_names), uptime=uptime_in(session, client_names, now),
                     message_stats=message_stats_in(session, now))
