"""The shared views of a tenant as typed values: what views/live.py builds once per audience and
the feed pushes unchanged to each of its open pages.

A view is a frozen dataclass, split by the state that shows it: each part's fields are that
state's vars, by name, and state/views.py `apply_view` sets them field by field. A unit test
(tests/unit/test_shared_views_applied.py) holds every part to its state, so a renamed var or field
fails a test instead of a background task. Rows carry ints, bools and datetimes; people's
formatting happens in components.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class MessageLine:
    """A system message as the banner and the dashboard show it."""

    id: int
    type: str
    message: str
    scope: str  # ALL_CLIENTS_LABEL or the client's name
    expires_at: datetime | None


NO_MESSAGE = MessageLine(id=0, type="", message="", scope="", expires_at=None)


@dataclass
class AgentLine:
    """A human or AI agent as the agents page lists it."""

    key: str  # "human-3" / "ai-7": stable across both kinds
    id: int
    kind: str  # "human" | "ai"
    name: str
    state: str  # presence for humans; "enabled" / "disabled" for AI agents
    client_id: int
    client: str
    active_chats: int
    max_chats: int
    can_take_work: bool


@dataclass
class ChatLine:
    id: int
    subject: str
    status: str
    agent: str  # "" while unassigned
    client_id: int
    client: str


@dataclass(frozen=True)
class ServiceView:
    """The agent service's status and the system messages in force (SystemState: the top-bar
    banner, the dashboard, the agents page)."""

    status: str
    status_label: str
    status_scope: str  # "client", "global" or "default"
    banner_visible: bool
    shown_message: MessageLine
    other_messages: list[MessageLine]
    more_messages: int  # messages in force beyond those listed
    maintenance_notices: list[str]  # scheduled maintenance in progress, or starting soon


@dataclass(frozen=True)
class WorkforceView:
    """The audience's agents and how many can take work now (WorkforceState)."""

    available_agents: int
    agents: list[AgentLine]


@dataclass(frozen=True)
class TenantView:
    """What every page of the audience shows of its service and its agents."""

    service: ServiceView
    workforce: WorkforceView


@dataclass(frozen=True)
class ChatsView:
    """The audience's open chats (WorkforceState): only pages of the roles that show chats follow it."""

    chats: list[ChatLine]
