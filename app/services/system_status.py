"""The agent service status and system messages: the one write path (reads: app/views/status.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

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
    id_of,
    utc_now,
)
from app.rules.actors import Actor, require_platform_admin
from app.rules.errors import Forbidden, InvalidInput
from app.rules.status import MESSAGE_MAX_LENGTH
from app.rules.text import text_problem, text_problems
from app.services.audit import write_audit
from app.services.maintenance import record_effective_statuses
from app.views.access import CLIENT_NAME_MAX_LENGTH, client_by_id, visible_row
from app.views.status import status_by_client_in, status_row


@dataclass(frozen=True)
class PublishResult:
    client_id: int | None
    status: str
    previous_status: str | None
    message_id: int | None


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
            client_id = id_of(client_by_id(session, client_id))
        result = _publish_in(session, actor, client_id, ServiceStatus(status), message, MessageType(message_type),
                             expires_at)
        record_effective_statuses(session)
    return result


def _publication(status: str, message: str, message_type: str, expires_at: datetime | None
                 ) -> tuple[tuple[str, str, str, datetime | None], dict[str, str]]:
    """What a publish says, as the form or the API sent it, cleaned; and its problems by field
    (one client's publish and the bulk publish read their input alike)."""
    cleaned = ((status or "").strip().lower(), (message or "").strip(),
               (message_type or MessageType.INFO).strip().lower(), as_utc(expires_at))
    # The message as sent (stripping would hide a control character at either end); a banner
    # message may run over lines.
    return cleaned, {**_validate(*cleaned), **text_problems(multiline={"message": message})}


def _publish_in(session: Session, actor: Actor, client_id: int | None, status: ServiceStatus, message: str,
                message_type: MessageType, expires_at: datetime | None) -> PublishResult:
    """Upsert one scope's status, insert its message, write its audit row (validated already: the
    callers turn the words sent into the enums once they hold one)."""
    row = status_row(session, client_id)
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
            client_id = id_of(client_by_id(session, raw))
            if client_id not in wanted:
                wanted.append(client_id)
        results = [_publish_in(session, actor, client_id, ServiceStatus(status), message, MessageType(message_type),
                               expires_at)
                   for client_id in wanted]
        record_effective_statuses(session)
    return results


def clear_status_override(actor: Actor, client_id: int) -> str | None:
    """Remove a client's own status row so the global one applies again; returns the old status."""
    require_platform_admin(actor)
    with transaction() as session:
        client_id = id_of(client_by_id(session, client_id))
        row = status_row(session, client_id)
        if row is None:
            return None
        previous = row.status
        session.delete(row)
        write_audit(session, actor, AuditAction.SYSTEM_STATUS_CLEAR_OVERRIDE, "agent_status", client_id, client_id,
                    {"status": previous}, {"status": None})
        record_effective_statuses(session)
    return previous


def update_system_message(
    actor: Actor, message_id: int | str, message: str, message_type: str, expires_at: datetime | None
) -> None:
    require_platform_admin(actor)
    sent = message
    message = (message or "").strip()
    message_type = (message_type or "").strip().lower()
    expires_at = as_utc(expires_at)
    problems = _validate(ServiceStatus.ACTIVE, message, message_type, expires_at)
    if not message:
        problems["message"] = "A message cannot be empty; withdraw it instead."
    problems.update(text_problems(multiline={"message": sent}))
    if problems:
        raise InvalidInput(problems)
    with transaction() as session:
        row = visible_row(session, SystemMessage, message_id, actor, "message")
        old = {"message": row.message, "type": row.type,
               "expires_at": _iso(row.expires_at)}
        row.message, row.type, row.expires_at = message, MessageType(message_type), expires_at
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


def client_id_for_scope(actor: Actor, name: str, *, publishing: bool = False) -> int | None:
    """Resolve a "Client" choice by name (the admin form, the CLI): "All Clients" is the global
    scope (None).

    Authorization before existence: only a platform admin's names are looked up (and when
    `publishing`, only a platform admin may ask at all); anyone else may name only their own
    client, so another tenant's name and a made-up one get the same answer.
    """
    if publishing:
        require_platform_admin(actor)
    name = name if isinstance(name, str) else ""
    problem = text_problem(name)
    if problem is not None:  # before any lookup: a query never sees such a name
        raise InvalidInput({"client": problem})
    name = name.strip()
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
