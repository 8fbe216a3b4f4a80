"""Human agents (with presence and chats) and AI agents."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models._common import enum_field, utc_now
from app.models.enums import AIAgentKind, ChatStatus, Presence


class HumanAgent(SQLModel, table=True):
    __tablename__ = "human_agents"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", unique=True)
    client_id: int = Field(foreign_key="clients.id", index=True)
    # The effective presence, as written by the presence service.
    status: Presence = enum_field(Presence, 16, default=Presence.OFFLINE)
    # What the agent chose (available/away/busy/offline); effective status derives from it.
    manual_status: Presence = enum_field(Presence, 16, default=Presence.AVAILABLE)
    auto_away: bool = Field(default=False)
    active_chats: int = Field(default=0, ge=0)
    max_chats: int = Field(default=3, ge=0)
    last_activity_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utc_now)


class PresenceEvent(SQLModel, table=True):
    """History of an agent's effective presence (when they were available)."""

    __tablename__ = "presence_events"

    id: int | None = Field(default=None, primary_key=True)
    human_agent_id: int = Field(foreign_key="human_agents.id", index=True)
    client_id: int = Field(foreign_key="clients.id", index=True)
    status: Presence = enum_field(Presence, 16)
    reason: str = Field(max_length=64)
    at: datetime = Field(default_factory=utc_now)


class Chat(SQLModel, table=True):
    """A conversation handed off to a human agent."""

    __tablename__ = "chats"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="clients.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contacts.id")
    subject: str = Field(default="", max_length=200)
    human_agent_id: int | None = Field(default=None, foreign_key="human_agents.id", index=True)
    status: ChatStatus = enum_field(ChatStatus, 24, default=ChatStatus.OPEN)
    created_at: datetime = Field(default_factory=utc_now)
    assigned_at: datetime | None = None
    closed_at: datetime | None = None


class AIAgent(SQLModel, table=True):
    __tablename__ = "ai_agents"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="clients.id", index=True)
    name: str = Field(max_length=120)
    kind: AIAgentKind = enum_field(AIAgentKind, 24)
    enabled: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utc_now)
