"""Users, passwords, sign-in sessions and API tokens."""

from __future__ import annotations

import dataclasses
import re
import secrets
from datetime import timedelta

from sqlmodel import Session, select

from app.config import get_settings
from app.db import read_session, transaction
from app.models import AuditAction, AuthSession, HumanAgent, Role, TokenScope, User, id_of, utc_now
from app.rules.actors import Actor, require_platform_admin
from app.rules.errors import InvalidInput, NotAuthenticated
from app.rules.text import text_problems
from app.services import passwords, tokens
from app.services.actors import actor_for_user
from app.services.audit import write_audit
from app.services.presence import refresh_user
from app.services.secrets_at_rest import token_digest
from app.services.signin_throttle import TooManyAttempts, get_throttle
from app.views.access import client_by_name

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# Emails longer than RFC 5321 allows cannot be accounts: they are not even looked up.
EMAIL_MAX_LENGTH = 254
SIGN_IN_REFUSED = "Wrong email or password."  # the same words for an unknown email and a wrong password


class DemoPasswordRefused(NotAuthenticated):
    """A demo account's published password, tried from anywhere but a browser on this machine."""


DEMO_PASSWORD_REFUSED = ("This demo account still has its published demo password, so it signs in only "
                         "from a browser on the server itself. Give it a password of its own first "
                         "(beacon user password --email ...).")


def sign_in(email: str, password: str, client_address: str = "", replaces_session_key: str = "", *,
            from_local_browser: bool = True, device: str = "") -> tuple[str, Actor]:
    """Check the password and open a server-side session; returns its token.

    `device`: the browser's device cookie (app/api/auth.py); after a successful sign-in the
    throttle trusts it for this account (OWASP's device cookies).

    `replaces_session_key`: the session the browser signed in with until now (its cookie's key).
    A successful sign-in ends it in the same transaction, whoever's it was: the browser's cookie
    is overwritten, so nothing should keep acting with it (a failed sign-in leaves it alone).

    Throttled per (account, address), per address, and per account by a growing delay only
    (app/services/signin_throttle.py); lock events are audited (sign_in.locked). The argon2
    check (deliberately slow: tens of ms, more on a busy machine) runs outside any write
    transaction: the user is read in a read session and only the new session row is written in
    one, so a guessing loop never holds SQLite's write lock that every tenant's writes wait for.
    An unknown email is checked against a dummy hash, so its answer takes as long as a wrong
    password's and says the same.

    A demo account (app/rules/demo_accounts.py) that still has its published password signs in only
    `from_local_browser`: the HTTP endpoint (app/api/auth.py, the one door through which a password
    crosses the network) says so only for a loopback TCP peer with no forwarding header, so the
    demo admin is nobody's on the internet, whatever address Beacon listens on and whatever proxy
    sits in front. Otherwise the attempt is refused (DemoPasswordRefused), audited, and counted by
    the throttle like a failure (which bounds the audit rows a loop can write). In-process callers
    (tests, benchmarks) cross no network.
    """
    # Refused before the throttle and any query: no password is tried, so nothing is counted.
    problems = text_problems(single_line={"email": email, "password": password})
    if problems:
        raise InvalidInput(problems)
    email = (email or "").strip().lower()
    password = password or ""
    throttle = get_throttle()
    throttle.admit(email, client_address, device)  # counted before the hash is checked (refunded on success)
    user_id = None
    password_hash = passwords.dummy_hash()
    if len(email) <= EMAIL_MAX_LENGTH:
        with read_session() as session:
            user = session.exec(select(User).where(User.email == email)).first()
            if user is not None and user.is_active:
                user_id, password_hash = user.id, user.password_hash
    matches = passwords.password_matches(password_hash, password)
    if user_id is None or not matches:
        _failed(throttle, email, client_address, user_id, device)
        raise NotAuthenticated(SIGN_IN_REFUSED)
    if not from_local_browser and passwords.is_demo_password(email, password):
        _audit_demo_password_refused(user_id, client_address)
        _failed(throttle, email, client_address, user_id, device)
        raise DemoPasswordRefused(DEMO_PASSWORD_REFUSED)
    throttle.succeeded(email, client_address, device)  # refunds, then re-checks the locks: may refuse
    with transaction() as session:
        user = session.get(User, user_id)
        # Disabled, or the password changed, between the check and now: refuse as before.
        if user is None or not user.is_active or user.password_hash != password_hash:
            raise NotAuthenticated(SIGN_IN_REFUSED)
        token = secrets.token_urlsafe(32)
        now = utc_now()
        session.add(
            AuthSession(
                token_hash=token_digest(token), user_id=id_of(user), created_at=now, last_seen_at=now,
                expires_at=now + timedelta(hours=get_settings().session_hours),
            )
        )
        session.flush()
        if replaces_session_key:
            _end_session(session, replaces_session_key, "signed in again")
        actor = actor_for_user(session, user)
        refresh_user(session, id_of(user), "signed in")
    throttle.remember_device(email, device)  # this browser now passes the account's address rules
    return token, actor


def _failed(throttle, email: str, client_address: str, user_id: int | None, device: str = "") -> None:
    """Tell the throttle; a lock this failure set is audited (on the account, when it exists)."""
    try:
        throttle.failed(email, client_address, device)
    except TooManyAttempts as locked:
        outcome = getattr(locked, "outcome", None)
        if outcome is not None and outcome.locks:
            _audit_lock(user_id, client_address, outcome.locks)
        raise


def _audit_lock(user_id: int | None, client_address: str, locks: list[str]) -> None:
    from app.services.signin_throttle import LOCKOUT_SECONDS, address_key

    details = {"client_address": client_address[:100], "address_key": address_key(client_address)[:100],
               "locks": locks, "seconds": LOCKOUT_SECONDS}
    # The throttle acted, not the user: actor "system"; the target is the account when it exists.
    with transaction() as session:
        user = session.get(User, user_id) if user_id is not None else None
        write_audit(session, None, AuditAction.SIGN_IN_LOCKED, "user", user.id if user else None,
                    user.client_id if user else None, None, details)


def _audit_demo_password_refused(user_id: int, client_address: str) -> None:
    with transaction() as session:
        user = session.get(User, user_id)
        if user is None:
            return
        write_audit(session, actor_for_user(session, user), AuditAction.SIGN_IN_DEMO_PASSWORD_REFUSED, "user", user.id,
                    user.client_id, None, {"client_address": client_address[:100]})


def session_key(token: str) -> str:
    """What the server keeps of a sign-in session's token: its SHA-256 digest (the database's
    `token_hash`). The raw token lives only in the browser's HttpOnly cookie; app/web/session.py
    turns the cookie into this key at the edge, before Reflex or any handler sees the request."""
    return token_digest(token)


def actor_for_session(token: str) -> Actor:
    """The signed-in user of a session token, or NotAuthenticated."""
    if not token:
        raise NotAuthenticated("Please sign in.")
    return actor_for_session_key(session_key(token))


def actor_for_session_key(key: str) -> Actor:
    """The signed-in user of a session, named by its key (session_key), or NotAuthenticated."""
    if not key:
        raise NotAuthenticated("Please sign in.")
    with read_session() as session:
        row = session.exec(select(AuthSession).where(AuthSession.token_hash == key)).first()
        if row is None or row.ended_at is not None or row.expires_at <= utc_now():
            raise NotAuthenticated("Your session has ended; please sign in again.")
        user = session.get(User, row.user_id)
        if user is None or not user.is_active:
            raise NotAuthenticated("Your account is disabled.")
        return dataclasses.replace(actor_for_user(session, user),
                                   auth_session_id=row.id, session_expires_at=row.expires_at)


def sign_out(token: str) -> None:
    if not token:
        return
    sign_out_session_key(session_key(token))


def sign_out_session_key(key: str) -> None:
    """End the session named by its key (session_key); nothing happens for an unknown or ended one."""
    if not key:
        return
    with transaction() as session:
        _end_session(session, key, "signed out")


def _end_session(session: Session, key: str, reason: str) -> None:
    """End the open session named by `key` in this transaction (nothing for an unknown or ended one)."""
    row = session.exec(select(AuthSession).where(AuthSession.token_hash == key)).first()
    if row is None or row.ended_at is not None:
        return
    row.ended_at = utc_now()
    session.add(row)
    session.flush()
    refresh_user(session, row.user_id, reason)


def create_user(
    actor: Actor | None,
    email: str,
    name: str,
    password: str,
    role: str,
    client_name: str | None = None,
    max_chats: int = 3,
) -> User:
    """Create a user; support staff also become human agents. `actor` None: the operator's CLI."""
    if actor is not None:
        require_platform_admin(actor)
    problems = text_problems(single_line={"email": email, "name": name, "password": password})
    email = (email or "").strip().lower()
    if "email" not in problems and not EMAIL_PATTERN.match(email):
        problems["email"] = "Enter an email address like name@example.com."
    weak = None if "password" in problems else passwords.password_problem(password)  # `beacon user password`'s rule
    if weak:
        problems["password"] = weak
    if role not in Role.values():
        problems["role"] = "Role must be one of " + ", ".join(Role.values()) + "."
    if role != Role.PLATFORM_ADMIN and not client_name:
        problems["client"] = "Every user but a platform admin belongs to a client."
    if problems:
        raise InvalidInput(problems)
    role = Role(role)  # one of them: checked above
    with transaction() as session:
        if session.exec(select(User).where(User.email == email)).first() is not None:
            raise InvalidInput({"email": "A user with this email exists already."})
        client_id = None
        if role != Role.PLATFORM_ADMIN:
            assert client_name  # a missing client is one of the problems above
            client_id = id_of(client_by_name(session, client_name))
        user = User(
            email=email, name=(name or email.split("@")[0]).strip(), role=role,
            client_id=client_id, password_hash=passwords.hash_password(password),
        )
        session.add(user)
        session.flush()
        if role == Role.SUPPORT_STAFF:
            assert client_id is not None  # support staff belong to a client
            agent = HumanAgent(user_id=id_of(user), client_id=client_id, max_chats=max_chats)
            session.add(agent)
            session.flush()
        write_audit(
            session, actor, AuditAction.USER_CREATE, "user", user.id, client_id, None,
            {"email": email, "role": role, "client_id": client_id},
        )
    return user


def create_api_token(email: str, name: str = "cli") -> str:
    """Issue a publish token for `email` as the operator would (90 days); see services/tokens.py."""
    return tokens.create_token(None, email, name=name)[1]


def actor_for_api_token(token: str, scope: str = TokenScope.READ) -> Actor:
    """The user of a valid, unexpired, unrevoked API token; see services/tokens.py."""
    return tokens.actor_for_api_token(token, scope)


def actor_for_email(email: str) -> Actor:
    """The CLI's actor: the operator names the account they act as."""
    problems = text_problems(single_line={"email": email})
    if problems:
        raise InvalidInput(problems)
    email = (email or "").strip().lower()
    with read_session() as session:
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None or not user.is_active:
            raise NotAuthenticated(f"No active user with email {email!r}.")
        return actor_for_user(session, user)
