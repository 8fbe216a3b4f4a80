"""With REFLEX_REDIS_URL set, every backend worker counts a user's writes in the same Redis."""

from __future__ import annotations

import uuid

import pytest

from app.rules.actors import Actor
from app.services import throttle
from app.services.throttle import PRESENCE, TooManyChanges, WriteThrottle


@pytest.mark.redis
def test_two_workers_share_one_users_allowance(redis_url, monkeypatch):
    monkeypatch.setenv("REFLEX_REDIS_URL", redis_url)
    worker_a = WriteThrottle(throttle.storage_for_environment())
    worker_b = WriteThrottle(throttle.storage_for_environment())
    # A user id no other run uses, so the shared Redis holds no count of it yet.
    sam = Actor(user_id=uuid.uuid4().int % 10**12, email="sam@acme.demo", name="", role="support_staff", client_id=1)
    kim = Actor(user_id=sam.user_id + 1, email="kim@acme.demo", name="", role="support_staff", client_id=1)
    try:
        for i in range(PRESENCE.per_minute):
            (worker_a if i % 2 else worker_b).check(sam, PRESENCE)
        for worker in (worker_a, worker_b):
            with pytest.raises(TooManyChanges, match=r"Too many changes; try again in \d+ s"):
                worker.check(sam, PRESENCE)
        worker_b.check(kim, PRESENCE)
    finally:
        worker_a.reset(sam, PRESENCE)
        worker_a.reset(kim, PRESENCE)
