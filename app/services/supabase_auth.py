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
service_role keys are not users), issuer the configured project's (BEACON_SUPABASE_ISSUER, or the
JWKS URL's auth base: another project's token, even one signed with a shared or leaked legacy
secret, is refused), expiry checked with a small leeway.

Unknown, expired, forged or unlinked tokens are NotAuthenticated (401); what the user may do is
the services' business as for any caller (403).
"""

from __future__ import annotations

import logging
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
from app.services.actors import actor_for_user

log = logging.getLogger("beacon.supabase_auth")

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
# What a caller learns when the key set cannot be read: nothing of the URL or the error (logged).
KEYS_UNAVAILABLE = "This Supabase access token could not be checked now; try again later."


def looks_like_jwt(token: str) -> bool:
    """A JWT is three base64url parts; its header, a JSON object, always starts "eyJ"."""
    return token.startswith("eyJ") and token.count(".") == 2


class SigningKeys:
    """A Supabase project's JWKS: cached, fetched again for an unknown key id (rate-limited).

    The fetch runs outside the lock and single-flight: one caller fetches, those that need the
    same fetch wait for it (at most its timeout), and a caller whose key is already known never
    waits behind the network. A failed fetch is logged here; the caller gets a 401 that says
    nothing of the URL or the error, and keys fetched before stay in use."""

    def __init__(self, url: str, min_refresh_seconds: float = JWKS_MIN_REFRESH_SECONDS):
        self.url = url
        self.min_refresh_seconds = min_refresh_seconds
        # No cache in PyJWT's client: this class caches, so that nothing of it is read under a lock.
        self._client = jwt.PyJWKClient(url, cache_jwk_set=False, cache_keys=False,
                                       timeout=JWKS_FETCH_TIMEOUT_SECONDS)
        self._lock = threading.Lock()  # guards the fields below; never held over the network
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")  # the last successful fetch
        self._last_fetch = float("-inf")  # the last attempt, successful or not
        self._in_flight: threading.Event | None = None

    def _fetch(self) -> dict[str, jwt.PyJWK] | None:
        try:
            return {key.key_id: key for key in self._client.get_signing_keys() if key.key_id}
        except Exception as error:  # noqa: BLE001 - whatever the network or the body did
            log.warning("Could not read the Supabase signing keys at %s: %s", self.url, error)
            return None

    def key_for(self, kid: str | None) -> jwt.PyJWK:
        if not kid:
            raise NotAuthenticated(NOT_VALID)
        with self._lock:
            now = time.monotonic()
            fresh = now - self._fetched_at < JWKS_CACHE_SECONDS
            if kid in self._keys and (fresh or self._in_flight is not None):
                return self._keys[kid]  # a known key never waits for a refresh of the set
            if self._in_flight is not None:
                flight, leader = self._in_flight, False
            elif now - self._last_fetch < self.min_refresh_seconds:
                flight, leader = None, False  # rate-limited: what we have is the answer
            else:
                flight, leader = threading.Event(), True
                self._in_flight = flight
                self._last_fetch = now
        if leader:
            assert flight is not None  # the leader is the one that set a flight up
            keys = self._fetch()
            with self._lock:
                if keys is not None:
                    self._keys, self._fetched_at = keys, time.monotonic()
                self._in_flight = None
                flight.set()
        elif flight is not None:
            flight.wait(JWKS_FETCH_TIMEOUT_SECONDS + 1)
        with self._lock:
            key = self._keys.get(kid)
            unavailable = not self._keys and self._fetched_at == float("-inf")
        if key is None:
            raise NotAuthenticated(KEYS_UNAVAILABLE if unavailable else NOT_VALID)
        return key


_signing_keys: dict[str, SigningKeys] = {}
_signing_keys_lock = threading.Lock()


def signing_keys(url: str) -> SigningKeys:
    with _signing_keys_lock:
        if url not in _signing_keys:
            _signing_keys[url] = SigningKeys(url)
        return _signing_keys[url]


def _verification_key(header: dict) -> tuple[str | jwt.PyJWK, str]:
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
    issuer = get_settings().supabase_token_issuer
    if not issuer:
        raise NotAuthenticated(NOT_ACCEPTED)  # no project named: no token is this project's
    key, algorithm = _verification_key(header)
    try:
        return jwt.decode(token, key, algorithms=[algorithm], audience=AUDIENCE, issuer=issuer,
                          leeway=CLOCK_LEEWAY_SECONDS, options={"require": ["exp", "sub", "aud", "iss"]})
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
        return actor_for_user(session, user)
