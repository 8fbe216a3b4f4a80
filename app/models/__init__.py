"""SQLModel tables and enums. Importing this package registers every table on SQLModel.metadata."""

from app.models._common import utc_now
from app.models.changes import ChangeLogEntry
from app.models.enums import (
    AIAgentKind,
    ChatStatus,
    DraftStatus,
    FollowUpStatus,
    MessageType,
    Presence,
    Role,
    ServiceStatus,
    TaskStatus,
)
from app.models.system import AgentStatus, AuditLog, SystemMessage
from app.models.tenancy import ApiToken, AuthSession, Client, User
from app.models.work import AgentTask, Contact, Draft, FollowUp
from app.models.workforce import AIAgent, Chat, HumanAgent, PresenceEvent

__all__ = [
    "AIAgent", "AIAgentKind", "AgentStatus", "AgentTask", "ApiToken", "AuditLog", "AuthSession",
    "ChangeLogEntry", "Chat", "ChatStatus", "Client", "Contact", "Draft", "DraftStatus",
    "FollowUp", "FollowUpStatus", "HumanAgent", "MessageType", "Presence", "PresenceEvent",
    "Role", "ServiceStatus", "SystemMessage", "TaskStatus", "User", "utc_now",
]
