"""Pure domain rules: status precedence, message relevance and expiry, agent availability.

No I/O here: these take plain values and are unit-tested without a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from app.models import MessageType, Presence, ServiceStatus

MESSAGE_MAX_LENGTH = 500  # one or two sentences in a top-bar banner; longer belongs in a page


@dataclass(frozen=True)
class MessageFacts:
    id: int
    client_id: int | None
    type: str
    message: str
    expires_at: datetime | None
    created_at: datetime
    is_active: bool = True


@dataclass(frozen=True)
class HumanAgentFacts:
    presence: str
    active_chats: int
    max_chats: int


def effective_status(client_status: ServiceStatus | None, global_status: ServiceStatus | None) -> ServiceStatus:
    """A client's own row overrides the global one; no row at all means active."""
    if client_status is not None:
        return client_status
    if global_status is not None:
        return global_status
    return ServiceStatus.ACTIVE


def is_live(message: MessageFacts, now: datetime) -> bool:
    """Not withdrawn and not expired (a message expires at its expiry instant)."""
    return message.is_active and (message.expires_at is None or message.expires_at > now)


def visible_messages(
    messages: Iterable[MessageFacts], client_id: int | None, now: datetime
) -> list[MessageFacts]:
    """The live messages a user of `client_id` sees, most relevant first.

    The client's own messages come before the global ones; within each, newest first.
    A user of no client (client_id None) sees only the global messages.
    """
    mine = [
        m for m in messages
        if is_live(m, now) and (m.client_id is None or (client_id is not None and m.client_id == client_id))
    ]
    return sorted(mine, key=lambda m: (m.client_id is None, -m.created_at.timestamp(), -m.id))


def next_expiry(messages: Iterable[MessageFacts], now: datetime) -> datetime | None:
    """When the next live message expires, so pages can drop it at that instant."""
    upcoming = [m.expires_at for m in messages if is_live(m, now) and m.expires_at is not None]
    return min(upcoming) if upcoming else None


def banner_visible(status: str, message: MessageFacts | None) -> bool:
    return message is not None or status != ServiceStatus.ACTIVE


def can_take_chat(agent: HumanAgentFacts) -> bool:
    """Chatwoot's rule: available, and below the chat limit."""
    return agent.presence == Presence.AVAILABLE and agent.active_chats < agent.max_chats


def available_agent_count(
    status: str, human_agents: Sequence[HumanAgentFacts], enabled_ai_agents: int
) -> int:
    """Agents who can take work now; none while the service is not active."""
    if status != ServiceStatus.ACTIVE:
        return 0
    return sum(1 for agent in human_agents if can_take_chat(agent)) + enabled_ai_agents


# By the stored value (a ServiceStatus is its own value, and a row may hold another string).
STATUS_LABELS: dict[str, str] = {
    ServiceStatus.ACTIVE: "Active",
    ServiceStatus.MAINTENANCE: "Maintenance",
    ServiceStatus.INACTIVE: "Inactive",
}
MESSAGE_TYPE_LABELS = {
    MessageType.INFO: "Info",
    MessageType.WARNING: "Warning",
    MessageType.ERROR: "Error",
    MessageType.SUCCESS: "Success",
}
