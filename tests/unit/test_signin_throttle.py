"""The sign-in throttle's rules, on `limits`' memory storage with a fake clock (no database)."""

from __future__ import annotations

import limits.storage.memory
import pytest

from app.services import signin_throttle
from app.services.signin_throttle import (
    ACCOUNT_FAILURES_BEFORE_LOCK,
    ADDRESS_FAILURES_BEFORE_LOCK,
    FAILURE_WINDOW_SECONDS,
    LOCKOUT_SECONDS,
    SignInThrottle,
    TooManyAttempts,
    lockout_message,
    minutes_left,
)
from limits.storage import MemoryStorage

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
    for _ in range(times):
        throttle.check(email, address)
        throttle.record_failure(email, address)


def test_minutes_are_rounded_up_and_never_zero():
    assert minutes_left(900) == 15
    assert minutes_left(899) == 15
    assert minutes_left(61) == 2
    assert minutes_left(60) == 1
    assert minutes_left(0.2) == 1
    assert lockout_message(900) == "Too many attempts, try again in 15 minutes"


def test_the_tenth_failure_locks_the_account_for_fifteen_minutes(throttle, clock):
    fail(throttle, "ops@acme.demo", ACCOUNT_FAILURES_BEFORE_LOCK - 1)
    throttle.check("ops@acme.demo", ADDRESS)  # 9 failures: still allowed
    with pytest.raises(TooManyAttempts) as raised:
        throttle.record_failure("ops@acme.demo", ADDRESS)
    assert raised.value.message == "Too many attempts, try again in 15 minutes"
    assert raised.value.http_status == 429
    clock.advance(LOCKOUT_SECONDS - 61)
    with pytest.raises(TooManyAttempts, match="try again in 2 minutes"):
        throttle.check("ops@acme.demo", ADDRESS)
    clock.advance(60)
    with pytest.raises(TooManyAttempts, match="try again in 1 minutes"):
        throttle.check("ops@acme.demo", "198.51.100.1")  # another address changes nothing
    clock.advance(2)
    throttle.check("ops@acme.demo", ADDRESS)  # the lock is over
    fail(throttle, "ops@acme.demo", ACCOUNT_FAILURES_BEFORE_LOCK - 1)  # and a fresh allowance begins


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


def test_the_window_moves_failures_spread_over_it_still_lock(throttle, clock):
    for _ in range(ACCOUNT_FAILURES_BEFORE_LOCK - 1):
        fail(throttle, "ops@acme.demo", 1)
        clock.advance(60)  # 9 failures over 9 minutes
    with pytest.raises(TooManyAttempts):
        fail(throttle, "ops@acme.demo", 1)


def test_a_correct_password_forgives_the_accounts_failures(throttle):
    fail(throttle, "ops@acme.demo", ACCOUNT_FAILURES_BEFORE_LOCK - 1)
    throttle.record_success("ops@acme.demo")
    fail(throttle, "ops@acme.demo", ACCOUNT_FAILURES_BEFORE_LOCK - 1)
    throttle.check("ops@acme.demo", ADDRESS)


def test_one_address_cannot_sweep_many_accounts(throttle, clock):
    guesses_per_account = 2  # well under the account rule
    accounts = [f"user{n}@acme.demo" for n in range(ADDRESS_FAILURES_BEFORE_LOCK // guesses_per_account)]
    with pytest.raises(TooManyAttempts) as raised:
        for email in accounts:
            fail(throttle, email, guesses_per_account)
    assert raised.value.message.endswith("15 minutes")
    assert email == accounts[-1]  # the 50th failure set the lock, not an earlier one
    with pytest.raises(TooManyAttempts):
        throttle.check("someone-new@globex.demo", ADDRESS)  # every account, from that address
    throttle.check("someone-new@globex.demo", "198.51.100.1")  # other addresses are not locked
    throttle.check("someone-new@globex.demo")  # nor calls with no address (CLI, services)
    clock.advance(LOCKOUT_SECONDS + 1)
    throttle.check("someone-new@globex.demo", ADDRESS)


def test_a_success_does_not_forgive_the_addresss_failures(throttle):
    per_account = ACCOUNT_FAILURES_BEFORE_LOCK - 1  # stays under the account rule
    accounts = ADDRESS_FAILURES_BEFORE_LOCK // per_account  # 5 accounts: 45 failures
    for n in range(accounts):
        fail(throttle, f"victim{n}@acme.demo", per_account)
        throttle.record_success("mine@acme.demo")  # the attacker's own account signs in between
    remaining = ADDRESS_FAILURES_BEFORE_LOCK - accounts * per_account
    fail(throttle, "last@acme.demo", remaining - 1)
    with pytest.raises(TooManyAttempts):
        fail(throttle, "last@acme.demo", 1)
