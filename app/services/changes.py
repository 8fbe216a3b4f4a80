"""Appending to the ordered change log, inside the writer's transaction."""

from __future__ import annotations

from sqlmodel import Session

from app.db import mark_change_logged
from app.models import ChangeLogEntry


def record_change(
    session: Session, entity: str, entity_id: object, op: str, client_id: int | None
) -> None:
    """Note that `entity` row `entity_id` changed for `client_id` (None: every tenant)."""
    session.add(
        ChangeLogEntry(
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            op=op,
            client_id=client_id,
        )
    )
    mark_change_logged(session)
