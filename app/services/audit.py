"""Audit rows: who did what to which target, with the value before and after."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.models import AuditAction, AuditLog
from app.rules.actors import Actor


def write_audit(
    session: Session,
    actor: Actor | None,
    action: AuditAction,
    target_type: str,
    target_id: object,
    client_id: int | None,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
) -> AuditLog:
    row = AuditLog(
        actor_id=actor.user_id if actor else None,
        actor_label=actor.email if actor else "system",
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        client_id=client_id,
        old_value=old,
        new_value=new,
    )
    session.add(row)
    session.flush()
    return row
