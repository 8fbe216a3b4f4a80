"""Who is calling a service, and what they may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.models import Role
from app.rules.errors import Forbidden

SYSTEM_ROLE = "system"  # a Beacon process (the task worker), not a person
TENANTLESS_MESSAGE = "This account belongs to no client; ask a platform admin to assign it one."


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    email: str
    name: str
    role: str
    client_id: int | None
    client_name: str | None = None
    is_human_agent: bool = False  # has a presence (support staff): its pages send heartbeats
    auth_session_id: int | None = None  # the sign-in session this call came through (pages only)
    session_expires_at: datetime | None = None  # when that sign-in session ends by itself

    @property
    def is_platform_admin(self) -> bool:
        return self.role == Role.PLATFORM_ADMIN

    @property
    def audience(self) -> str:
        """The live-update audience this actor belongs to: its tenant, or every tenant.

        Only a platform admin gets every tenant. Anyone else without a client (a row the
        database's CHECK refuses since migration 0006, or an Actor built by hand) gets nothing:
        a missing client is never read as "all of them".
        """
        if self.is_platform_admin:
            return ALL_TENANTS
        if self.client_id is None:
            raise Forbidden(TENANTLESS_MESSAGE)
        return audience_for(self.client_id)

    def may_see_client(self, client_id: int | None) -> bool:
        return self.is_platform_admin or client_id is None or client_id == self.client_id


ALL_TENANTS = "all"


def audience_for(client_id: int | None) -> str:
    return ALL_TENANTS if client_id is None else f"client:{client_id}"


def require_platform_admin(actor: Actor) -> None:
    if not actor.is_platform_admin:
        raise Forbidden("Only a platform admin may do this.")


def require_client_access(actor: Actor, client_id: int | None) -> None:
    if not actor.may_see_client(client_id):
        raise Forbidden("You may only see your own client.")


def system_actor(name: str) -> Actor:
    """The actor of a Beacon process acting on its own (the worker), named in audit rows."""
    return Actor(user_id=None, email=name, name=name, role=SYSTEM_ROLE, client_id=None)


def require_system(actor: Actor) -> None:
    if actor.role != SYSTEM_ROLE:
        raise Forbidden("Only a Beacon worker may do this.")
