"""Sign-in throttling through the real sign-in service, and its Redis storage shared by workers."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from limits.storage import storage_from_string
from sqlmodel import select

from app.db import read_session, transaction
from app.models import AuthSession, User
from app.rules.errors import NotAuthenticated
from app.services import auth, passwords
from app.services.signin_throttle import (
    ACCOUNT_FAILURES_BEFORE_LOCK,
    SignInThrottle,
    TooManyAttempts,
    storage_for_environment,
)

ADDRESS = "203.0.113.9"


def guess_until_locked(email: str, address: str = ADDRESS) -> TooManyAttempts:
    for attempt in range(1, ACCOUNT_FAILURES_BEFORE_LOCK + 1):
        try:
            auth.sign_in(email, f"guess-{attempt}", address)
        except TooManyAttempts as locked:
            assert attempt == ACCOUNT_FAILURES_BEFORE_LOCK, "locked before the 10th failure"
            return locked
        except NotAuthenticated as refused:
            assert refused.message == "Wrong email or password."
    raise AssertionError("10 wrong passwords did not lock the account")


def sessions_of(email: str) -> int:
    with read_session() as session:
        user = session.exec(select(User).where(User.email == email)).one()
        return len(session.exec(select(AuthSession).where(AuthSession.user_id == user.id)).all())


def test_ten_wrong_passwords_lock_the_account_for_that_address_even_for_the_right_one(database):
    locked = guess_until_locked("ops@acme.demo")
    assert locked.message == "Too many attempts, try again in 15 minutes"
    with pytest.raises(TooManyAttempts, match="try again in 15 minutes"):
        auth.sign_in("ops@acme.demo", "beacon-demo", ADDRESS)
    with pytest.raises(TooManyAttempts):
        auth.sign_in(" OPS@Acme.demo", "beacon-demo", ADDRESS)  # any spelling
    assert sessions_of("ops@acme.demo") == 0
    token, actor = auth.sign_in("ops@globex.demo", "beacon-demo", ADDRESS)  # others unaffected
    assert actor.email == "ops@globex.demo" and token
    # The owner, from another address, is neither locked nor delayed: a lock is no weapon.
    _, actor = auth.sign_in(" OPS@Acme.demo", "beacon-demo", "198.51.100.2")
    assert actor.email == "ops@acme.demo"


def test_a_lock_is_audited_with_the_address(database):
    from app.models import AuditAction, AuditLog

    guess_until_locked("ops@acme.demo")
    guess_until_locked("no-such-user@acme.demo")
    with read_session() as session:
        rows = session.exec(select(AuditLog).where(AuditLog.action == AuditAction.SIGN_IN_LOCKED)).all()
    assert len(rows) == 2
    known = [row for row in rows if row.target_id is not None]
    assert len(known) == 1 and ADDRESS in str(known[0].new_value) and "pair" in str(known[0].new_value)


def test_a_right_password_before_the_lock_forgives_the_earlier_failures(database):
    for n in range(ACCOUNT_FAILURES_BEFORE_LOCK - 1):
        with pytest.raises(NotAuthenticated):
            auth.sign_in("ops@acme.demo", f"guess-{n}", ADDRESS)
    auth.sign_in("ops@acme.demo", "beacon-demo", ADDRESS)
    with pytest.raises(NotAuthenticated):
        auth.sign_in("ops@acme.demo", "one-more-typo", ADDRESS)
    auth.sign_in("ops@acme.demo", "beacon-demo", ADDRESS)


def test_unknown_emails_and_disabled_users_get_the_wrong_password_answer_and_are_throttled_alike(database):
    for email in ("nobody@acme.demo", "x" * 10_000 + "@acme.demo"):
        with pytest.raises(NotAuthenticated) as refused:
            auth.sign_in(email, "beacon-demo", ADDRESS)
        assert refused.value.message == "Wrong email or password."
    with transaction() as session:
        kim = session.exec(select(User).where(User.email == "kim@acme.demo")).one()
        kim.is_active = False
        session.add(kim)
    with pytest.raises(NotAuthenticated) as refused:
        auth.sign_in("kim@acme.demo", "beacon-demo", ADDRESS)  # the right password of a disabled user
    assert refused.value.message == "Wrong email or password."
    assert guess_until_locked("no-such-user@globex.demo").message.endswith("15 minutes")


def test_the_password_check_holds_no_write_lock(database, admin, monkeypatch):
    """While argon2 runs, another writer (a publish) commits at once instead of queueing."""
    from app.services.system_status import publish_system_status

    real_verify = passwords.password_matches
    publish_seconds: list[float] = []

    def verify_while_someone_publishes(password_hash, password):
        def publish():
            started = time.perf_counter()
            publish_system_status(admin, None, "maintenance", "Back soon", "warning")
            publish_seconds.append(time.perf_counter() - started)

        writer = threading.Thread(target=publish)
        writer.start()
        writer.join(timeout=5)  # a sign-in holding the write lock would make it wait 10 s and fail
        return real_verify(password_hash, password)

    monkeypatch.setattr(passwords, "password_matches", verify_while_someone_publishes)
    auth.sign_in("ops@acme.demo", "beacon-demo", ADDRESS)
    assert publish_seconds and publish_seconds[0] < 2, publish_seconds


def test_a_user_disabled_during_the_password_check_is_not_signed_in(database, monkeypatch):
    real_verify = passwords.password_matches

    def verify_then_disable(password_hash, password):
        result = real_verify(password_hash, password)
        with transaction() as session:
            user = session.exec(select(User).where(User.email == "ops@acme.demo")).one()
            user.is_active = False
            session.add(user)
        return result

    monkeypatch.setattr(passwords, "password_matches", verify_then_disable)
    with pytest.raises(NotAuthenticated):
        auth.sign_in("ops@acme.demo", "beacon-demo", ADDRESS)
    assert sessions_of("ops@acme.demo") == 0


@pytest.mark.redis
def test_the_throttle_uses_redis_when_reflex_does(monkeypatch, redis_url):
    monkeypatch.setenv("REFLEX_REDIS_URL", redis_url)
    storage = storage_for_environment()
    assert type(storage).__name__ == "RedisStorage" and storage.check()
    monkeypatch.delenv("REFLEX_REDIS_URL")
    assert type(storage_for_environment()).__name__ == "MemoryStorage"


@pytest.mark.redis
def test_workers_sharing_redis_share_the_lock(redis_url):
    """Two backend workers (two throttles over one Redis): guesses spread over both still lock."""
    prefix = f"beacon-signin-test-{uuid.uuid4().hex[:8]}"  # never touches a real deployment's keys
    worker_a = SignInThrottle(storage_from_string(redis_url, key_prefix=prefix))
    worker_b = SignInThrottle(storage_from_string(redis_url, key_prefix=prefix))
    try:
        for n in range(ACCOUNT_FAILURES_BEFORE_LOCK - 1):
            worker = worker_a if n % 2 else worker_b
            worker.admit("ops@acme.demo", ADDRESS)
            worker.failed("ops@acme.demo", ADDRESS)
        worker_a.admit("ops@acme.demo", ADDRESS)
        with pytest.raises(TooManyAttempts, match="15 minutes"):
            worker_a.failed("ops@acme.demo", ADDRESS)
        with pytest.raises(TooManyAttempts, match="15 minutes"):
            worker_b.check("ops@acme.demo", ADDRESS)
        worker_b.check("ops@acme.demo", "198.51.100.3")  # the owner elsewhere: not locked
        worker_b.check("ops@globex.demo", ADDRESS)
    finally:
        worker_a.storage.reset()  # deletes this prefix's keys only
