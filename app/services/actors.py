"""Who a person is to Beacon: the one place an Actor is built from a user row. Sign-in sessions
(services/auth.py), API tokens (services/tokens.py) and the CLI's named accounts all come here, so
the tenant rule below is written once."""

from __future__ import annotations

from sqlmodel import Session, select

from app.models import Client, HumanAgent, Role, User
from app.rules.actors import TENANTLESS_MESSAGE, Actor
from app.rules.errors import NotAuthenticated

# The prefix of every API token's secret: a bearer token with it is never taken for a Supabase JWT.
API_TOKEN_PREFIX = "bkn_"


def actor_for_user(session: Session, user: User) -> Actor:
    """The Actor of `user` as the database has them now (their client's name, whether they are a
    human agent)."""
    # Only a platform admin belongs to no client: refuse any other tenantless row (the database
    # refuses it too, migration 0006) rather than let a missing client read as every client.
    if user.client_id is None and user.role != Role.PLATFORM_ADMIN:
        raise NotAuthenticated(TENANTLESS_MESSAGE)
    client_name = None
    if user.client_id is not None:
        client = session.get(Client, user.client_id)
        client_name = client.name if client else None
    is_agent = session.exec(select(HumanAgent.id).where(HumanAgent.user_id == user.id)).first() is not None
    return Actor(
        user_id=user.id, email=user.email, name=user.name, role=user.role,
        client_id=user.client_id, client_name=client_name, is_human_agent=is_agent,
    )
