"""SQLModel tables and enums. Importing this package registers every table on SQLModel.metadata."""

from app.models._common import as_utc, utc_now
from app.models.changes import ChangeLogEntry
from app.models.enums import (
    AIAgentKind,
    ChatStatus,
    DraftStatus,
    FollowUpStatus,
    MaintenanceState,
    MessageType,
    Presence,
    Role,
    ServiceStatus,
    TaskStatus,
)
from app.models.maintenance import MaintenanceWindow, StatusInterval
from app.models.system import AgentStatus, AuditLog, SystemMessage
from app.models.tenancy import ApiToken, AuthSession, Client, User
from app.models.work import AgentTask, Contact, Draft, FollowUp
from app.models.workforce import AIAgent, Chat, HumanAgent, PresenceEvent

__all__ = [
    "AIAgent", "AIAgentKind", "AgentStatus", "AgentTask", "ApiToken", "AuditLog", "AuthSession",
    "ChangeLogEntry", "Chat", "ChatStatus", "Client", "Contact", "Draft", "DraftStatus",
    "FollowUp", "FollowUpStatus", "HumanAgent", "MaintenanceState", "MaintenanceWindow", "MessageType", "Presence", "PresenceEvent",
    "Role", "ServiceStatus", "StatusInterval", "SystemMessage", "TaskStatus", "User", "as_utc", "utc_now",
]
