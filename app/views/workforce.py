"""Reads of a client's workforce: human agents with their presence (and its history), and AI agents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from app.models import AIAgent, HumanAgent, PresenceEvent, User, as_utc, id_of
from app.rules import status as status_rules
from app.rules.status import HumanAgentFacts


@dataclass(frozen=True)
class AgentRow:
    key: str  # "human-3" / "ai-7": stable across both kinds
    kind: str  # "human" or "ai"
    id: int
    client_id: int
    name: str
    state: str  # presence for humans; "enabled"/"disabled" for AI agents
    active_chats: int
    max_chats: int
    can_take_work: bool


def agents_in(session: Session, client_id: int | None) -> list[AgentRow]:
    """The agents of one client, or of every client when client_id is None (admins)."""
    humans = select(HumanAgent, User).where(HumanAgent.user_id == User.id)
    ais = select(AIAgent)
    if client_id is not None:
        humans = humans.where(HumanAgent.client_id == client_id)
        ais = ais.where(AIAgent.client_id == client_id)
    rows: list[AgentRow] = []
    for agent, user in session.exec(humans.order_by(User.name)):
        facts = HumanAgentFacts(agent.status, agent.active_chats, agent.max_chats)
        rows.append(AgentRow(
            key=f"human-{agent.id}", kind="human", id=id_of(agent), client_id=agent.client_id,
            name=user.name, state=agent.status, active_chats=agent.active_chats,
            max_chats=agent.max_chats, can_take_work=status_rules.can_take_chat(facts),
        ))
    for ai in session.exec(ais.order_by(AIAgent.name)):
        rows.append(AgentRow(
            key=f"ai-{ai.id}", kind="ai", id=id_of(ai), client_id=ai.client_id, name=ai.name,
            state="enabled" if ai.enabled else "disabled", active_chats=0, max_chats=0,
            can_take_work=ai.enabled,
        ))
    return rows


def available_agent_count(agents: list[AgentRow], status: str) -> int:
    humans = [HumanAgentFacts(a.state, a.active_chats, a.max_chats) for a in agents if a.kind == "human"]
    enabled_ai = sum(1 for a in agents if a.kind == "ai" and a.can_take_work)
    return status_rules.available_agent_count(status, humans, enabled_ai)


PRESENCE_HISTORY_SHOWN = 100  # an agent's latest presence changes: days of a working agent's shifts


@dataclass
class PresenceChange:
    """One change of an agent's effective presence, as the agents page's history dialog lists it."""

    at: datetime  # UTC; the page shows it in the reader's zone
    status: str  # the presence it became
    reason: str  # what changed it: "signed in", "chosen", "activity", "sweeper", ...


def presence_changes_in(session: Session, human_agent_id: int) -> list[PresenceChange]:
    """The agent's latest presence changes, newest first (the caller has checked it may see the agent)."""
    events = session.exec(select(PresenceEvent).where(PresenceEvent.human_agent_id == human_agent_id)
                          .order_by(col(PresenceEvent.id).desc()).limit(PRESENCE_HISTORY_SHOWN))
    return [PresenceChange(at=as_utc(e.at), status=e.status, reason=e.reason) for e in events]
