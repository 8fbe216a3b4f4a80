"""Sign-in throttling that cannot be turned against users, with the `limits` library.

Three rules (OWASP's "Blocking Brute Force Attacks"; issue 19 point 2):

- Per (account, address): ACCOUNT_FAILURES_BEFORE_LOCK wrong passwords for one account from one
  address within FAILURE_WINDOW_SECONDS lock that account FOR THAT ADDRESS ONLY, for
  LOCKOUT_SECONDS ("Too many attempts, try again in N minutes"; the right password is refused
  there too). Someone who floods an account locks only themselves out of it: its owner, from
  their own address, still signs in.
- Per account: only a growing delay, never a lock. Once the account has ACCOUNT_FAILURES_BEFORE_DELAY
  failures (from all addresses) in the window, addresses that have themselves guessed wrong at it
  (within SUSPECT_SECONDS) get one password check per `delay_seconds(failures)` seconds between
  them, doubling up to MAX_DELAY_SECONDS ("try again in N seconds"). Addresses that never guessed
  wrong at the account are not delayed, so a flood from many addresses slows the flood, not the owner.
- Per address: ADDRESS_FAILURES_BEFORE_LOCK failures across all accounts lock the address for every
  account (one address cannot sweep many accounts a few guesses each).

- Per device (OWASP's device cookie): a browser that signed in to an account before sends its
  device cookie; for that account it skips the three rules above (a flood from the owner's own
  network cannot keep them out) and meets a lock of its own after ACCOUNT_FAILURES_BEFORE_LOCK
  failures (a stolen cookie buys as many guesses as an address).

An IPv6 address is keyed by its /64 (one subscriber's prefix holds 2**64 addresses); an
IPv4-mapped IPv6 address by its IPv4 address.

An attempt is counted BEFORE its password is checked (`admit`), so parallel guesses cannot all
pass the check before the lock: the (account, address) allowance admits exactly its number of
checks. A right password refunds the pair's count (`succeeded`), which then re-checks the locks:
a lock set by a parallel guess meanwhile refuses the right password too.

The counters live in Redis when REFLEX_REDIS_URL is set (several backend workers share them), in
this process's memory otherwise (app/setup/preflight.py refuses several workers without Redis).
Unknown emails are counted like known ones (keyed by the normalized email).
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import threading
import time
from dataclasses import dataclass, field

from limits import RateLimitItemPerSecond
from limits.storage import Storage
from limits.strategies import MovingWindowRateLimiter

from app.metrics import record
from app.rules.addresses import parse_address
from app.rules.errors import ServiceError
from app.services.limit_storage import counters_for_environment

ACCOUNT_FAILURES_BEFORE_LOCK = 10  # per (account, address): a person mistyping does not reach 10
FAILURE_WINDOW_SECONDS = 15 * 60  # failures older than this are forgiven
LOCKOUT_SECONDS = 15 * 60  # how long a lock lasts after the failure that set it
# Several people behind one office NAT mistype too; 5 accounts' worth of failures before the
# address is locked, so one address cannot sweep many accounts a few guesses at a time.
ADDRESS_FAILURES_BEFORE_LOCK = 5 * ACCOUNT_FAILURES_BEFORE_LOCK
# Per account: the delay starts where one address's lock would, so one person mistyping meets
# the lock's words first; then 1, 2, 4, ... seconds between checks, bounded.
ACCOUNT_FAILURES_BEFORE_DELAY = ACCOUNT_FAILURES_BEFORE_LOCK
MAX_DELAY_SECONDS = 60  # bounded: an owner who mistyped waits a minute at most; >= 60/h guesses is the cap
DELAY_STEPS = (1, 2, 4, 8, 16, 32, MAX_DELAY_SECONDS)
# An address that guessed wrong at an account is subject to that account's delay this long.
SUSPECT_SECONDS = 60 * 60
# A browser that signed in to an account keeps a device cookie (OWASP's "device cookies"): with it
# the account's address locks and delay do not apply; its own failures lock that cookie instead.
DEVICE_TRUST_SECONDS = 30 * 24 * 3600  # remembered this long after its last successful sign-in
IPV6_PREFIX = 64  # what one subscriber gets: keyed whole, a /64 would be 2**64 addresses
# Keys in a shared Redis are namespaced so they never mix with Reflex's own state keys.
REDIS_KEY_PREFIX = "beacon-signin"
_KEY_DIGEST_CHARS = 32
_MANY = 10**9  # a counter with no practical limit (the account's failures, for the delay)


class TooManyAttempts(ServiceError):
    """Sign-in refused by the throttle; `retry_after_seconds` says for how long."""

    http_status = 429
    outcome: Outcome | None = None  # the locks a failed attempt set, when it set one (SignInThrottle.failed)

    def __init__(self, retry_after_seconds: float):
        self.retry_after_seconds = max(0.0, retry_after_seconds)
        super().__init__(lockout_message(self.retry_after_seconds))


class SignInDelayed(TooManyAttempts):
    """The account's growing delay: this address may try again in `retry_after_seconds`."""

    def __init__(self, retry_after_seconds: float):
        super().__init__(retry_after_seconds)
        self.message = delay_message(self.retry_after_seconds)
        self.args = (self.message,)


def minutes_left(seconds: float) -> int:
    """Whole minutes, rounded up, and never 0 while a lock stands."""
    return max(1, math.ceil(seconds / 60))


def seconds_left(seconds: float) -> int:
    return max(1, math.ceil(seconds))


def lockout_message(seconds: float) -> str:
    # The wording is part of the test contract (PRODUCT.md): "... try again in N minutes".
    return f"Too many attempts, try again in {minutes_left(seconds)} minutes"


def delay_message(seconds: float) -> str:
    return f"Too many attempts, try again in {seconds_left(seconds)} seconds"


def delay_seconds(account_failures: int) -> int:
    """Seconds between password checks for an account with this many recent failures."""
    if account_failures < ACCOUNT_FAILURES_BEFORE_DELAY:
        return 0
    step = account_failures - ACCOUNT_FAILURES_BEFORE_DELAY
    return DELAY_STEPS[min(step, len(DELAY_STEPS) - 1)]


def address_key(address: str) -> str:
    """The throttle's key for a client address: IPv4 whole, IPv6 by its /64."""
    ip = parse_address(address)
    if ip is None:
        return (address or "").strip()
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network(f"{ip}/{IPV6_PREFIX}", strict=False))
    return str(ip)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:_KEY_DIGEST_CHARS]


def _item(amount: int, seconds: int, namespace: str) -> RateLimitItemPerSecond:
    return RateLimitItemPerSecond(amount, seconds, namespace=namespace)


PAIR_FAILURES = _item(ACCOUNT_FAILURES_BEFORE_LOCK, FAILURE_WINDOW_SECONDS, "fail-pair")
PAIR_LOCK = _item(1, LOCKOUT_SECONDS, "lock-pair")
PAIR_SUSPECT = _item(1, SUSPECT_SECONDS, "suspect-pair")
ADDRESS_FAILURES = _item(ADDRESS_FAILURES_BEFORE_LOCK, FAILURE_WINDOW_SECONDS, "fail-address")
ADDRESS_LOCK = _item(1, LOCKOUT_SECONDS, "lock-address")
ACCOUNT_FAILURES = _item(_MANY, FAILURE_WINDOW_SECONDS, "fail-account")
DEVICE_TRUST = _item(1, DEVICE_TRUST_SECONDS, "device")
DEVICE_FAILURES = _item(ACCOUNT_FAILURES_BEFORE_LOCK, FAILURE_WINDOW_SECONDS, "fail-device")
DEVICE_LOCK = _item(1, LOCKOUT_SECONDS, "lock-device")
DELAY_GATES = {seconds: _item(1, seconds, f"delay-{seconds}") for seconds in DELAY_STEPS}


@dataclass
class Outcome:
    """What a failed attempt changed: the locks it set ("pair", "address"), for the audit log."""

    locks: list[str] = field(default_factory=list)


class SignInThrottle:
    def __init__(self, storage: Storage):
        self.storage = storage
        self._limiter = MovingWindowRateLimiter(storage)

    # --- keys --------------------------------------------------------------------------------
    @staticmethod
    def _account(email: str) -> str:
        return _digest(email)

    @staticmethod
    def _address(address: str) -> str:
        return _digest(address_key(address))

    def _pair(self, email: str, address: str) -> str:
        return _digest(f"{email}\n{address_key(address)}")

    def _device(self, email: str, device: str) -> str:
        return _digest(f"{email}\ndevice\n{device}")

    def trusted_device(self, email: str, device: str) -> bool:
        """`device` (a browser's device cookie) signed in to this account before."""
        return bool(device) and not self._limiter.test(DEVICE_TRUST, self._device(email, device))

    def remember_device(self, email: str, device: str) -> None:
        """After a successful sign-in: this browser is trusted for this account (for
        DEVICE_TRUST_SECONDS from now)."""
        if device:
            key = self._device(email, device)
            self._limiter.clear(DEVICE_TRUST, key)
            self._limiter.hit(DEVICE_TRUST, key)

    def _left(self, item: RateLimitItemPerSecond, key: str) -> float:
        """Seconds until `item` (a 1-per-window lock or gate) is free again (0: free now)."""
        if self._limiter.test(item, key):
            return 0.0
        reset_at, _remaining = self._limiter.get_window_stats(item, key)
        return max(0.0, reset_at - time.time())

    def account_failures(self, email: str) -> int:
        _reset, remaining = self._limiter.get_window_stats(ACCOUNT_FAILURES, self._account(email))
        return _MANY - remaining

    # --- the three steps of a sign-in --------------------------------------------------------
    def check(self, email: str, address: str = "") -> None:
        """Raise TooManyAttempts while this (account, address) or this address is locked."""
        left = 0.0
        if address:
            left = max(self._left(PAIR_LOCK, self._pair(email, address)),
                       self._left(ADDRESS_LOCK, self._address(address)))
        if left > 0:
            raise TooManyAttempts(left)

    def admit(self, email: str, address: str = "", device: str = "") -> None:
        """Before a password check: refuse a lock or the account's delay, else count the attempt
        against the (account, address) allowance.

        Calls with no address (in-process services, the CLI) meet no address or pair rule. A
        trusted device meets only its own lock (its failures are counted, as a pair's are)."""
        if self.trusted_device(email, device):
            key = self._device(email, device)
            if self._left(DEVICE_LOCK, key) > 0:
                raise TooManyAttempts(self._left(DEVICE_LOCK, key))
            if not self._limiter.hit(DEVICE_FAILURES, key):
                self._limiter.hit(DEVICE_LOCK, key)
                self._limiter.clear(DEVICE_FAILURES, key)
                raise TooManyAttempts(self._left(DEVICE_LOCK, key))
            return
        self.check(email, address)
        account = self._account(email)
        if address:
            pair = self._pair(email, address)
            if not self._limiter.test(PAIR_SUSPECT, pair):  # this address guessed wrong here
                wait = delay_seconds(self.account_failures(email))
                if wait:
                    if not self._limiter.hit(DELAY_GATES[wait], account):  # atomic: one per `wait` s
                        raise SignInDelayed(self._left(DELAY_GATES[wait], account))
                    for seconds, gate in DELAY_GATES.items():  # every step remembers this check,
                        if seconds != wait:  # so a longer step that begins now counts from it
                            self._limiter.hit(gate, account)
            if not self._limiter.hit(PAIR_FAILURES, pair):  # parallel guesses past the allowance
                self._limiter.hit(PAIR_LOCK, pair)
                self._limiter.clear(PAIR_FAILURES, pair)
                self.check(email, address)

    def failed(self, email: str, address: str = "", device: str = "") -> Outcome:
        """After a wrong password (already counted by `admit`). Raises TooManyAttempts when this
        failure sets a lock; the outcome (the locks set) is on the exception as `.outcome`."""
        outcome = Outcome()
        # The account's count (for its delay) takes failures only: a right password must not
        # reset it, or an owner signing in during a flood would reset the delay for the flood.
        self._limiter.hit(ACCOUNT_FAILURES, self._account(email))
        if self.trusted_device(email, device):
            key = self._device(email, device)
            if not self._limiter.test(DEVICE_FAILURES, key):
                self._limiter.hit(DEVICE_LOCK, key)
                self._limiter.clear(DEVICE_FAILURES, key)
                locked = TooManyAttempts(self._left(DEVICE_LOCK, key))
                locked.outcome = Outcome(["device"])
                record.signin_locked("device")
                raise locked
            return outcome
        if address:
            pair = self._pair(email, address)
            self._limiter.hit(PAIR_SUSPECT, pair)
            if not self._limiter.test(PAIR_FAILURES, pair):  # the allowance is used up: lock
                self._limiter.hit(PAIR_LOCK, pair)
                self._limiter.clear(PAIR_FAILURES, pair)
                outcome.locks.append("pair")
            addr = self._address(address)
            self._limiter.hit(ADDRESS_FAILURES, addr)
            if not self._limiter.test(ADDRESS_FAILURES, addr):
                self._limiter.hit(ADDRESS_LOCK, addr)
                self._limiter.clear(ADDRESS_FAILURES, addr)
                outcome.locks.append("address")
        for lock in outcome.locks:
            record.signin_locked(lock)
        if outcome.locks:
            try:
                self.check(email, address)
            except TooManyAttempts as locked:
                locked.outcome = outcome
                raise
        return outcome

    def succeeded(self, email: str, address: str = "", device: str = "") -> None:
        """After a right password: refund this pair's counts (not the address's: an attacker who
        owns one account must not reset their address's count; nor the account's failures, which
        only slow down addresses that guessed wrong), then re-check the locks a parallel guess may
        have set meanwhile."""
        if self.trusted_device(email, device):
            key = self._device(email, device)
            self._limiter.clear(DEVICE_FAILURES, key)
            if self._left(DEVICE_LOCK, key) > 0:
                raise TooManyAttempts(self._left(DEVICE_LOCK, key))
            return
        if address:
            self._limiter.clear(PAIR_FAILURES, self._pair(email, address))
        self.check(email, address)


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
