"""API tokens: issue (with an expiry and a scope), list, revoke, and check a bearer token.

Who may manage tokens:
- a platform admin: anyone's tokens;
- any other (active) user: only their own tokens (create, list, revoke);
- the operator's CLI (`actor` None: whoever can reach the database, as with `beacon user create`):
  anyone's tokens.
Authorization comes before existence: a non-admin asking about another user's token id gets the
same answer as for an id that does not exist, and about another email the same answer whether
that account exists or not.

A token is shown once, when it is created; the database keeps its SHA-256 digest and its first
characters (the prefix, to recognise it in a list). A token's scope is a ceiling on top of its
user's rights: "read" may only call reading endpoints (GET), "publish" may also write where its
user may (a client admin's publish token still cannot publish: the service refuses it).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from app.db import read_session, transaction
from app.models import ApiToken, AuditAction, TokenScope, User, id_of, utc_now
from app.rules.actors import Actor, require_platform_admin
from app.rules.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound
from app.rules.text import text_problems
from app.services.actors import API_TOKEN_PREFIX, actor_for_user
from app.services.audit import write_audit
from app.services.secrets_at_rest import token_digest
from app.views.access import user_by_email

PREFIX_LENGTH = 12  # "bkn_" and 8 characters of the secret: enough to tell tokens apart, useless to guess
DEFAULT_SCOPE = TokenScope.PUBLISH  # what `token create` gave before scopes existed (scripts rely on it)
DEFAULT_LIFETIME = timedelta(days=90)  # issue 9: tokens expire unless renewed
MAX_LIFETIME = timedelta(days=3650)  # ten years: anything longer is a typo or "never" in disguise
NAME_MAX_LENGTH = 120  # the column's width
TOKEN_MAX_LENGTH = 200  # ours are 47 characters; longer input is refused before it is hashed
# last_used_at is written at most once a minute per token, so a busy script does not turn every
# API read into a write (on SQLite each write takes the database's one write lock).
LAST_USED_RESOLUTION = timedelta(seconds=60)
ADMIN_LIST_LIMIT = 200  # the admin page's Tokens tab: the newest 200


_DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
EXPIRY_MAX_LENGTH = 64  # the longest ISO date-time with a zone is 32 characters
EXPIRY_HINT = "Use a duration (30d, 12h, 2w) or an ISO date (2026-12-31), at most 3650 days ahead."
NOT_VALID = "This API token is not valid."


@dataclass
class TokenRow:
    """What a list shows of a token: never the secret nor its digest."""

    id: int
    email: str
    name: str
    prefix: str
    scope: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    state: str  # active | expired | revoked, as of the read


def parse_token_expiry(value: str | None, now: datetime | None = None) -> datetime:
    """When a new token expires: a duration from now ("30d", "12h", "2w", "90s"), an ISO date or
    date-time (UTC unless it names a zone), or nothing for the default 90 days.

    Past, zero, negative and more than MAX_LIFETIME ahead are InvalidInput."""
    now = now or utc_now()
    text = "" if value is None else str(value).strip().lower()
    if not text:
        return now + DEFAULT_LIFETIME
    if len(text) > EXPIRY_MAX_LENGTH:
        raise InvalidInput({"expires": EXPIRY_HINT})
    match = _DURATION.match(text)
    if match:
        digits = match.group(1).lstrip("0") or "0"
        if len(digits) > 12:  # far beyond ten years in any unit; int() of it could be costly
            raise InvalidInput({"expires": "That is too far ahead. " + EXPIRY_HINT})
        seconds = int(digits) * _UNIT_SECONDS[match.group(2)]
        if seconds <= 0:
            raise InvalidInput({"expires": "The expiry must be in the future. " + EXPIRY_HINT})
        if seconds > MAX_LIFETIME.total_seconds():
            raise InvalidInput({"expires": "That is too far ahead. " + EXPIRY_HINT})
        return now + timedelta(seconds=seconds)
    try:
        moment = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput({"expires": EXPIRY_HINT}) from None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if moment <= now:
        raise InvalidInput({"expires": "The expiry must be in the future. " + EXPIRY_HINT})
    if moment - now > MAX_LIFETIME:
        raise InvalidInput({"expires": "That is too far ahead. " + EXPIRY_HINT})
    return moment


def token_state(token: ApiToken, now: datetime) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


def _may_manage(actor: Actor | None, user_id: int | None, email: str) -> bool:
    if actor is None or actor.is_platform_admin:
        return True
    return actor.user_id is not None and (actor.user_id == user_id or actor.email == email)


def _require_own_email(actor: Actor | None, email: str) -> None:
    """Before any lookup: a non-admin may only name their own account."""
    if not _may_manage(actor, None, email):
        raise Forbidden("You may only manage your own API tokens.")


def _normalized_email(email: str) -> str:
    return (email or "").strip().lower()


def create_token(
    actor: Actor | None,
    email: str,
    expires: str | None = None,
    scope: str = DEFAULT_SCOPE,
    name: str = "cli",
) -> tuple[int, str, datetime]:
    """Issue a token for the user with `email`: (its id, the secret, when it expires).

    The secret is returned once and stored only as a digest."""
    email = _normalized_email(email)
    _require_own_email(actor, email)
    problems: dict[str, str] = {}
    scope = (scope or "").strip().lower()
    if scope not in TokenScope.values():
        problems["scope"] = "Scope must be " + " or ".join(TokenScope.values()) + "."
    name = " ".join((name or "").split())
    if not name:
        problems["name"] = "Give the token a name."
    elif len(name) > NAME_MAX_LENGTH:
        problems["name"] = f"Use at most {NAME_MAX_LENGTH} characters."
    problems.update(text_problems(single_line={"name": name}))
    expires_at = None
    try:
        expires_at = parse_token_expiry(expires)
    except InvalidInput as error:
        problems.update(error.fields)
    if problems:
        raise InvalidInput(problems)
    assert expires_at is not None  # an expiry that did not parse is one of the problems above
    with transaction() as session:
        user = user_by_email(session, email)
        if not user.is_active:
            raise InvalidInput({"email": "This account is disabled."})
        secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = ApiToken(user_id=id_of(user), name=name, prefix=secret[:PREFIX_LENGTH], token_hash=token_digest(secret),
                       expires_at=expires_at, scope=TokenScope(scope))
        session.add(row)
        session.flush()
        write_audit(session, actor, AuditAction.API_TOKEN_CREATE, "api_token", row.id, user.client_id, None,
                    {"user": email, "name": name, "prefix": row.prefix, "scope": scope,
                     "expires_at": expires_at.isoformat()})
        return id_of(row), secret, expires_at


def _row(token: ApiToken, email: str, now: datetime) -> TokenRow:
    return TokenRow(
        id=id_of(token), email=email, name=token.name, prefix=token.prefix, scope=token.scope,
        created_at=token.created_at, expires_at=token.expires_at, last_used_at=token.last_used_at,
        revoked_at=token.revoked_at, state=token_state(token, now),
    )


def list_tokens(actor: Actor | None, email: str) -> list[TokenRow]:
    """The tokens of the user with `email`, oldest first (never their secrets)."""
    email = _normalized_email(email)
    _require_own_email(actor, email)
    now = utc_now()
    with read_session() as session:
        user = user_by_email(session, email)
        tokens = session.exec(select(ApiToken).where(ApiToken.user_id == user.id).order_by(col(ApiToken.id)))
        return [_row(t, user.email, now) for t in tokens]


def recent_tokens(actor: Actor, limit: int = ADMIN_LIST_LIMIT) -> list[TokenRow]:
    """Every user's newest tokens, newest first, at most `limit`: the admin page's Tokens tab."""
    require_platform_admin(actor)
    limit = max(1, min(int(limit), ADMIN_LIST_LIMIT))
    now = utc_now()
    with read_session() as session:
        pairs = session.exec(
            select(ApiToken, User.email).join(User, col(User.id) == col(ApiToken.user_id))
            .order_by(col(ApiToken.id).desc()).limit(limit)
        )
        return [_row(token, email, now) for token, email in pairs]


def revoke_token(actor: Actor | None, token_id: int) -> bool:
    """Revoke token `token_id` from now on; False when it was revoked already (nothing changes).

    A non-admin naming a token that is not theirs gets the same NotFound as for a missing id."""
    missing = NotFound(f"No API token #{token_id}" + ("" if actor is None or actor.is_platform_admin else " of yours")
                       + ".")
    if isinstance(token_id, bool) or not isinstance(token_id, int):
        raise missing
    with transaction() as session:
        row = session.get(ApiToken, token_id)
        user = session.get(User, row.user_id) if row is not None else None
        if row is None or user is None or not _may_manage(actor, user.id, user.email):
            raise missing
        if row.revoked_at is not None:
            return False
        row.revoked_at = utc_now()
        session.add(row)
        write_audit(session, actor, AuditAction.API_TOKEN_REVOKE, "api_token", row.id, user.client_id, None,
                    {"user": user.email, "name": row.name, "prefix": row.prefix})
        return True


def actor_for_api_token(token: str, scope: str = TokenScope.READ) -> Actor:
    """The user a bearer token acts for, if the token may do `scope`.

    NotAuthenticated (401) for a missing, unknown, expired or revoked token or a disabled user;
    Forbidden (403) for a valid token whose scope does not cover `scope`."""
    token = (token or "").strip()
    if not token:
        raise NotAuthenticated("Send an API token as 'Authorization: Bearer <token>'.")
    if len(token) > TOKEN_MAX_LENGTH:
        raise NotAuthenticated(NOT_VALID)
    now = utc_now()
    with read_session() as session:
        row = session.exec(select(ApiToken).where(ApiToken.token_hash == token_digest(token))).first()
        if row is None:
            raise NotAuthenticated(NOT_VALID)
        if row.revoked_at is not None:
            raise NotAuthenticated("This API token was revoked.")
        if row.expires_at is not None and row.expires_at <= now:
            raise NotAuthenticated("This API token has expired.")
        user = session.get(User, row.user_id)
        if user is None or not user.is_active:
            raise NotAuthenticated("This API token's user is disabled.")
        if scope != TokenScope.READ and row.scope != scope:
            raise Forbidden(f"This API token is {row.scope}-only; this call needs a {scope} token.")
        actor = actor_for_user(session, user)
        token_id, last_used = row.id, row.last_used_at
    if last_used is None or now - last_used >= LAST_USED_RESOLUTION:
        with transaction() as session:
            row = session.get(ApiToken, token_id)
            if row is not None:
                row.last_used_at = now
                session.add(row)
    return actor
