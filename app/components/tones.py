"""Colours, in one place: the Radix colour (a `color_scheme`) each stored value is shown in.

The words come from app/components/labels.py and carry the meaning; a colour only adds to them.
The maps are named as labels.py names them (labels.PRESENCE has tones.PRESENCE). A value not in
a map is shown grey."""

from collections.abc import Mapping

import reflex as rx

from app.components.labels import Value
from app.models import ChatStatus, MaintenanceState, MessageType, Presence, ServiceStatus, TaskStatus
from app.rules.maintenance import MIXED_DAY
from app.rules.work import BADGE_DRAFT_READY, BADGE_FAILED, BADGE_WORKING

DEFAULT = "gray"

# Maintenance is yellow and inactive red (the banner, the agents' notice); active has no colour of its own.
SERVICE_STATUS = {ServiceStatus.MAINTENANCE: "amber", ServiceStatus.INACTIVE: "red"}
MESSAGE_TYPE = {MessageType.INFO: "blue", MessageType.WARNING: "amber", MessageType.ERROR: "red",
                MessageType.SUCCESS: "green"}
PRESENCE = {Presence.AVAILABLE: "green", Presence.AWAY: "amber", Presence.BUSY: "orange", Presence.OFFLINE: "gray",
            "enabled": "green", "disabled": "gray"}
CHAT_STATUS = {ChatStatus.OPEN: "green", ChatStatus.NEEDS_REASSIGNMENT: "red"}
TASK_STATUS = {TaskStatus.PENDING: "gray", TaskStatus.IN_PROGRESS: "blue", TaskStatus.COMPLETED: "green",
               TaskStatus.FAILED: "red", TaskStatus.CANCELLED: "gray"}
# A contact card's badge, by its text.
TASK_BADGE = {BADGE_WORKING: "blue", BADGE_DRAFT_READY: "green", BADGE_FAILED: "red"}
WINDOW_STATE = {MaintenanceState.SCHEDULED: "blue", MaintenanceState.IN_PROGRESS: "amber",
                MaintenanceState.COMPLETED: "gray", MaintenanceState.CANCELLED: "gray"}
TOKEN_STATE = {"active": "green", "expired": "gray", "revoked": "red"}
# The uptime bars are plain boxes, not Radix components: CSS colours, "mixed" a lighter orange.
UPTIME_DAY = {ServiceStatus.ACTIVE: "var(--green-9)", ServiceStatus.MAINTENANCE: "var(--amber-9)",
              ServiceStatus.INACTIVE: "var(--red-9)", MIXED_DAY: "var(--orange-7)"}
UPTIME_DAY_DEFAULT = "var(--gray-6)"


def tone(value, tones: Mapping[Value, str], default: str | rx.Var = DEFAULT) -> rx.Var:
    """The colour of a stored value (a var), from one of the maps above."""
    return rx.match(value, *tones.items(), default)


def background(colour: str) -> str:
    """A colour's soft background step (Radix step 3), for a plain box."""
    return f"var(--{colour}-3)"
