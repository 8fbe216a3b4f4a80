"""The sign-in throttle's rules, on `limits`' memory storage with a fake clock (no database)."""

from __future__ import annotations

import limits.storage.memory
import pytest
from limits.storage import MemoryStorage

from app.services import signin_throttle
from app.services.signin_throttle import (
    ACCOUNT_FAILURES_BEFORE_DELAY,
    ACCOUNT_FAILURES_BEFORE_LOCK,
    ADDRESS_FAILURES_BEFORE_LOCK,
    FAILURE_WINDOW_SECONDS,
    LOCKOUT_SECONDS,
    MAX_DELAY_SECONDS,
    SignInDelayed,
    SignInThrottle,
    TooManyAttempts,
    address_key,
    delay_message,
    delay_seconds,
    lockout_message,
    minutes_left,
)

ADDRESS = "203.0.113.7"


class FakeClock:
    """Stands in for the `time` module where `limits`' memory storage and the throttle read it."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(limits.storage.memory, "time", fake)
    monkeypatch.setattr(signin_throttle, "time", fake)
    return fake


@pytest.fixture
def throttle(clock) -> SignInThrottle:
    return SignInThrottle(MemoryStorage())


def fail(throttle: SignInThrottle, email: str, times: int, address: str = ADDRESS) -> None:
    """`times` wrong passwords, as sign_in does them: admitted (counted), then failed."""
    for _ in range(times):
        throttle.admit(email, address)
        throttle.failed(email, address)


def test_minutes_are_rounded_up_and_never_zero():
    assert minutes_left(900) == 15
    assert minutes_left(899) == 15
    assert minutes_left(61) == 2
    assert minutes_left(60) == 1
    assert minutes_left(0.2) == 1
    assert lockout_message(900) == "Too many attempts, try again in 15 minutes"
    assert delay_message(3.2) == "Too many attempts, try again in 4 seconds"


def test_ipv6_is_keyed_by_its_64_and_mapped_ipv4_by_the_ipv4_address():
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:ffff:1:2:3") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert address_key("203.0.113.7") == "203.0.113.7"


def test_the_tenth_failure_locks_the_account_for_that_address_only(throttle, clock):
    fail(throttle, "ops@acme.demo", ACCOUNT_FAILURES_BEFORE_LOCK - 1)
    throttle.check("ops@acme.demo", ADDRESS)  # 9 failures: still allowed
    throttle.admit("ops@acme.demo", ADDRESS)
    with pytest.raises(TooManyAttempts) as raised:
        throttle.failed("ops@acme.demo", ADDRESS)
    assert raised.value.message == "Too many attempts, try again in 15 minutes"
    assert raised.value.http_status == 429
    assert raised.value.outcome.locks == ["pair"]
    throttle.admit("ops@acme.demo", "198.51.100.1")  # the owner, from elsewhere: not locked, not delayed
    throttle.succeeded("ops@acme.demo", "198.51.100.1")
    clock.advance(LOCKOUT_SECONDS - 61)
    with pytest.raises(TooManyAttempts, match="try again in 2 minutes"):
        throttle.admit("ops@acme.demo", ADDRESS)
    clock.advance(60)
    with pytest.raises(TooManyAttempts, match="try again in 1 minutes"):
        throttle.check("ops@acme.demo", ADDRESS)
    clock.advance(2)
    throttle.check("ops@acme.demo", ADDRESS)  # the lock is over


def test_parallel_guesses_are_counted_before_the_check_so_only_the_allowance_is_admitted(throttle):
    for _ in range(ACCOUNT_FAILURES_BEFORE_LOCK):  # all in flight at once: none failed yet
        throttle.admit("ops@acme.demo", ADDRESS)
    with pytest.raises(TooManyAttempts):
        throttle.admit("ops@acme.demo", ADDRESS)  # the 11th is refused before its password check
    with pytest.raises(TooManyAttempts):  # and a right password among the 10 is refused after it
        throttle.succeeded("ops@acme.demo", ADDRESS)


def test_other_accounts_are_unaffected_by_a_locked_one(throttle):
    with pytest.raises(TooManyAttempts):
        fail(throttle, "ops@acme.demo", ACCOUNT_FAILURES_BEFORE_LOCK)
    throttle.check("ops@globex.demo", ADDRESS)
    throttle.check("OPS@acme.demo", ADDRESS)  # the caller normalizes; the throttle keys exactly


def test_failures_older_than_the_window_are_forgiven(throttle, clock):
    fail(throttle, "ops@acme.demo", ACCOUNT_FAILURES_BEFORE_LOCK - 1)
    clock.advance(FAILURE_WINDOW_SECONDS + 1)
    fail(throttle, "ops@acme.demo", ACCOUNT_FAILURES_BEFORE_LOCK - 1)
    throttle.check("ops@acme.demo", ADDRESS)


def test_a_correct_password_refunds_the_pairs_count_but_not_the_accounts_failures(throttle, clock):
    fail(throttle, "ops@acme.demo", ACCOUNT_FAILURES_BEFORE_LOCK - 1)
    throttle.admit("ops@acme.demo", ADDRESS)
    throttle.succeeded("ops@acme.demo", ADDRESS)
    # The owner signing in during a flood does not reset the flood's delay.
    assert throttle.account_failures("ops@acme.demo") == ACCOUNT_FAILURES_BEFORE_LOCK - 1
    for _ in range(ACCOUNT_FAILURES_BEFORE_LOCK - 1):  # the pair's allowance is whole again
        clock.advance(MAX_DELAY_SECONDS + 1)  # (the account's delay applies: this address guessed wrong)
        fail(throttle, "ops@acme.demo", 1)
    throttle.check("ops@acme.demo", ADDRESS)


def test_the_per_account_delay_grows_is_bounded_and_spares_addresses_that_never_guessed_wrong(throttle, clock):
    assert delay_seconds(ACCOUNT_FAILURES_BEFORE_DELAY - 1) == 0
    assert delay_seconds(ACCOUNT_FAILURES_BEFORE_DELAY) == 1
    assert delay_seconds(ACCOUNT_FAILURES_BEFORE_DELAY + 3) == 8
    assert delay_seconds(10_000) == MAX_DELAY_SECONDS
    # A botnet: each address guesses once at the account (under the pair's lock).
    bots = [f"198.18.{n // 250}.{n % 250}" for n in range(ACCOUNT_FAILURES_BEFORE_DELAY)]
    for bot in bots:
        fail(throttle, "admin@beacon.demo", 1, bot)
    # The account has its delay now: a bot that already guessed wrong waits, once per second...
    throttle.admit("admin@beacon.demo", bots[0])
    throttle.failed("admin@beacon.demo", bots[0])
    with pytest.raises(SignInDelayed) as delayed:
        throttle.admit("admin@beacon.demo", bots[1])
    assert delayed.value.message == "Too many attempts, try again in 2 seconds"
    # ...while the owner, from an address that never guessed wrong, is not delayed at all.
    throttle.admit("admin@beacon.demo", "192.0.2.10")
    throttle.succeeded("admin@beacon.demo", "192.0.2.10")
    # Guessing as fast as the delay allows: the delay grows, and stays bounded.
    waits = []
    for n in range(30):  # spread over the bots, each under its pair's lock
        bot = bots[2 + n % 8]
        while True:  # as the window moves the step can change: wait as told, again if told
            try:
                throttle.admit("admin@beacon.demo", bot)
                break
            except SignInDelayed as delayed:
                waits.append(delayed.retry_after_seconds)
                clock.advance(delayed.retry_after_seconds + 0.01)
        throttle.failed("admin@beacon.demo", bot)
    assert max(waits) == MAX_DELAY_SECONDS and all(w <= MAX_DELAY_SECONDS for w in waits)
    with pytest.raises(SignInDelayed):
        throttle.admit("admin@beacon.demo", bots[3])
    throttle.admit("admin@beacon.demo", "192.0.2.10")  # the owner still is not delayed


def test_one_address_cannot_sweep_many_accounts(throttle, clock):
    guesses_per_account = 2  # well under the pair rule
    accounts = [f"user{n}@acme.demo" for n in range(ADDRESS_FAILURES_BEFORE_LOCK // guesses_per_account)]
    with pytest.raises(TooManyAttempts) as raised:
        for email in accounts:
            fail(throttle, email, guesses_per_account)
    assert raised.value.message.endswith("15 minutes")
    assert raised.value.outcome.locks == ["address"]
    assert email == accounts[-1]  # the 50th failure set the lock, not an earlier one
    with pytest.raises(TooManyAttempts):
        throttle.check("someone-new@globex.demo", ADDRESS)  # every account, from that address
    throttle.check("someone-new@globex.demo", "198.51.100.1")  # other addresses are not locked
    throttle.admit("someone-new@globex.demo")  # nor calls with no address (CLI, services)
    clock.advance(LOCKOUT_SECONDS + 1)
    throttle.check("someone-new@globex.demo", ADDRESS)


def test_an_ipv6_64_is_one_address_for_the_locks(throttle):
    with pytest.raises(TooManyAttempts):
        for n in range(ACCOUNT_FAILURES_BEFORE_LOCK):
            fail(throttle, "ops@acme.demo", 1, f"2001:db8:77:1::{n + 1:x}")
    with pytest.raises(TooManyAttempts):
        throttle.check("ops@acme.demo", "2001:db8:77:1:dead:beef:0:1")  # another address, same /64
    throttle.check("ops@acme.demo", "2001:db8:77:2::1")  # the next /64 is someone else


def test_a_success_does_not_forgive_the_addresss_failures(throttle):
    per_account = ACCOUNT_FAILURES_BEFORE_LOCK - 1  # stays under the pair rule
    accounts = ADDRESS_FAILURES_BEFORE_LOCK // per_account  # 5 accounts: 45 failures
    for n in range(accounts):
        fail(throttle, f"victim{n}@acme.demo", per_account)
        throttle.admit("mine@acme.demo", ADDRESS)
        throttle.succeeded("mine@acme.demo", ADDRESS)  # the attacker's own account signs in between
    remaining = ADDRESS_FAILURES_BEFORE_LOCK - accounts * per_account
    fail(throttle, "last@acme.demo", remaining - 1)
    with pytest.raises(TooManyAttempts):
        fail(throttle, "last@acme.demo", 1)


def test_a_trusted_device_skips_the_address_rules_and_has_a_lock_of_its_own(throttle):
    device = "a-device-cookie-value-0001"
    # The attacker, behind the owner's own NAT, locks the account for that address.
    with pytest.raises(TooManyAttempts):
        fail(throttle, "ops@acme.demo", ACCOUNT_FAILURES_BEFORE_LOCK)
    with pytest.raises(TooManyAttempts):
        throttle.admit("ops@acme.demo", ADDRESS, "an-unknown-device-cookie-01")  # a new browser: locked
    throttle.remember_device("ops@acme.demo", device)  # the owner's browser signed in last week
    throttle.admit("ops@acme.demo", ADDRESS, device)  # it still gets in, from the locked address
    throttle.succeeded("ops@acme.demo", ADDRESS, device)
    assert not throttle.trusted_device("ops@globex.demo", device)  # trusted for that account only
    # A stolen device cookie buys no more than an address: 10 failures lock the cookie.
    with pytest.raises(TooManyAttempts) as raised:
        for _ in range(ACCOUNT_FAILURES_BEFORE_LOCK):
            throttle.admit("ops@acme.demo", "198.51.100.9", device)
            throttle.failed("ops@acme.demo", "198.51.100.9", device)
    assert raised.value.outcome.locks == ["device"]
    with pytest.raises(TooManyAttempts):
        throttle.admit("ops@acme.demo", "198.51.100.9", device)
