"""Test data on the database the process points at (tests/support/database.py use_database): the demo's
people by email, ids of its clients, agents and contacts, work made through the real services,
rows read back, API tokens and sign-in sessions.

The demo seed (app/seed/demo.py) has two clients, Acme (ops@acme.demo) and Globex
(ops@globex.demo), each with an "Outreach Agent", human agents and contacts; the platform admin is
admin@beacon.demo; every demo password is "beacon-demo".
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import SQLModel, col, func, select

from app.db import read_session, transaction
from app.models import AgentTask, AIAgent, AuditLog, Client, Contact, Draft, FollowUp, HumanAgent, User, utc_now
from app.rules.actors import Actor
from app.services import follow_ups, tasks
from app.services.auth import actor_for_email, create_api_token, sign_in

ADMIN = "admin@beacon.demo"
CLIENT_ADMINS = {"Acme": "ops@acme.demo", "Globex": "ops@globex.demo"}
DEMO_PASSWORD = "beacon-demo"
OUTREACH = "Outreach Agent"


# --- people -----------------------------------------------------------------------------------

def actor(email: str) -> Actor:
    return actor_for_email(email)


def api_token(email: str) -> str:
    """A new API token of `email`'s (the service `beacon token create` calls)."""
    return create_api_token(email)


def session_token(email: str, password: str = DEMO_PASSWORD) -> str:
    """A sign-in session's token, as the sign-in page gets it."""
    return sign_in(email, password)[0]


def human_agent(email: str) -> HumanAgent:
    """The human agent (support staff) that `email` signs in as."""
    with read_session() as session:
        user = session.exec(select(User).where(User.email == email)).one()
        return session.exec(select(HumanAgent).where(HumanAgent.user_id == user.id)).one()


# --- ids of the demo's rows --------------------------------------------------------------------

def client_id(name: str) -> int:
    with read_session() as session:
        return session.exec(select(Client.id).where(Client.name == name)).one()


def agent_id(client: str, name: str) -> int:
    """The AI agent `name` of `client`."""
    with read_session() as session:
        return session.exec(select(AIAgent.id).where(
            AIAgent.client_id == Client.id, Client.name == client, AIAgent.name == name)).one()


def contact_id(name: str) -> int:
    with read_session() as session:
        return session.exec(select(Contact.id).where(Contact.name == name)).one()


def contact_ids(client: str) -> list[int]:
    """`client`'s contacts, oldest first."""
    with read_session() as session:
        return list(session.exec(select(Contact.id).where(
            Contact.client_id == Client.id, Client.name == client).order_by(col(Contact.id))))


# --- work, through the services -----------------------------------------------------------------

def assign(client_admin: str, client: str, agent: str, n: int) -> list[int]:
    """`n` tasks for `client`'s AI agent `agent` on its contacts, round robin, assigned by
    `client_admin`; their ids."""
    assigner = actor_for_email(client_admin)
    contacts = contact_ids(client)
    ai_agent = agent_id(client, agent)
    return [tasks.assign_task(assigner, contacts[i % len(contacts)], ai_agent) for i in range(n)]


def add_draft(task_id: int, subject: str, body: str = "...") -> int:
    """A pending draft on a task that is still open (written as the worker's completion would, but
    leaving the task as it is: no service makes that)."""
    with transaction() as session:
        task = session.get(AgentTask, task_id)
        draft = Draft(client_id=task.client_id, task_id=task_id, contact_id=task.contact_id,
                      ai_agent_id=task.ai_agent_id, subject=subject, body=body)
        session.add(draft)
        session.flush()
        return draft.id


def one_of_each(client: str, instructions: str, note: str, draft_subject: str) -> dict[str, int]:
    """In `client`, by its admin: an open outreach task on its first contact (`instructions`), a
    follow-up due tomorrow (`note`), a pending draft on that task (`draft_subject`); with the ids
    of that contact, of the client, its first human agent and its outreach AI agent."""
    client_admin = actor_for_email(CLIENT_ADMINS[client])
    tenant = client_id(client)
    with read_session() as session:
        contact = session.exec(select(Contact).where(Contact.client_id == tenant)).first()
        ai = session.exec(select(AIAgent).where(AIAgent.client_id == tenant, AIAgent.kind == "outreach")).first()
        human = session.exec(select(HumanAgent).where(HumanAgent.client_id == tenant)).first()
    task_id = tasks.assign_task(client_admin, contact.id, ai.id, instructions)
    follow_up_id = follow_ups.schedule_follow_up(client_admin, contact.id, utc_now() + timedelta(days=1), note)
    return {"client": tenant, "contact": contact.id, "task": task_id, "follow_up": follow_up_id,
            "draft": add_draft(task_id, draft_subject), "agent": human.id, "ai_agent": ai.id}


# --- rows read back -----------------------------------------------------------------------------

def row(model: type[SQLModel], row_id: int):
    with read_session() as session:
        return session.get(model, row_id)


def task(task_id: int) -> AgentTask:
    return row(AgentTask, task_id)


def draft(draft_id: int) -> Draft:
    return row(Draft, draft_id)


def follow_up(follow_up_id: int) -> FollowUp:
    return row(FollowUp, follow_up_id)


def count(model: type[SQLModel], *where) -> int:
    """How many `model` rows there are (that match every `where`)."""
    with read_session() as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def drafts_of(task_id: int) -> list[Draft]:
    with read_session() as session:
        return list(session.exec(select(Draft).where(Draft.task_id == task_id)))


def audit_rows(*actions: str, target_id: int | None = None) -> list[AuditLog]:
    """The audit rows of these actions (of one target, if given), oldest first."""
    query = select(AuditLog).where(col(AuditLog.action).in_(actions))
    if target_id is not None:
        query = query.where(AuditLog.target_id == str(target_id))
    with read_session() as session:
        return list(session.exec(query.order_by(col(AuditLog.id))))
