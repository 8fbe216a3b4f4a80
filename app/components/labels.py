"""Stored values as people read them: "in_progress" is shown "In progress", "platform_admin"
"Platform admin". Rows keep the stored value (tests and data-* attributes use it); pages show
the label. An unknown value is shown as it is rather than hidden."""

from collections.abc import Mapping
from typing import TypeVar

import reflex as rx

from app.models import ChatStatus, DraftStatus, FollowUpStatus, Presence, Role, TokenScope
from app.rules.status import MESSAGE_TYPE_LABELS, STATUS_LABELS
from app.views.tasks import TASK_STATUS_LABELS

SERVICE_STATUS = STATUS_LABELS
MESSAGE_TYPE = MESSAGE_TYPE_LABELS
TASK_STATUS = TASK_STATUS_LABELS
PRESENCE = {Presence.AVAILABLE: "Available", Presence.AWAY: "Away", Presence.BUSY: "Busy",
            Presence.OFFLINE: "Offline", "enabled": "Enabled", "disabled": "Disabled"}
AGENT_KIND = {"ai": "AI agent", "human": "Human agent"}
CHAT_STATUS = {ChatStatus.OPEN: "Open", ChatStatus.NEEDS_REASSIGNMENT: "Needs reassignment",
               ChatStatus.CLOSED: "Closed"}
DRAFT_STATUS = {DraftStatus.PENDING: "Waiting", DraftStatus.APPROVED: "Approved", DraftStatus.REJECTED: "Rejected",
                DraftStatus.SENT: "Sent"}
FOLLOW_UP_STATUS = {FollowUpStatus.SCHEDULED: "Scheduled", FollowUpStatus.EXECUTED: "Done",
                    FollowUpStatus.CANCELLED: "Cancelled"}
ROLE = {Role.PLATFORM_ADMIN: "Platform admin", Role.CLIENT_ADMIN: "Client admin", Role.SUPPORT_STAFF: "Support staff",
        Role.USER: "User"}
MESSAGE_STATE = {"live": "Live", "withdrawn": "Withdrawn", "expired": "Expired"}
TOKEN_STATE = {"active": "Active", "expired": "Expired", "revoked": "Revoked"}
TOKEN_SCOPE = {TokenScope.READ: "Read", TokenScope.PUBLISH: "Publish"}


# A map's keys: stored values, the enums' members (each its own value) or plain strings.
Value = TypeVar("Value", bound=str)


def label(value, labels: Mapping[Value, str]) -> rx.Var:
    """The label of a stored value (a var), from one of the maps above."""
    return rx.match(value, *labels.items(), value)
