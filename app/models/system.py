"""Service status, system messages and the audit log."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from app.models._common import enum_field, utc_now
from app.models.enums import AuditAction, MessageType, ServiceStatus

GLOBAL_SCOPE_KEY = 0  # client_id NULL is the global row; COALESCE maps it here for uniqueness.


class AgentStatus(SQLModel, table=True):
    """The agent service status of one client, or the global one (client_id NULL)."""

    __tablename__ = "agent_status"
    __table_args__ = (
        sa.Index(
            "uq_agent_status_scope",
            sa.func.coalesce(sa.text("client_id"), GLOBAL_SCOPE_KEY),
            unique=True,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int | None = Field(default=None, foreign_key="clients.id")
    status: ServiceStatus = enum_field(ServiceStatus, 16)
    updated_by: int | None = Field(default=None, foreign_key="users.id")
    updated_at: datetime = Field(default_factory=utc_now)


class SystemMessage(SQLModel, table=True):
    __tablename__ = "system_messages"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int | None = Field(default=None, foreign_key="clients.id", index=True)
    type: MessageType = enum_field(MessageType, 16)
    message: str = Field(max_length=1000)
    expires_at: datetime | None = None
    # False once an admin withdraws it; withdrawn messages stay for the record.
    is_active: bool = Field(default=True)
    created_by: int | None = Field(default=None, foreign_key="users.id")
    updated_by: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_logs"
    __table_args__ = (
        sa.Index("ix_audit_logs_client_id_id", "client_id", "id"),
        sa.Index("ix_audit_logs_action_id", "action", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    actor_label: str = Field(max_length=254)
    action: AuditAction = enum_field(AuditAction, 64, index=True)
    target_type: str = Field(max_length=64)
    target_id: str | None = Field(default=None, max_length=64)
    client_id: int | None = Field(default=None, foreign_key="clients.id", index=True)
    old_value: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    new_value: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utc_now, index=True)
