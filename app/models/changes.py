"""The ordered change log: every service write appends here in the writer's transaction."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.models._common import utc_now


class Entity(StrEnum):
    """A table whose changes the database logs (its triggers write `change_log.entity`): the value is
    the table's name. Every layer names a live table through this, never as a string literal; the
    feed's registries say what each one moves (app/views/pages.py checks that all are covered)."""

    CLIENTS = "clients"
    USERS = "users"
    AUTH_SESSIONS = "auth_sessions"  # only a session's end is logged (migration 0003)
    AGENT_STATUS = "agent_status"
    SYSTEM_MESSAGES = "system_messages"
    MAINTENANCE_WINDOWS = "maintenance_windows"
    STATUS_INTERVALS = "status_intervals"
    AUDIT_LOGS = "audit_logs"
    HUMAN_AGENTS = "human_agents"
    CHATS = "chats"
    AI_AGENTS = "ai_agents"
    CONTACTS = "contacts"
    AGENT_TASKS = "agent_tasks"
    DRAFTS = "drafts"
    FOLLOW_UPS = "follow_ups"


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
