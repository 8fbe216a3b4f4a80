"""The agent service status and system messages: the one write path, and the reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.config import get_settings
from app.db import read_session, transaction
from app.models import (
    ALL_CLIENTS_LABEL,
    AgentStatus,
    AuditAction,
    Client,
    MessageType,
    ServiceStatus,
    SystemMessage,
    as_utc,
    utc_now,
)
from app.rules import status as status_rules
from app.services.access import CLIENT_NAME_MAX_LENGTH, client_by_id, visible_row
from app.rules.actors import Actor, require_client_access, require_platform_admin
from app.services.audit import write_audit
from app.rules import maintenance as maintenance_rules
from app.services.maintenance import (
    banner_windows_in,
    effective_statuses_in,
    next_notice_at,
    record_effective_statuses,
)
from app.rules.errors import Forbidden, InvalidInput
from app.rules.status import MESSAGE_MAX_LENGTH, MessageFacts

ADMIN_MESSAGE_LIMIT = 200  # the admin list shows the newest; withdrawn ones age out of view


@dataclass(frozen=True)
class PublishResult:
    client_id: int | None
    status: str
    previous_status: str | None
    message_id: int | None


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



def _validate(status: str, message: str, message_type: str, expires_at: datetime | None) -> dict[str, str]:
    problems: dict[str, str] = {}
    if status not in ServiceStatus.values():
        problems["status"] = "Choose Active, Maintenance or Inactive."
    if len(message) > MESSAGE_MAX_LENGTH:
        problems["message"] = f"Keep the message to {MESSAGE_MAX_LENGTH} characters ({len(message)} now)."
    if message_type not in MessageType.values():
        problems["type"] = "Choose Info, Warning, Error or Success."
    if expires_at is not None and expires_at <= utc_now():
        problems["expires_at"] = "The expiry must be in the future."
    if expires_at is not None and not message:
        problems["expires_at"] = "Only a message can expire; write a message or clear the expiry."
    return problems


def _facts(row: SystemMessage) -> MessageFacts:
    return MessageFacts(
        id=row.id, client_id=row.client_id, type=row.type, message=row.message,
        expires_at=as_utc(row.expires_at), created_at=as_utc(row.created_at),
        is_active=row.is_active,
    )


def _client(session: Session, client_id: Any) -> Client:
    """A client by id; an id that is no positive integer a database holds is a missing one."""
    return client_by_id(session, client_id)


def _status_row(session: Session, client_id: int | None) -> AgentStatus | None:
    query = select(AgentStatus).where(
        AgentStatus.client_id.is_(None) if client_id is None else AgentStatus.client_id == client_id  # type: ignore[union-attr]
    )
    return session.exec(query).first()


def publish_system_status(
    actor: Actor,
    client_id: int | None,
    status: str,
    message: str = "",
    message_type: str = MessageType.INFO,
    expires_at: datetime | None = None,
) -> PublishResult:
    """Set the agent service status for one client (or all: None) and publish a message.

    Platform admins only. Validates, upserts the status, inserts the message (when there is
    one) and writes an audit row, all in one transaction.
    """
    require_platform_admin(actor)
    (status, message, message_type, expires_at), problems = _publication(status, message, message_type, expires_at)
    if problems:
        raise InvalidInput(problems)
    with transaction() as session:
        if client_id is not None:
            client_id = _client(session, client_id).id
        result = _publish_in(session, actor, client_id, status, message, message_type, expires_at)
        record_effective_statuses(session)
    return result


def _publication(status: str, message: str, message_type: str, expires_at: datetime | None
                 ) -> tuple[tuple[str, str, str, datetime | None], dict[str, str]]:
    """What a publish says, as the form or the API sent it, cleaned; and its problems by field
    (one client's publish and the bulk publish read their input alike)."""
    cleaned = ((status or "").strip().lower(), (message or "").strip(),
               (message_type or MessageType.INFO).strip().lower(), as_utc(expires_at))
    return cleaned, _validate(*cleaned)


def _publish_in(session: Session, actor: Actor, client_id: int | None, status: str, message: str,
                message_type: str, expires_at: datetime | None) -> PublishResult:
    """Upsert one scope's status, insert its message, write its audit row (validated already)."""
    row = _status_row(session, client_id)
    previous = row.status if row else None
    if row is None:
        row = AgentStatus(client_id=client_id, status=status)
    row.status = status
    row.updated_by = actor.user_id
    row.updated_at = utc_now()
    session.add(row)
    session.flush()
    message_id = None
    if message:
        note = SystemMessage(
            client_id=client_id, type=message_type, message=message, expires_at=expires_at,
            created_by=actor.user_id, updated_by=actor.user_id,
        )
        session.add(note)
        session.flush()
        message_id = note.id
    write_audit(
        session, actor, AuditAction.SYSTEM_STATUS_PUBLISH, "agent_status",
        client_id if client_id is not None else "global", client_id,
        {"status": previous},
        {
            "status": status, "message_id": message_id, "message": message or None,
            "type": message_type if message else None,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return PublishResult(client_id=client_id, status=status, previous_status=previous, message_id=message_id)


# Bulk publishing names each client; a list longer than this is a mistake or a probe.
BULK_CLIENTS_MAX = 500


def publish_to_clients(
    actor: Actor,
    client_ids: list[Any],
    status: str,
    message: str = "",
    message_type: str = MessageType.INFO,
    expires_at: datetime | None = None,
) -> list[PublishResult]:
    """Publish one status (and message) to several clients at once: one transaction, one status
    row, message and audit row per client. An unknown client fails the whole publish (404)."""
    require_platform_admin(actor)
    (status, message, message_type, expires_at), problems = _publication(status, message, message_type, expires_at)
    if not isinstance(client_ids, list) or not client_ids:
        problems["client_ids"] = "Choose at least one client."
    elif len(client_ids) > BULK_CLIENTS_MAX:
        problems["client_ids"] = f"Choose at most {BULK_CLIENTS_MAX} clients."
    if problems:
        raise InvalidInput(problems)
    with transaction() as session:
        wanted: list[int] = []
        for raw in client_ids:
            client_id = _client(session, raw).id
            if client_id not in wanted:
                wanted.append(client_id)
        results = [_publish_in(session, actor, client_id, status, message, message_type, expires_at)
                   for client_id in wanted]
        record_effective_statuses(session)
    return results


def clear_status_override(actor: Actor, client_id: int) -> str | None:
    """Remove a client's own status row so the global one applies again; returns the old status."""
    require_platform_admin(actor)
    with transaction() as session:
        client_id = _client(session, client_id).id
        row = _status_row(session, client_id)
        if row is None:
            return None
        previous = row.status
        session.delete(row)
        write_audit(session, actor, AuditAction.SYSTEM_STATUS_CLEAR_OVERRIDE, "agent_status", client_id, client_id,
                    {"status": previous}, {"status": None})
        record_effective_statuses(session)
    return previous


def update_system_message(
    actor: Actor, message_id: int, message: str, message_type: str, expires_at: datetime | None
) -> None:
    require_platform_admin(actor)
    message = (message or "").strip()
    message_type = (message_type or "").strip().lower()
    expires_at = as_utc(expires_at)
    problems = _validate(ServiceStatus.ACTIVE, message, message_type, expires_at)
    if not message:
        problems["message"] = "A message cannot be empty; withdraw it instead."
    if problems:
        raise InvalidInput(problems)
    with transaction() as session:
        row = visible_row(session, SystemMessage, message_id, actor, "message")
        old = {"message": row.message, "type": row.type,
               "expires_at": _iso(row.expires_at)}
        row.message, row.type, row.expires_at = message, message_type, expires_at
        row.updated_by, row.updated_at = actor.user_id, utc_now()
        session.add(row)
        write_audit(session, actor, AuditAction.SYSTEM_MESSAGE_UPDATE, "system_message", row.id, row.client_id,
                    old, {"message": message, "type": message_type, "expires_at": _iso(expires_at)})


def withdraw_system_message(actor: Actor, message_id: int) -> None:
    require_platform_admin(actor)
    with transaction() as session:
        row = visible_row(session, SystemMessage, message_id, actor, "message")
        if not row.is_active:
            return
        row.is_active = False
        row.updated_by, row.updated_at = actor.user_id, utc_now()
        session.add(row)
        write_audit(session, actor, AuditAction.SYSTEM_MESSAGE_WITHDRAW, "system_message", row.id, row.client_id,
                    {"is_active": True, "message": row.message}, {"is_active": False})


def _iso(value: datetime | None) -> str | None:
    value = as_utc(value)
    return value.isoformat() if value else None


# --- reads -------------------------------------------------------------------------------

def _live_message_rows(session: Session, client_id: int | None, now: datetime) -> list[SystemMessage]:
    scope = SystemMessage.client_id.is_(None)  # type: ignore[union-attr]
    if client_id is not None:
        scope = scope | (SystemMessage.client_id == client_id)
    query = select(SystemMessage).where(
        SystemMessage.is_active == True,  # noqa: E712 - SQL comparison
        scope,
        (SystemMessage.expires_at.is_(None)) | (SystemMessage.expires_at > now),  # type: ignore[union-attr,operator]
    )
    return list(session.exec(query))


def system_snapshot_in(session: Session, client_id: int | None, now: datetime | None = None) -> SystemSnapshot:
    now = now or utc_now()
    own = _status_row(session, client_id) if client_id is not None else None
    global_row = _status_row(session, None)
    explicit = status_rules.effective_status(own.status if own else None, global_row.status if global_row else None)
    windows = banner_windows_in(session, client_id, now)
    status = maintenance_rules.effective_status(own.status if own else None,
                                                global_row.status if global_row else None, windows, client_id)
    scope = "window" if status != explicit else ("client" if own else ("global" if global_row else "default"))
    facts = [_facts(r) for r in _live_message_rows(session, client_id, now)]
    ordered = status_rules.visible_messages(facts, client_id, now)
    notices = maintenance_rules.notice_windows(windows, client_id, now, timedelta(hours=get_settings().maintenance_notice_hours))
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
            client_id = _client(session, client_id).id
        return system_snapshot_in(session, client_id)


def next_message_expiry() -> datetime | None:
    """The next instant any live message expires (the feed wakes pages then)."""
    now = utc_now()
    with read_session() as session:
        query = select(SystemMessage.expires_at).where(
            SystemMessage.is_active == True,  # noqa: E712
            SystemMessage.expires_at > now,  # type: ignore[operator]
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
    """Messages for the CLI and API: a platform admin sees all, others their client's and global."""
    require_client_access(actor, client_id)
    now = utc_now()
    with read_session() as session:
        rows = admin_messages_in(session)
    facts = [_facts(r) for r in rows]
    if client_id is not None or not actor.is_platform_admin:
        scope = client_id if client_id is not None else actor.client_id
        facts = [f for f in facts if f.client_id in (None, scope)]
    if not include_inactive:
        facts = [f for f in facts if status_rules.is_live(f, now)]
    return facts


def client_id_for_scope(actor: Actor, name: str, *, publishing: bool = False) -> int | None:
    """Resolve a "Client" choice by name (the admin form, the CLI): "All Clients" is the global
    scope (None).

    Authorization before existence: only a platform admin's names are looked up (and when
    `publishing`, only a platform admin may ask at all); anyone else may name only their own
    client, so another tenant's name and a made-up one get the same answer.
    """
    if publishing:
        require_platform_admin(actor)
    name = (name if isinstance(name, str) else "").strip()
    if name in ("", ALL_CLIENTS_LABEL):
        return None
    if not actor.is_platform_admin:
        if name != actor.client_name:
            raise Forbidden("You may only see your own client.")
        return actor.client_id
    client = None
    if len(name) <= CLIENT_NAME_MAX_LENGTH:
        with read_session() as session:
            client = session.exec(select(Client).where(Client.name == name)).first()
    if client is None:
        raise InvalidInput({"client": f"No client named {name[:CLIENT_NAME_MAX_LENGTH]!r}."})
    return client.id


def paused_client_ids_in(session: Session) -> list[int]:
    """Clients whose effective status is not active: their AI agents take no new work."""
    return [row.client_id for row in status_by_client_in(session)
            if row.client_id is not None and row.status != ServiceStatus.ACTIVE]
