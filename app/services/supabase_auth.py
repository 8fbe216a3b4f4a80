"""Supabase Auth users on Beacon's API: their access tokens, verified, act as the linked user.

A Supabase access token is a JWT whose `sub` is the Supabase Auth user (auth.users.id); a Beacon
user is linked to one through users.auth_user_id (`beacon user link`). Two ways to verify it,
as Supabase signs it:
- HS256 with the project's JWT secret (BEACON_SUPABASE_JWT_SECRET), the legacy signing key;
- an asymmetric key (ES256, RS256, EdDSA) from the project's JWKS (BEACON_SUPABASE_JWKS_URL),
  Supabase's newer signing keys; the key set is cached and fetched again for a key id it does
  not know (a rotation), at most once per JWKS_MIN_REFRESH_SECONDS whatever callers send.
The algorithm the token names picks the way, never a key of the other kind (an RS256 public key
used as an HS256 secret is the classic forgery). Audience `authenticated` (the anon and
service_role keys are not users), expiry checked with a small leeway.

Unknown, expired, forged or unlinked tokens are NotAuthenticated (401); what the user may do is
the services' business as for any caller (403).
"""

from __future__ import annotations

import threading
import time
import uuid

import jwt
from sqlmodel import select

from app.config import get_settings
from app.db import read_session
from app.models import User
from app.rules.actors import Actor
from app.rules.errors import NotAuthenticated
from app.services.auth import _actor

AUDIENCE = "authenticated"  # what Supabase Auth puts in a signed-in user's access token
SYMMETRIC_ALGORITHM = "HS256"
ASYMMETRIC_ALGORITHMS = ("ES256", "RS256", "EdDSA")
# Clocks of the Supabase project and of Beacon's host may differ a little; Supabase's own
# servers accept a few seconds.
CLOCK_LEEWAY_SECONDS = 10
JWT_MAX_LENGTH = 8192  # Supabase's tokens are about 1 KB; longer input is refused before parsing
JWKS_CACHE_SECONDS = 600  # as supabase-js caches the key set
JWKS_MIN_REFRESH_SECONDS = 5  # an unknown key id costs one fetch per this long, not one per request
JWKS_FETCH_TIMEOUT_SECONDS = 5

NOT_VALID = "This Supabase access token is not valid."
EXPIRED = "This Supabase access token has expired."
NOT_LINKED = "This Supabase user is not linked to a Beacon user (beacon user link)."
NOT_ACCEPTED = "Supabase access tokens are not accepted here."


def looks_like_jwt(token: str) -> bool:
    """A JWT is three base64url parts; its header, a JSON object, always starts "eyJ"."""
    return token.startswith("eyJ") and token.count(".") == 2


class SigningKeys:
    """A Supabase project's JWKS: cached, fetched again for an unknown key id (rate-limited)."""

    def __init__(self, url: str, min_refresh_seconds: float = JWKS_MIN_REFRESH_SECONDS):
        self.url = url
        self.min_refresh_seconds = min_refresh_seconds
        self._client = jwt.PyJWKClient(url, cache_jwk_set=True, lifespan=JWKS_CACHE_SECONDS,
                                       timeout=JWKS_FETCH_TIMEOUT_SECONDS)
        self._lock = threading.Lock()
        self._last_fetch = float("-inf")

    def _keys(self, refresh: bool) -> dict[str, jwt.PyJWK]:
        try:
            return {key.key_id: key for key in self._client.get_signing_keys(refresh=refresh) if key.key_id}
        except jwt.PyJWKClientError as error:
            raise NotAuthenticated(f"Could not read the Supabase project's signing keys ({error}).") from None

    def key_for(self, kid: str | None) -> jwt.PyJWK:
        if not kid:
            raise NotAuthenticated(NOT_VALID)
        with self._lock:
            first = self._last_fetch == float("-inf")
            keys = self._keys(refresh=False)
            if first:
                self._last_fetch = time.monotonic()
            if kid in keys:
                return keys[kid]
            if time.monotonic() - self._last_fetch < self.min_refresh_seconds:
                raise NotAuthenticated(NOT_VALID)
            self._last_fetch = time.monotonic()
            keys = self._keys(refresh=True)
        if kid not in keys:
            raise NotAuthenticated(NOT_VALID)
        return keys[kid]


_signing_keys: dict[str, SigningKeys] = {}
_signing_keys_lock = threading.Lock()


def signing_keys(url: str) -> SigningKeys:
    with _signing_keys_lock:
        if url not in _signing_keys:
            _signing_keys[url] = SigningKeys(url)
        return _signing_keys[url]


def _verification_key(header: dict) -> tuple[object, str]:
    settings = get_settings()
    algorithm = header.get("alg")
    if algorithm == SYMMETRIC_ALGORITHM:
        secret = settings.supabase_jwt_secret.get_secret_value()
        if not secret:
            raise NotAuthenticated(NOT_ACCEPTED)
        return secret, algorithm
    if algorithm in ASYMMETRIC_ALGORITHMS:
        if not settings.supabase_jwks_url:
            raise NotAuthenticated(NOT_ACCEPTED)
        return signing_keys(settings.supabase_jwks_url).key_for(header.get("kid")), algorithm
    raise NotAuthenticated(NOT_VALID)  # "none", and every algorithm Supabase does not sign with


def verified_claims(token: str) -> dict:
    """The claims of a Supabase access token whose signature, audience and expiry hold."""
    if len(token) > JWT_MAX_LENGTH:
        raise NotAuthenticated(NOT_VALID)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise NotAuthenticated(NOT_VALID) from None
    key, algorithm = _verification_key(header)
    try:
        return jwt.decode(token, key, algorithms=[algorithm], audience=AUDIENCE,
                          leeway=CLOCK_LEEWAY_SECONDS, options={"require": ["exp", "sub", "aud"]})
    except jwt.ExpiredSignatureError:
        raise NotAuthenticated(EXPIRED) from None
    except jwt.InvalidTokenError:
        raise NotAuthenticated(NOT_VALID) from None


def actor_for_supabase_token(token: str) -> Actor:
    """The Beacon user linked to the token's Supabase Auth user."""
    claims = verified_claims(token)
    try:
        auth_user_id = uuid.UUID(str(claims["sub"]))
    except ValueError:
        raise NotAuthenticated(NOT_VALID) from None
    with read_session() as session:
        user = session.exec(select(User).where(User.auth_user_id == auth_user_id)).first()
        if user is None:
            raise NotAuthenticated(NOT_LINKED)
        if not user.is_active:
            raise NotAuthenticated("This Supabase user's Beacon account is disabled.")
        return _actor(session, user)
