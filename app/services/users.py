"""Changing a user's password, linking a user to Supabase Auth, and finding the demo accounts
that still have a demo password.

The operator's `beacon user password` calls `change_password` (and `beacon user create`, through
`create_user`, the same `password_problem` rule); the start-up guard
(`app/setup/startup_guard.py`) calls `demo_accounts_with_demo_password` before Beacon serves on a
non-loopback address.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col, select

from app.db import get_engine, read_session, transaction
from app.models import ApiToken, AuditAction, AuthSession, Role, User, id_of, utc_now
from app.rules.actors import Actor
from app.rules.demo_accounts import demo_emails, demo_passwords
from app.rules.errors import Conflict, Forbidden, InvalidInput
from app.services.audit import write_audit
from app.services.passwords import hash_password, password_matches, password_problem
from app.services.presence import refresh_user
from app.views.access import user_by_email


def demo_accounts_with_demo_password() -> list[str]:
    """Emails of active demo accounts whose password is still one of the demo passwords.

    Checked against the stored argon2 hash (either demo password, whichever account). A database
    without the users table (not migrated yet) has no accounts: nobody can sign in there.
    """
    if not sa.inspect(get_engine(for_writes=False)).has_table(User.__tablename__):
        return []
    emails = demo_emails()
    with read_session() as session:
        rows = list(session.exec(
            select(User.email, User.password_hash)
            .where(col(User.email).in_(emails), col(User.is_active).is_(True))
        ))
    hashes = dict(rows)
    return [email for email in emails
            if email in hashes and any(password_matches(hashes[email], p) for p in demo_passwords(email))]


@dataclass(frozen=True)
class PasswordChange:
    sessions_ended: int
    tokens_revoked: int


def change_password(actor: Actor | None, email: str, new_password: str,
                    revoke_tokens: bool = False) -> PasswordChange:
    """Set the password of the user with `email`, ending all of that user's sign-in sessions,
    and with `revoke_tokens` revoking their API tokens too (a password changed because it leaked:
    a token made with it may have leaked as well).

    `actor` None is the operator's CLI (it has the database); otherwise the user themself or a
    platform admin. Writes an audit row (never the password or its hash).
    """
    email = (email or "").strip().lower()
    new_password = new_password or ""
    if actor is not None and actor.email != email and actor.role != Role.PLATFORM_ADMIN:
        raise Forbidden("Only a platform admin may change another user's password.")
    problem = password_problem(new_password)
    if problem:
        raise InvalidInput({"password": problem})
    with read_session() as session:
        user_by_email(session, email)  # a missing user is told before the slow hash
    # argon2 is deliberately slow: hash before taking the write lock.
    new_hash = hash_password(new_password)
    with transaction() as session:
        user = user_by_email(session, email)
        user.password_hash = new_hash
        session.add(user)
        now = utc_now()
        open_sessions = list(session.exec(
            select(AuthSession).where(AuthSession.user_id == user.id, col(AuthSession.ended_at).is_(None))
        ))
        for row in open_sessions:
            row.ended_at = now
            session.add(row)
        revoked = 0
        if revoke_tokens:
            for token in session.exec(select(ApiToken).where(ApiToken.user_id == user.id,
                                                             col(ApiToken.revoked_at).is_(None))):
                token.revoked_at = now
                session.add(token)
                revoked += 1
        session.flush()
        if open_sessions:
            refresh_user(session, id_of(user), "password changed")
        write_audit(session, actor, AuditAction.USER_PASSWORD, "user", user.id, user.client_id, None,
                    {"email": email, "sessions_ended": len(open_sessions), "tokens_revoked": revoked})
    return PasswordChange(sessions_ended=len(open_sessions), tokens_revoked=revoked)


AUTH_USER_ID_HINT = "Give the Supabase Auth user's id (a UUID, as in Authentication > Users)."


def _parse_auth_user_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID((raw or "").strip())
    except ValueError:
        raise InvalidInput({"auth_user_id": AUTH_USER_ID_HINT}) from None


def _supabase_auth_user_exists(session, auth_user_id: uuid.UUID) -> bool | None:
    """Whether auth.users holds the id; None where there is no auth.users (not Supabase)."""
    bind = session.connection()
    if bind.dialect.name != "postgresql" or bind.execute(
            sa.text("SELECT to_regclass('auth.users')")).scalar() is None:
        return None
    return bind.execute(sa.text("SELECT EXISTS (SELECT 1 FROM auth.users WHERE id = :id)"),
                        {"id": auth_user_id}).scalar()


def link_auth_user(actor: Actor | None, email: str, auth_user_id: str | None) -> uuid.UUID | None:
    """Link the user with `email` to a Supabase Auth user (its access tokens then act as this
    user on the API and, through row-level security, on Supabase's own API), or unlink it
    (`auth_user_id` None). The operator's CLI (`actor` None) or a platform admin. Audited.

    One Supabase user links to one Beacon user at most (Conflict otherwise); on a Supabase
    database the id must be one of auth.users."""
    if actor is not None and actor.role != Role.PLATFORM_ADMIN:
        raise Forbidden("Only a platform admin may link users to Supabase Auth.")
    email = (email or "").strip().lower()
    new_id = None if auth_user_id is None else _parse_auth_user_id(auth_user_id)
    with transaction() as session:
        user = user_by_email(session, email)
        if new_id is not None:
            holder = session.exec(select(User.email).where(User.auth_user_id == new_id, User.id != user.id)).first()
            if holder is not None:
                raise Conflict(f"Supabase Auth user {new_id} is linked to {holder} already; unlink it there first.")
            if _supabase_auth_user_exists(session, new_id) is False:
                raise InvalidInput({"auth_user_id": f"No Supabase Auth user has the id {new_id}."})
        previous = user.auth_user_id
        user.auth_user_id = new_id
        session.add(user)
        write_audit(session, actor, AuditAction.USER_LINK_AUTH_USER, "user", user.id, user.client_id,
                    {"auth_user_id": str(previous) if previous else None},
                    {"email": email, "auth_user_id": str(new_id) if new_id else None})
    return new_id
