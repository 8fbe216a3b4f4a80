"""A change as the listener reads it from the log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Change:
    seq: int
    entity: str  # an app.models.Entity value (a table name), as the database's trigger wrote it
    client_id: int | None
    entity_id: str | None = None
    # The log row's created_at, which a page's push delay is measured from (not part of its identity).
    committed_at: datetime | None = field(default=None, compare=False)
