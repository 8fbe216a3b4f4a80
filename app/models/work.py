"""Contacts and the AI agents' work on them: tasks, drafts and follow-ups.

The composite indexes serve the read side (migrations 0004 and 0010 create them under the same names)."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models._common import enum_field, utc_now
from app.models.enums import AIAgentKind, DraftStatus, FollowUpStatus, TaskStatus


class Contact(SQLModel, table=True):
    __tablename__ = "contacts"
    __table_args__ = (
        sa.Index("ix_contacts_client_id_name", "client_id", "name"),
        sa.Index("ix_contacts_client_id_id", "client_id", "id"),
        # A contact named by what a person typed, in any case (migration 0010).
        sa.Index("ix_contacts_client_id_lower_email", "client_id", sa.text("lower(email)")),
        sa.Index("ix_contacts_client_id_lower_name", "client_id", sa.text("lower(name)")),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="clients.id", index=True)
    name: str = Field(max_length=120)
    email: str = Field(max_length=254)
    company: str = Field(default="", max_length=120)
    created_at: datetime = Field(default_factory=utc_now)


class AgentTask(SQLModel, table=True):
    __tablename__ = "agent_tasks"
    __table_args__ = (
        sa.Index("ix_agent_tasks_contact_id_id", "contact_id", "id"),
        sa.Index("ix_agent_tasks_ai_agent_id_id", "ai_agent_id", "id"),
        sa.Index("ix_agent_tasks_client_id_id", "client_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="clients.id", index=True)
    ai_agent_id: int = Field(foreign_key="ai_agents.id", index=True)
    contact_id: int = Field(foreign_key="contacts.id", index=True)
    kind: AIAgentKind = enum_field(AIAgentKind, 24, default=AIAgentKind.OUTREACH)
    status: TaskStatus = enum_field(TaskStatus, 16, default=TaskStatus.PENDING, index=True)
    instructions: str = Field(default="", max_length=2000)
    output: str | None = Field(default=None, max_length=8000)
    error: str | None = Field(default=None, max_length=2000)
    attempts: int = Field(default=0)
    claimed_by: str | None = Field(default=None, max_length=120)
    claim_expires_at: datetime | None = None
    created_by: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)
    started_at: datetime | None = None
    finished_at: datetime | None = None


class Draft(SQLModel, table=True):
    __tablename__ = "drafts"
    __table_args__ = (
        sa.Index("ix_drafts_client_id_status_id", "client_id", "status", "id"),
        sa.Index("ix_drafts_contact_id_status", "contact_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="clients.id", index=True)
    task_id: int | None = Field(default=None, foreign_key="agent_tasks.id", index=True)
    contact_id: int = Field(foreign_key="contacts.id", index=True)
    ai_agent_id: int | None = Field(default=None, foreign_key="ai_agents.id")
    subject: str = Field(max_length=200)
    body: str = Field(max_length=8000)
    status: DraftStatus = enum_field(DraftStatus, 16, default=DraftStatus.PENDING, index=True)
    decided_by: int | None = Field(default=None, foreign_key="users.id")
    decided_at: datetime | None = None
    sent_at: datetime | None = None
    created_at: datetime = Field(default_factory=utc_now)


class FollowUp(SQLModel, table=True):
    __tablename__ = "follow_ups"
    __table_args__ = (
        sa.Index("ix_follow_ups_client_id_status_scheduled_for", "client_id", "status", "scheduled_for"),
        sa.Index("ix_follow_ups_client_id_status_id", "client_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="clients.id", index=True)
    contact_id: int = Field(foreign_key="contacts.id", index=True)
    ai_agent_id: int | None = Field(default=None, foreign_key="ai_agents.id")
    draft_id: int | None = Field(default=None, foreign_key="drafts.id")
    scheduled_for: datetime
    status: FollowUpStatus = enum_field(FollowUpStatus, 16, default=FollowUpStatus.SCHEDULED, index=True)
    note: str = Field(default="", max_length=1000)
    created_by: int | None = Field(default=None, foreign_key="users.id")
    executed_at: datetime | None = None
    cancelled_at: datetime | None = None
    created_at: datetime = Field(default_factory=utc_now)
