"""What open pages show, assembled once per audience and pushed to each of its sessions.

A view is a frozen dataclass of typed values (ints, bools, datetimes, dataclass rows) whose
fields are the vars of the states that show it (views/shared.py, views/admin.py); people's
formatting happens in components. The feed builds one per audience per batch of
changes, never one per session: a change to Acme costs one set of queries, however many Acme
pages are open.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from app.db import read_session
from app.models import (
    ALL_CLIENTS_LABEL,
    Chat,
    ChatStatus,
    Client,
    Entity,
    HumanAgent,
    ServiceStatus,
    User,
    id_column,
    id_of,
)
from app.rules import status as status_rules
from app.rules.actors import ALL_TENANTS
from app.views.admin import AdminView, admin_view
from app.views.shared import (
    NO_MESSAGE,
    AgentLine,
    ChatLine,
    ChatsView,
    MessageLine,
    ServiceView,
    TenantView,
    WorkforceView,
)
from app.views.status import SystemSnapshot, status_by_client_in, system_snapshot_in
from app.views.work import SummaryView, summary_view
from app.views.workforce import agents_in, available_agent_count

# The kinds of view; each open page follows all of them for its audience.
TENANT_VIEW = "tenant"  # status, messages, metrics and agents of one tenant
CHATS_VIEW = "chats"  # the tenant's open chats (subjects!): only for the roles whose pages show them
SUMMARY_VIEW = "summary"  # every page: AI agents, the pending-approvals count, notifiable events
ADMIN_VIEW = "admin"  # the platform admin's lists: messages, statuses, clients, users

# Messages listed beside the shown one: a banner popover and a dashboard card stay readable, and
# every push stays small however many messages are in force; the rest are counted.
OTHER_MESSAGES_LIMIT = 10

# Which views a change to each table makes stale.
ENTITY_VIEWS: dict[Entity, frozenset[str]] = {
    Entity.AGENT_STATUS: frozenset({TENANT_VIEW, ADMIN_VIEW}),
    Entity.SYSTEM_MESSAGES: frozenset({TENANT_VIEW, ADMIN_VIEW}),
    Entity.MAINTENANCE_WINDOWS: frozenset({TENANT_VIEW, ADMIN_VIEW}),
    Entity.STATUS_INTERVALS: frozenset({ADMIN_VIEW}),  # the admin's uptime bars
    Entity.HUMAN_AGENTS: frozenset({TENANT_VIEW, CHATS_VIEW}),  # a chat line names its agent
    Entity.CHATS: frozenset({CHATS_VIEW}),
    Entity.AI_AGENTS: frozenset({TENANT_VIEW, SUMMARY_VIEW}),
    # Contacts, tasks, drafts and follow-ups also move the windows that show them (lists, pages
    # of contacts, tasks): views/windows.py decides which.
    Entity.AGENT_TASKS: frozenset({SUMMARY_VIEW}),
    Entity.DRAFTS: frozenset({SUMMARY_VIEW}),
    Entity.USERS: frozenset({ADMIN_VIEW}),
    Entity.CLIENTS: frozenset({TENANT_VIEW, ADMIN_VIEW, CHATS_VIEW}),
}
# Changes that move no shared view, and why (every logged entity is in one of the two tables:
# tests/unit/test_registrations.py):
ENTITY_WITHOUT_VIEWS: dict[Entity, str] = {
    Entity.CONTACTS: "contacts move only the windows that show them (views/windows.py)",
    Entity.FOLLOW_UPS: "follow-ups move only their lists (views/lists.py)",
    # The admin's audit log and status history are windows (views/audit.py), and work audit rows
    # (the activity feed) are always written with a change to tasks, drafts or follow-ups.
    Entity.AUDIT_LOGS: "audit rows move only the audit, history and activity windows",
    Entity.AUTH_SESSIONS: "a session's end closes its links (feed/observers.py), it shows nothing",
}


def views_for_entities(entities: Iterable[str]) -> set[str]:
    stale: set[str] = set()
    for entity in entities:
        if entity in ENTITY_VIEWS:
            stale |= ENTITY_VIEWS[Entity(entity)]
    return stale


def client_id_of(audience: str) -> int | None:
    return None if audience == ALL_TENANTS else int(audience.split(":", 1)[1])


def _message_line(message: status_rules.MessageFacts | None, client_names: dict[int, str]) -> MessageLine:
    if message is None:
        return NO_MESSAGE
    return MessageLine(
        id=message.id, type=message.type, message=message.message,
        scope=ALL_CLIENTS_LABEL if message.client_id is None else client_names.get(message.client_id, "?"),
        expires_at=message.expires_at,
    )


def _tenant_view(session: Session, audience: str) -> TenantView:
    client_id = client_id_of(audience)
    client_names = {id_of(c): c.name for c in session.exec(select(Client))}
    snapshot: SystemSnapshot = system_snapshot_in(session, client_id)
    agents = agents_in(session, client_id)
    if client_id is None:
        # A platform admin sees every client's agents, each counted under its own client's status.
        statuses = {row.client_id: row.status for row in status_by_client_in(session)}
        available = sum(
            available_agent_count([a for a in agents if a.client_id == cid], statuses.get(cid, ServiceStatus.ACTIVE))
            for cid in client_names
        )
    else:
        available = available_agent_count(agents, snapshot.status)
    return TenantView(
        service=ServiceView(
            status=snapshot.status,
            status_label=status_rules.STATUS_LABELS[snapshot.status],
            status_scope=snapshot.status_scope,
            banner_visible=snapshot.banner_visible,
            shown_message=_message_line(snapshot.shown, client_names),
            other_messages=[_message_line(m, client_names) for m in snapshot.others[:OTHER_MESSAGES_LIMIT]],
            more_messages=max(0, len(snapshot.others) - OTHER_MESSAGES_LIMIT),
            maintenance_notices=list(snapshot.maintenance_notices),
        ),
        workforce=WorkforceView(
            available_agents=available,
            agents=[
                AgentLine(key=a.key, id=a.id, kind=a.kind, name=a.name, state=a.state, client_id=a.client_id,
                          client=client_names.get(a.client_id, ""), active_chats=a.active_chats,
                          max_chats=a.max_chats, can_take_work=a.can_take_work)
                for a in agents
            ],
        ),
    )


CHATS_SHOWN = 100  # open chats listed for assignment; a client rarely has more waiting at once


def _chats_view(session: Session, audience: str) -> ChatsView:
    client_id = client_id_of(audience)
    client_names = {id_of(c): c.name for c in session.exec(select(Client))}
    humans = select(id_column(HumanAgent), col(User.name)).where(HumanAgent.user_id == User.id)
    if client_id is not None:
        humans = humans.where(HumanAgent.client_id == client_id)
    agent_names = {agent_id: name for agent_id, name in session.exec(humans)}
    return ChatsView(chats=chats_in(session, client_id, agent_names, client_names))


def chats_in(session: Session, client_id: int | None, agent_names: dict[int, str],
             client_names: dict[int, str]) -> list[ChatLine]:
    query = select(Chat).where(Chat.status != ChatStatus.CLOSED).order_by(col(Chat.id)).limit(CHATS_SHOWN)
    if client_id is not None:
        query = query.where(Chat.client_id == client_id)
    return [ChatLine(id=id_of(c), subject=c.subject, status=c.status,
                     agent=agent_names.get(c.human_agent_id, "") if c.human_agent_id else "",
                     client_id=c.client_id, client=client_names.get(c.client_id, ""))
            for c in session.exec(query)]


SharedView = TenantView | ChatsView | SummaryView | AdminView


def build_views(audience: str, kinds: Iterable[str]) -> dict[str, SharedView]:
    """Assemble the requested kinds of view for one audience (runs in a worker thread)."""
    with read_session() as session:
        return build_views_in(session, audience, kinds)


def build_views_in(session: Session, audience: str, kinds: Iterable[str]) -> dict[str, SharedView]:
    kinds = set(kinds)
    views: dict[str, SharedView] = {}
    if TENANT_VIEW in kinds:
        views[TENANT_VIEW] = _tenant_view(session, audience)
    if CHATS_VIEW in kinds:
        views[CHATS_VIEW] = _chats_view(session, audience)
    client_id = client_id_of(audience)
    for kind, build in WORK_VIEW_BUILDERS.items():
        if kind in kinds:
            views[kind] = build(session, client_id)
    if ADMIN_VIEW in kinds and audience == ALL_TENANTS:
        views[ADMIN_VIEW] = admin_view(session)
    return views


WORK_VIEW_BUILDERS = {SUMMARY_VIEW: summary_view}

# Every shared view: what a subscriber that shows everything follows (tests, benchmarks).
EVERY_VIEW = frozenset({TENANT_VIEW, SUMMARY_VIEW, ADMIN_VIEW, CHATS_VIEW})
