"""Stored values as people read them: "in_progress" is shown "In progress", "platform_admin"
"Platform admin". Rows keep the stored value (tests and data-* attributes use it); pages show
the label. An unknown value is shown as it is rather than hidden."""

import reflex as rx

from app.services.rules import MESSAGE_TYPE_LABELS, STATUS_LABELS
from app.views.tasks import TASK_STATUS_LABELS

SERVICE_STATUS = STATUS_LABELS
MESSAGE_TYPE = MESSAGE_TYPE_LABELS
TASK_STATUS = TASK_STATUS_LABELS
PRESENCE = {"available": "Available", "away": "Away", "busy": "Busy", "offline": "Offline",
            "enabled": "Enabled", "disabled": "Disabled"}
AGENT_KIND = {"ai": "AI agent", "human": "Human agent"}
CHAT_STATUS = {"open": "Open", "needs_reassignment": "Needs reassignment", "closed": "Closed"}
DRAFT_STATUS = {"pending": "Waiting", "approved": "Approved", "rejected": "Rejected", "sent": "Sent"}
FOLLOW_UP_STATUS = {"scheduled": "Scheduled", "executed": "Done", "cancelled": "Cancelled"}
ROLE = {"platform_admin": "Platform admin", "client_admin": "Client admin", "support_staff": "Support staff",
        "user": "User"}
MESSAGE_STATE = {"live": "Live", "withdrawn": "Withdrawn", "expired": "Expired"}
TOKEN_STATE = {"active": "Active", "expired": "Expired", "revoked": "Revoked"}
TOKEN_SCOPE = {"read": "Read", "publish": "Publish"}


def label(value, labels: dict[str, str]) -> rx.Var:
    """The label of a stored value (a var), from one of the maps above."""
    return rx.match(value, *labels.items(), value)
