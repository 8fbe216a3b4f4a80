"""The domain's closed vocabularies. Stored as plain strings; services validate against these."""

from enum import Enum


class Role(str, Enum):
    PLATFORM_ADMIN = "platform_admin"
    CLIENT_ADMIN = "client_admin"
    SUPPORT_STAFF = "support_staff"
    USER = "user"


class ServiceStatus(str, Enum):
    ACTIVE = "active"
    MAINTENANCE = "maintenance"
    INACTIVE = "inactive"


class MessageType(str, Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    SUCCESS = "success"


class Presence(str, Enum):
    AVAILABLE = "available"
    AWAY = "away"
    BUSY = "busy"
    OFFLINE = "offline"


class ChatStatus(str, Enum):
    OPEN = "open"
    NEEDS_REASSIGNMENT = "needs_reassignment"
    CLOSED = "closed"


class AIAgentKind(str, Enum):
    OUTREACH = "outreach"
    FOLLOW_UP = "follow_up"


class TaskStatus(str, Enum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class DraftStatus(str, Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SENT = "sent"


class FollowUpStatus(str, Enum):
    SCHEDULED = "scheduled"
    EXECUTED = "executed"
    CANCELLED = "cancelled"


class MaintenanceState(str, Enum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
