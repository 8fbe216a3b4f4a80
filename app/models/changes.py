"""The ordered change log: every service write appends here in the writer's transaction."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models._common import utc_now


class ChangeLogEntry(SQLModel, table=True):
    __tablename__ = "change_log"

    # The sequence number: readers apply changes in seq order and remember the last one. Only the
    # database's triggers write this table, so every entry Python sees was read back: it has one.
    seq: int = Field(primary_key=True)
    # The table that changed; the feed maps it to the live topics it affects.
    entity: str = Field(max_length=64)
    entity_id: str | None = Field(default=None, max_length=64)
    op: str = Field(max_length=16)
    # The tenant the change belongs to; NULL means every tenant (a global row).
    client_id: int | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utc_now)
