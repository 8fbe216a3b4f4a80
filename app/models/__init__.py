"""SQLModel tables and enums. Importing this package registers every table on SQLModel.metadata."""

from app.models._common import as_utc, id_column, id_of, utc_now
from app.models.changes import ChangeLogEntry, Entity
from app.models.enums import (
    ALL_CLIENTS_LABEL,
    AIAgentKind,
    AuditAction,
    ChatStatus,
    DraftStatus,
    FollowUpStatus,
    MaintenanceState,
    MessageType,
    Presence,
    Role,
    ServiceStatus,
    TaskStatus,
    TokenScope,
)
from app.models.maintenance import MaintenanceWindow, StatusInterval
from app.models.system import AgentStatus, AuditLog, SystemMessage
from app.models.tenancy import ApiToken, AuthSession, Client, User
from app.models.work import AgentTask, Contact, Draft, FollowUp
from app.models.workforce import AIAgent, Chat, HumanAgent, PresenceEvent

__all__ = [
    "ALL_CLIENTS_LABEL", "AIAgent", "AIAgentKind", "AgentStatus", "AgentTask", "ApiToken", "AuditAction", "AuditLog",
    "AuthSession", "ChangeLogEntry", "Chat", "ChatStatus", "Client", "Contact", "Draft", "DraftStatus", "Entity",
    "FollowUp", "FollowUpStatus", "HumanAgent", "MaintenanceState", "MaintenanceWindow", "MessageType", "Presence",
    "PresenceEvent", "Role", "ServiceStatus", "StatusInterval", "SystemMessage", "TaskStatus", "TokenScope", "User",
    "as_utc", "id_column", "id_of", "utc_now",
]
