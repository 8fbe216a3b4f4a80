"""The domain's closed vocabularies, each said once: the stored values (the database, the API's
JSON, the CLI's choices and the audit log all carry these strings) and the Python names.

They are StrEnums: a member is its value (equal to it, hashed like it, formatted as it), so
code, JSON and the database drivers see plain strings. Enum columns keep a VARCHAR in the
database (models/_common.py enum_field): no database enum type, no migration.
"""

from enum import StrEnum

# What the "Client" choices call the platform-wide scope (client NULL): the admin form, the CLI.
ALL_CLIENTS_LABEL = "All Clients"


class Vocabulary(StrEnum):
    @classmethod
    def values(cls) -> list[str]:
        """The stored values in their declared order (a CLI's choices, an error's list)."""
        return [member.value for member in cls]


class Role(Vocabulary):
    PLATFORM_ADMIN = "platform_admin"
    CLIENT_ADMIN = "client_admin"
    SUPPORT_STAFF = "support_staff"
    USER = "user"


class ServiceStatus(Vocabulary):
    ACTIVE = "active"
    MAINTENANCE = "maintenance"
    INACTIVE = "inactive"


class MessageType(Vocabulary):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    SUCCESS = "success"


class Presence(Vocabulary):
    AVAILABLE = "available"
    AWAY = "away"
    BUSY = "busy"
    OFFLINE = "offline"


class ChatStatus(Vocabulary):
    OPEN = "open"
    NEEDS_REASSIGNMENT = "needs_reassignment"
    CLOSED = "closed"


class AIAgentKind(Vocabulary):
    OUTREACH = "outreach"
    FOLLOW_UP = "follow_up"


class TaskStatus(Vocabulary):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class DraftStatus(Vocabulary):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SENT = "sent"


class FollowUpStatus(Vocabulary):
    SCHEDULED = "scheduled"
    EXECUTED = "executed"
    CANCELLED = "cancelled"


class MaintenanceState(Vocabulary):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class TokenScope(Vocabulary):
    READ = "read"  # GET only
    PUBLISH = "publish"  # may also write, within its user's rights


class AuditAction(Vocabulary):
    """Every action the services write to the audit log, in the order the admin's Action filter
    offers them."""

    # The status history: what set or cleared an agent service status.
    SYSTEM_STATUS_PUBLISH = "system_status.publish"
    SYSTEM_STATUS_CLEAR_OVERRIDE = "system_status.clear_override"
    SYSTEM_MESSAGE_UPDATE = "system_message.update"
    SYSTEM_MESSAGE_WITHDRAW = "system_message.withdraw"
    USER_CREATE = "user.create"
    USER_PASSWORD = "user.password"
    USER_LINK_AUTH_USER = "user.link_auth_user"
    # A demo account's published password tried from anywhere but a browser on this machine.
    SIGN_IN_DEMO_PASSWORD_REFUSED = "sign_in.demo_password_refused"
    # The sign-in throttle locked an (account, address) or an address (app/services/signin_throttle.py).
    SIGN_IN_LOCKED = "sign_in.locked"
    API_TOKEN_CREATE = "api_token.create"
    API_TOKEN_REVOKE = "api_token.revoke"
    PRESENCE_SET = "presence.set"
    CHAT_CREATE = "chat.create"
    CHAT_ASSIGN = "chat.assign"
    CHAT_CLOSE = "chat.close"
    # The AI agents' work (the activity feed follows these).
    TASK_ASSIGN = "task.assign"
    TASK_START = "task.start"
    TASK_COMPLETE = "task.complete"
    TASK_FAIL = "task.fail"
    TASK_CANCEL = "task.cancel"
    TASK_RETRY = "task.retry"
    DRAFT_CREATE = "draft.create"
    DRAFT_APPROVE = "draft.approve"
    DRAFT_REJECT = "draft.reject"
    DRAFT_SEND = "draft.send"
    FOLLOW_UP_SCHEDULE = "follow_up.schedule"
    FOLLOW_UP_EXECUTE = "follow_up.execute"
    FOLLOW_UP_CANCEL = "follow_up.cancel"
    SEED_VOLUME = "seed.volume"
    # Scheduled maintenance windows (the timer writes start and complete).
    MAINTENANCE_SCHEDULE = "maintenance.schedule"
    MAINTENANCE_EXTEND = "maintenance.extend"
    MAINTENANCE_CANCEL = "maintenance.cancel"
    MAINTENANCE_START = "maintenance.start"
    MAINTENANCE_COMPLETE = "maintenance.complete"
