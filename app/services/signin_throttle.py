"""Sign-in throttling: per account and per client address, with the `limits` library.

Only failed sign-ins count. When an account collects ACCOUNT_FAILURES_BEFORE_LOCK failures within
FAILURE_WINDOW_SECONDS it is locked for LOCKOUT_SECONDS: every sign-in to it is refused during
that time, a correct password included (otherwise the lock would only slow a guesser down to
"guess, and on success wait", and it would tell them which guess was right). A client address
gets a larger allowance (ADDRESS_FAILURES_BEFORE_LOCK) so that one address cannot sweep many
accounts a few guesses each, then is locked the same way.

The counters live in Redis when REFLEX_REDIS_URL is set (several backend workers share them), in
this process's memory otherwise (the embedded default runs one backend worker). Both are
moving windows: a failure counts for exactly FAILURE_WINDOW_SECONDS after it happened.

Unknown emails are counted like known ones (keyed by the normalized email), so the throttle's
behaviour does not tell which accounts exist either.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from dataclasses import dataclass

from limits import RateLimitItemPerSecond
from limits.storage import Storage
from limits.strategies import MovingWindowRateLimiter

from app.rules.errors import ServiceError
from app.services.limit_storage import counters_for_environment

# OWASP's guidance for online guessing: lock after a handful of failures, long enough that a
# guessing loop gets ~1,000 tries a day at most, short enough that a locked-out person waits once.
ACCOUNT_FAILURES_BEFORE_LOCK = 10  # a person mistyping does not reach 10; a guesser does at once
FAILURE_WINDOW_SECONDS = 15 * 60  # failures older than this are forgiven
LOCKOUT_SECONDS = 15 * 60  # how long a lock lasts after the failure that set it
# Several people behind one office NAT mistype too; 5 accounts' worth of failures before the
# address is locked, so one address cannot sweep many accounts a few guesses at a time.
ADDRESS_FAILURES_BEFORE_LOCK = 5 * ACCOUNT_FAILURES_BEFORE_LOCK
# Keys in a shared Redis are namespaced so they never mix with Reflex's own state keys.
REDIS_KEY_PREFIX = "beacon-signin"
# Emails longer than RFC 5321 allows cannot be accounts; keys are digests, so size is bounded.
_KEY_DIGEST_CHARS = 32


class TooManyAttempts(ServiceError):
    """Sign-in refused by the throttle; `retry_after_seconds` says for how long."""

    http_status = 429

    def __init__(self, retry_after_seconds: float):
        self.retry_after_seconds = max(0.0, retry_after_seconds)
        super().__init__(lockout_message(self.retry_after_seconds))


def minutes_left(seconds: float) -> int:
    """Whole minutes, rounded up, and never 0 while a lock stands."""
    return max(1, math.ceil(seconds / 60))


def lockout_message(seconds: float) -> str:
    # The wording is part of the test contract (PRODUCT.md): "... try again in N minutes".
    return f"Too many attempts, try again in {minutes_left(seconds)} minutes"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:_KEY_DIGEST_CHARS]


@dataclass(frozen=True)
class _Rule:
    scope: str  # "account" or "address"
    failures: RateLimitItemPerSecond  # failures allowed within the window
    lock: RateLimitItemPerSecond  # one entry = locked until it leaves its window


def _rule(scope: str, failures_before_lock: int) -> _Rule:
    return _Rule(
        scope=scope,
        failures=RateLimitItemPerSecond(failures_before_lock, FAILURE_WINDOW_SECONDS, namespace=f"fail-{scope}"),
        lock=RateLimitItemPerSecond(1, LOCKOUT_SECONDS, namespace=f"lock-{scope}"),
    )


ACCOUNT_RULE = _rule("account", ACCOUNT_FAILURES_BEFORE_LOCK)
ADDRESS_RULE = _rule("address", ADDRESS_FAILURES_BEFORE_LOCK)


class SignInThrottle:
    """The two rules over one `limits` storage."""

    def __init__(self, storage: Storage):
        self.storage = storage
        self._limiter = MovingWindowRateLimiter(storage)

    def _subjects(self, email: str, address: str) -> list[tuple[_Rule, str]]:
        subjects = [(ACCOUNT_RULE, _digest(email))]
        if address:  # calls with no client address (services, CLI) only meet the account rule
            subjects.append((ADDRESS_RULE, _digest(address)))
        return subjects

    def _locked_for(self, rule: _Rule, key: str) -> float:
        """Seconds this account/address stays locked (0: not locked)."""
        if self._limiter.test(rule.lock, key):
            return 0.0
        reset_at, _remaining = self._limiter.get_window_stats(rule.lock, key)
        return max(0.0, reset_at - time.time())

    def check(self, email: str, address: str = "") -> None:
        """Raise TooManyAttempts while the account or the address is locked."""
        left = max(self._locked_for(rule, key) for rule, key in self._subjects(email, address))
        if left > 0:
            raise TooManyAttempts(left)

    def record_failure(self, email: str, address: str = "") -> None:
        """Count a failed sign-in; raise TooManyAttempts if this one sets a lock."""
        locked = False
        for rule, key in self._subjects(email, address):
            self._limiter.hit(rule.failures, key)
            if not self._limiter.test(rule.failures, key):  # the window is full: lock
                self._limiter.hit(rule.lock, key)
                self._limiter.clear(rule.failures, key)  # after the lock, a fresh allowance
                locked = True
        if locked:
            self.check(email, address)

    def record_success(self, email: str) -> None:
        """A correct password forgives the account's earlier failures (not the address's:
        an attacker who owns one account must not be able to reset their address's count)."""
        self._limiter.clear(ACCOUNT_RULE.failures, _digest(email))


_throttle: SignInThrottle | None = None
_throttle_lock = threading.Lock()


def storage_for_environment() -> Storage:
    return counters_for_environment(REDIS_KEY_PREFIX)


def get_throttle() -> SignInThrottle:
    global _throttle
    with _throttle_lock:
        if _throttle is None:
            _throttle = SignInThrottle(storage_for_environment())
        return _throttle


def use_throttle(throttle: SignInThrottle | None) -> None:
    """Replace this process's throttle (tests); None: build it again from the environment."""
    global _throttle
    with _throttle_lock:
        _throttle = throttle
