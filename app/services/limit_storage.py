"""Where rate-limit counters live: Redis when Reflex is configured with it (several backend
workers then share one count), this process's memory otherwise."""

from __future__ import annotations

from limits.storage import MemoryStorage, Storage, storage_from_string

from app.config import process_environment


def counters_for_environment(key_prefix: str) -> Storage:
    redis_url = process_environment().redis_url.strip()
    if redis_url:
        if "://" not in redis_url:
            redis_url = "redis://" + redis_url
        storage = storage_from_string(redis_url, key_prefix=key_prefix)
        assert isinstance(storage, Storage)  # a redis:// address: the synchronous storage the limiters use
        return storage
    return MemoryStorage()
