"""What open pages show, assembled once per audience and pushed to each of its sessions.

A view is a frozen dataclass of typed values (ints, bools, datetimes, dataclass rows) whose
fields are the vars of the states that show it (views/shared.py); people's formatting happens in
components. The feed builds one per audience per batch of
changes, never one per session: a change to Acme costs one set of queries, however many Acme
pages are open.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.db import read_session
from app.models import (
    ALL_CLIENTS_LABEL,
    Chat,
    ChatStatus,
    Client,
    HumanAgent,
    Role,
    ServiceStatus,
    User,
    id_column,
    id_of,
    utc_now,
)
from app.rules import status as status_rules
from app.rules.actors import ALL_TENANTS
from app.views.maintenance import admin_windows_in, message_stats_in, uptime_in
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
from app.views.status import SystemSnapshot, admin_messages_in, status_by_client_in, system_snapshot_in
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
ENTITY_VIEWS: dict[str, frozenset[str]] = {
    "agent_status": frozenset({TENANT_VIEW, ADMIN_VIEW}),
    "system_messages": frozenset({TENANT_VIEW, ADMIN_VIEW}),
    "maintenance_windows": frozenset({TENANT_VIEW, ADMIN_VIEW}),
    "status_intervals": frozenset({ADMIN_VIEW}),  # the admin's uptime bars
    "human_agents": frozenset({TENANT_VIEW, CHATS_VIEW}),  # a chat line names its agent
    "chats": frozenset({CHATS_VIEW}),
    "ai_agents": frozenset({TENANT_VIEW, SUMMARY_VIEW}),
    # Contacts, tasks, drafts and follow-ups also move the windows that show them (lists, pages
    # of contacts, tasks): feed/routing.py decides which.
    "agent_tasks": frozenset({SUMMARY_VIEW}),
    "drafts": frozenset({SUMMARY_VIEW}),
    # Audit rows move no shared view: the admin's audit log and status history are windows
    # (views/audit.py), and work audit rows (the activity feed) are always written with a change
    # to tasks, drafts or follow-ups, which already rebuild the activity view.
    "users": frozenset({ADMIN_VIEW}),
    "clients": frozenset({TENANT_VIEW, ADMIN_VIEW, CHATS_VIEW}),
}


def views_for_entities(entities: Iterable[str]) -> set[str]:
    stale: set[str] = set()
    for entity in entities:
        stale |= ENTITY_VIEWS.get(entity, frozenset())
    return stale


def client_id_of(audience: str) -> int | None:
    return None if audience == ALL_TENANTS else int(audience.split(":", 1)[1])


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else ""


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
# The roles whose pages show chats (the agents page's chat panel, app/pages/agents.py): only their
# pages follow the chats view, so no other role's tab ever holds a chat's subject.
CHAT_VIEWER_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.CLIENT_ADMIN})


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


def _admin_view(session: Session) -> dict[str, Any]:
    client_names = {id_of(c): c.name for c in session.exec(select(Client))}
    emails = {id_of(u): u.email for u in session.exec(select(User))}
    now = utc_now()
    messages = []
    for row in admin_messages_in(session):
        expires = row.expires_at
        live = row.is_active and (expires is None or expires > now)
        messages.append({
            "id": str(row.id),
            "scope": ALL_CLIENTS_LABEL if row.client_id is None else client_names.get(row.client_id, "?"),
            "type": row.type,
            "message": row.message,
            "expires": _when(expires),
            "expires_input": expires.strftime("%Y-%m-%dT%H:%M:%S") if expires else "",
            "state": "live" if live else ("withdrawn" if not row.is_active else "expired"),
            "created": _when(row.created_at),
            "author": emails.get(row.created_by, "") if row.created_by is not None else "",
        })
    statuses = [
        {"client_id": str(r.client_id) if r.client_id is not None else "", "client": r.client_name,
         "status": r.status, "updated": _when(r.updated_at),
         "override": "yes" if r.has_override else "no"}
        for r in status_by_client_in(session)
    ]
    users = [
        {"id": str(u.id), "email": u.email, "name": u.name, "role": u.role,
         "client": client_names.get(u.client_id, "") if u.client_id else "—"}
        for u in session.exec(select(User).order_by(User.email))
    ]
    clients = [{"id": str(cid), "name": name} for cid, name in sorted(client_names.items(), key=lambda kv: kv[1])]
    windows = [
        {"id": str(w.id), "client": w.client, "starts": _when(w.starts_at), "ends": _when(w.ends_at),
         "ends_input": w.ends_at.strftime("%Y-%m-%dT%H:%M:%S"), "message": w.message, "state": w.state}
        for w in admin_windows_in(session, client_names)
    ]
    return {"messages": messages, "statuses": statuses, "users": users, "clients": clients,
            "windows": windows, "uptime": uptime_in(session, client_names, now),
            "message_stats": message_stats_in(session, now)}


# A shared view as built and pushed (the admin lists are still a dict of rows by var name).
SharedView = TenantView | ChatsView | SummaryView | dict[str, Any]


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
        views[ADMIN_VIEW] = _admin_view(session)
    return views


WORK_VIEW_BUILDERS = {SUMMARY_VIEW: summary_view}

# The shared views each page follows besides the tenant view and the summary (banner, metrics,
# top bar, notifications: every page shows them). Anything else a page shows is a window.
ROUTE_VIEWS: dict[str, frozenset[str]] = {"/admin": frozenset({ADMIN_VIEW}), "/agents": frozenset({CHATS_VIEW})}
# Who may follow each view that not every role's pages show (a view is built per audience, i.e.
# per tenant; what a role may not see must not be in its pages' subscriptions at all).
VIEW_ROLES: dict[str, frozenset[str]] = {
    ADMIN_VIEW: frozenset({Role.PLATFORM_ADMIN}),
    CHATS_VIEW: CHAT_VIEWER_ROLES,
}


# Every shared view: what a subscriber that shows everything follows (tests, benchmarks).
EVERY_VIEW = frozenset({TENANT_VIEW, SUMMARY_VIEW, ADMIN_VIEW, CHATS_VIEW})


def route_pattern(path: str) -> str:
    parts = path.strip("/").split("/")
    if len(parts) == 2 and parts[0] == "agents":
        return "/agents/[id]"
    return "/" + "/".join(p for p in parts if p)


def views_for_page(path: str, audience: str, role: str) -> frozenset[str]:
    """The shared views a page at `path` follows for a user of `role` in `audience`: the admin
    lists only for platform admins, the chats only for the roles whose pages show them."""
    views = {TENANT_VIEW, SUMMARY_VIEW} | ROUTE_VIEWS.get(route_pattern(path), frozenset())
    if audience != ALL_TENANTS:
        views.discard(ADMIN_VIEW)
    return frozenset(kind for kind in views if role in VIEW_ROLES.get(kind, frozenset({role})))
