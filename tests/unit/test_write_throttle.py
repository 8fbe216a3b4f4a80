"""The page-write throttle (services/throttle.py) on a fake clock: per user, per kind, a moving window."""

from __future__ import annotations

import types

import limits.storage.memory
import pytest

from app.rules.actors import Actor
from app.rules.errors import ServiceError
from app.services import throttle
from app.services.throttle import LIMITS, PRESENCE, PUBLISH, TooManyChanges, WriteThrottle


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    # limits' MemoryStorage reads `time.time()` of its module: it runs on the fake clock.
    monkeypatch.setattr(limits.storage.memory, "time", types.SimpleNamespace(time=fake.time))
    return fake


@pytest.fixture
def writes(clock) -> WriteThrottle:
    return WriteThrottle(limits.storage.memory.MemoryStorage(), clock=clock.time)


def person(user_id: int) -> Actor:
    return Actor(user_id=user_id, email=f"u{user_id}@acme.demo", name="", role="support_staff", client_id=1)


def test_every_limit_names_its_reason():
    assert len({limit.kind for limit in LIMITS}) == len(LIMITS)
    for limit in LIMITS:
        assert limit.per_minute > 0 and limit.reason


def test_past_the_limit_a_write_is_refused_with_when_to_try_again(writes, clock):
    sam = person(1)
    for _ in range(PRESENCE.per_minute):
        writes.check(sam, PRESENCE)
        clock.now += 0.5
    with pytest.raises(TooManyChanges) as refused:
        writes.check(sam, PRESENCE)
    # The first write of the window was 15 s ago (30 x 0.5 s): it leaves the window in 45 s.
    assert refused.value.message == "Too many changes; try again in 45 s"
    assert isinstance(refused.value, ServiceError) and refused.value.http_status == 429


def test_refused_attempts_do_not_count_and_the_allowance_comes_back(writes, clock):
    sam = person(1)
    for _ in range(PRESENCE.per_minute):
        writes.check(sam, PRESENCE)
    for _ in range(500):  # a script hammering on
        with pytest.raises(TooManyChanges):
            writes.check(sam, PRESENCE)
    clock.now += 61
    writes.check(sam, PRESENCE)  # a minute after the burst, allowed again


def test_another_user_and_another_kind_are_unaffected(writes):
    sam, kim = person(1), person(2)
    for _ in range(PRESENCE.per_minute):
        writes.check(sam, PRESENCE)
    with pytest.raises(TooManyChanges):
        writes.check(sam, PRESENCE)
    writes.check(kim, PRESENCE)
    writes.check(sam, PUBLISH)


def test_the_message_never_says_zero_seconds():
    assert throttle.too_many_message(0.2) == "Too many changes; try again in 1 s"
    assert throttle.too_many_message(59.1) == "Too many changes; try again in 60 s"


def test_the_process_throttle_uses_memory_without_redis_and_redis_with_it(monkeypatch):
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    assert isinstance(throttle.storage_for_environment(), limits.storage.MemoryStorage)
    monkeypatch.setenv("REFLEX_REDIS_URL", "redis://127.0.0.1:6379")
    assert isinstance(throttle.storage_for_environment(), limits.storage.RedisStorage)
