"""A change as the listener reads it from the log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Change:
    seq: int
    entity: str  # an app.models.Entity value (a table name), as the database's trigger wrote it
    client_id: int | None
    entity_id: str | None = None
    committed_at: datetime | None = None  # the log row's created_at: the push delay is measured from it
