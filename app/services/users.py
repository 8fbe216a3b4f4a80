"""Changing a user's password, and finding the demo accounts that still have a demo password.

The operator's `beacon user password` calls `change_password`; the start-up guard
(`app/startup_guard.py`) calls `demo_accounts_with_demo_password` before Beacon serves on a
non-loopback address.
"""

from __future__ import annotations

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import col, select

from app.db import get_engine, read_session, transaction
from app.models import AuthSession, Role, User, utc_now
from app.services.actors import Actor
from app.services.audit import write_audit
from app.services.errors import Forbidden, InvalidInput, NotFound
from app.services.presence import refresh_user

# A changed password is what stands between the open network and a platform admin: longer than
# the floor `create_user` applies to new accounts.
NEW_PASSWORD_MIN_LENGTH = 12
NEW_PASSWORD_MAX_LENGTH = 1024  # argon2 takes any length; this only bounds the work per attempt

_hasher = PasswordHasher()


def demo_passwords(email: str = "") -> tuple[str, ...]:
    """Both demo passwords; the one the seed gave `email` first (each check is a slow argon2)."""
    from app.services.seed import ADMIN_PASSWORD, DEMO_PASSWORD

    return (ADMIN_PASSWORD, DEMO_PASSWORD) if email == "admin@beacon.demo" else (DEMO_PASSWORD, ADMIN_PASSWORD)


def demo_emails() -> list[str]:
    """The accounts `beacon seed demo` creates, the platform admin first."""
    from app.services.seed import DEMO_CLIENTS

    emails = ["admin@beacon.demo"]
    for spec in DEMO_CLIENTS.values():
        emails.append(spec["admin"][0])
        emails.extend(email for email, _name in spec["staff"])
    return emails


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


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
            if email in hashes and any(_matches(hashes[email], p) for p in demo_passwords(email))]


def change_password(actor: Actor | None, email: str, new_password: str) -> int:
    """Set the password of the user with `email`, ending all of that user's sign-in sessions.

    `actor` None is the operator's CLI (it has the database); otherwise the user themself or a
    platform admin. Writes an audit row (never the password or its hash). Returns how many
    sessions it ended.
    """
    email = (email or "").strip().lower()
    new_password = new_password or ""
    if actor is not None and actor.email != email and actor.role != Role.PLATFORM_ADMIN.value:
        raise Forbidden("Only a platform admin may change another user's password.")
    if len(new_password) < NEW_PASSWORD_MIN_LENGTH:
        raise InvalidInput({"password": f"Use at least {NEW_PASSWORD_MIN_LENGTH} characters."})
    if len(new_password) > NEW_PASSWORD_MAX_LENGTH:
        raise InvalidInput({"password": f"Use at most {NEW_PASSWORD_MAX_LENGTH} characters."})
    if new_password in demo_passwords():
        raise InvalidInput({"password": "That is a demo password; choose another."})
    with read_session() as session:
        if session.exec(select(User.id).where(User.email == email)).first() is None:
            raise NotFound(f"No user with email {email!r}.")
    # argon2 is deliberately slow: hash before taking the write lock.
    new_hash = _hasher.hash(new_password)
    with transaction() as session:
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None:
            raise NotFound(f"No user with email {email!r}.")
        user.password_hash = new_hash
        session.add(user)
        now = utc_now()
        open_sessions = list(session.exec(
            select(AuthSession).where(AuthSession.user_id == user.id, col(AuthSession.ended_at).is_(None))
        ))
        for row in open_sessions:
            row.ended_at = now
            session.add(row)
        session.flush()
        if open_sessions:
            refresh_user(session, user.id, "password changed")
        write_audit(session, actor, "user.password", "user", user.id, user.client_id, None,
                    {"email": email, "sessions_ended": len(open_sessions)})
    return len(open_sessions)
