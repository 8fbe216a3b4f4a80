"""Chats handed off to human agents: assignment respects presence and capacity, checked again in
the assigning transaction, so two admins racing for an agent's last slot cannot both win."""

from __future__ import annotations

from sqlmodel import Session, select

from app.db import transaction, write_if_needed
from app.models import AuditAction, Chat, ChatStatus, HumanAgent, Presence, Role, User, id_of, utc_now
from app.rules import status as status_rules
from app.rules.actors import Actor, require_client_access
from app.rules.errors import Conflict, Forbidden, InvalidInput
from app.rules.status import HumanAgentFacts
from app.rules.text import text_problems
from app.services.audit import write_audit
from app.views.access import as_row_id, client_by_name, visible_row

SUBJECT_MAX_LENGTH = 200  # a line in the chat list
CHAT_ASSIGNERS = frozenset({Role.PLATFORM_ADMIN, Role.CLIENT_ADMIN})


def _require_assigner(actor: Actor, client_id: int) -> None:
    require_client_access(actor, client_id)
    if actor.role not in CHAT_ASSIGNERS:
        raise Forbidden("Only the client's admins may assign chats.")


def create_chat(actor: Actor | None, client_name: str, subject: str) -> int:
    """A conversation handed off by the bot (the API or the operator's CLI).

    A person who is not a platform admin may name only their own client: the name is checked
    against theirs before any lookup, so another tenant's name and a made-up one get one answer.
    """
    sent = subject if isinstance(subject, str) else ""
    subject = sent.strip()
    client_name = client_name if isinstance(client_name, str) else ""
    problems = text_problems(single_line={"subject": sent, "client": client_name})
    if problems:  # before the name is compared or looked up
        raise InvalidInput(problems)
    if actor is not None and not actor.is_platform_admin:
        if actor.role not in CHAT_ASSIGNERS:
            raise Forbidden("Only the client's admins may assign chats.")
        if client_name != actor.client_name:
            raise Forbidden("You may only see your own client.")
    if not subject or len(subject) > SUBJECT_MAX_LENGTH:
        raise InvalidInput({"subject": f"Give the chat a subject of 1 to {SUBJECT_MAX_LENGTH} characters."})
    with transaction() as session:
        client_id = id_of(client_by_name(session, client_name))
        if actor is not None:
            _require_assigner(actor, client_id)
        chat = Chat(client_id=client_id, subject=subject)
        session.add(chat)
        session.flush()
        write_audit(session, actor, AuditAction.CHAT_CREATE, "chat", chat.id, client_id, None, {"subject": subject})
        return id_of(chat)


def assign_chat(actor: Actor, chat_id: int | str, human_agent_id: int | str) -> None:
    with transaction() as session:
        chat = visible_row(session, Chat, chat_id, actor, "chat")
        _require_assigner(actor, chat.client_id)
        if chat.status == ChatStatus.CLOSED:
            raise Conflict("This chat is closed.")
        # Lock the agent's row: a second assigner waits here and then sees the new count.
        wanted_agent = as_row_id(human_agent_id)
        agent = None if wanted_agent is None else session.exec(
            select(HumanAgent).where(HumanAgent.id == wanted_agent).with_for_update()).first()
        if agent is None or agent.client_id != chat.client_id:
            raise InvalidInput({"agent": "Choose one of this client's agents."})
        user = session.get(User, agent.user_id)
        assert user is not None  # the agent's foreign key
        name = user.name
        if not status_rules.can_take_chat(HumanAgentFacts(agent.status, agent.active_chats, agent.max_chats)):
            reason = "is at their chat limit" if agent.status == Presence.AVAILABLE else f"is {agent.status}"
            raise Conflict(f"{name} {reason}; choose another agent.")
        previous = chat.human_agent_id
        if previous is not None and previous != agent.id:
            old_agent = session.get(HumanAgent, previous)
            if old_agent is not None:
                old_agent.active_chats = max(0, old_agent.active_chats - 1)
                session.add(old_agent)
        if previous != agent.id:
            agent.active_chats += 1
        chat.human_agent_id = agent.id
        chat.status = ChatStatus.OPEN
        chat.assigned_at = utc_now()
        session.add_all([agent, chat])
        write_audit(session, actor, AuditAction.CHAT_ASSIGN, "chat", chat.id, chat.client_id,
                    {"human_agent_id": previous}, {"human_agent_id": agent.id, "agent": name})


def close_chat(actor: Actor, chat_id: int | str) -> None:
    """The client's admins close any chat of their client; support staff only the chats
    assigned to themselves. Refusals and a chat closed already are found in a read session: only
    a closing takes the write lock (db.write_if_needed)."""
    def check(session: Session) -> Chat | None:
        chat = visible_row(session, Chat, chat_id, actor, "chat")
        if actor.role == Role.SUPPORT_STAFF:
            own = session.exec(select(HumanAgent.id).where(HumanAgent.user_id == actor.user_id)).first()
            if own is None or chat.human_agent_id != own:
                raise Forbidden("You may close only the chats assigned to you.")
        elif actor.role not in CHAT_ASSIGNERS:
            raise Forbidden("Only the client's admins and agents may close chats.")
        return None if chat.status == ChatStatus.CLOSED else chat

    def close(session: Session, chat: Chat) -> None:
        if chat.human_agent_id is not None:
            query = select(HumanAgent).where(HumanAgent.id == chat.human_agent_id).with_for_update()
            agent = session.exec(query).first()
            if agent is not None:
                agent.active_chats = max(0, agent.active_chats - 1)
                session.add(agent)
        chat.status = ChatStatus.CLOSED
        chat.closed_at = utc_now()
        session.add(chat)
        write_audit(session, actor, AuditAction.CHAT_CLOSE, "chat", chat.id, chat.client_id,
                    {"status": ChatStatus.OPEN}, {"status": ChatStatus.CLOSED})

    write_if_needed(check, close)
