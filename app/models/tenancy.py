"""Clients (tenants), their users, sign-in sessions and API tokens."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models._common import enum_field, utc_now
from app.models.enums import Role, TokenScope


class Client(SQLModel, table=True):
    __tablename__ = "clients"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    created_at: datetime = Field(default_factory=utc_now)


# Only a platform admin may belong to no client: a tenantless row of any other role would be read
# as "every tenant" by code that takes a missing client for the platform's own scope. Migration
# 0006 creates the same constraint under the same name.
USERS_TENANT_CHECK_NAME = "ck_users_client_unless_platform_admin"
USERS_TENANT_CHECK_SQL = f"role = '{Role.PLATFORM_ADMIN}' OR client_id IS NOT NULL"


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (sa.CheckConstraint(USERS_TENANT_CHECK_SQL, name=USERS_TENANT_CHECK_NAME),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=120)
    role: Role = enum_field(Role, 32)
    # NULL for platform admins, who belong to no client.
    client_id: int | None = Field(default=None, foreign_key="clients.id", index=True)
    password_hash: str = Field(max_length=255)
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utc_now)
    # The Supabase Auth user (auth.users.id) this user signs in as on a Supabase project
    # (`beacon user link`); migration 0007.
    auth_user_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid(), nullable=True, unique=True, index=True))


class AuthSession(SQLModel, table=True):
    """A server-side sign-in session; the browser holds only an opaque token."""

    __tablename__ = "auth_sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    created_at: datetime = Field(default_factory=utc_now)
    expires_at: datetime
    # Presence heartbeats (issue: human agent presence) refresh this.
    last_seen_at: datetime = Field(default_factory=utc_now)
    ended_at: datetime | None = Field(default=None)


class ApiToken(SQLModel, table=True):
    """A bearer token for the HTTP API; only its SHA-256 digest is stored (services/tokens.py)."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    name: str = Field(max_length=120)
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utc_now)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    # Migration 0005. Every token the services issue expires (NULL would mean never).
    expires_at: datetime | None = None
    # "read" (GET only) or "publish" (may also write, within its user's rights).
    scope: TokenScope = enum_field(TokenScope, 16, default=TokenScope.PUBLISH,
                                   sa_column_kwargs={"server_default": TokenScope.PUBLISH.value})
