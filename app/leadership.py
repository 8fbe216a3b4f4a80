"""Once-only background work among several backend workers: one of them leads, the others wait.

Lifespan tasks run in every worker process. Work that must happen once (the presence sweeper)
runs only in the worker holding the lock: a PostgreSQL session advisory lock on a connection of
its own (released by the server if that worker dies), or an exclusive file lock next to the
SQLite database (released by the kernel if the process dies).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from zlib import crc32

from app.config import get_settings

log = logging.getLogger("beacon.leadership")

# How often a worker that does not lead tries to take over (a leader that died is replaced
# within this long).
LEADERSHIP_RETRY_SECONDS = 2.0


@contextlib.asynccontextmanager
async def leadership(name: str) -> AsyncIterator[None]:
    """Wait until this process leads `name`; lead for the life of the block."""
    settings = get_settings()
    if settings.is_sqlite:
        async with _file_lock(name, settings.sqlite_path) as held:
            yield held
    else:
        async with _advisory_lock(name, settings.listen_conninfo) as held:
            yield held


@contextlib.asynccontextmanager
async def _file_lock(name: str, database: Path | None) -> AsyncIterator[None]:
    folder = database.parent if database else Path("/tmp")
    folder.mkdir(parents=True, exist_ok=True)
    handle = open(folder / f".{database.name if database else 'beacon'}.{name}.lock", "w")  # noqa: SIM115
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                await asyncio.sleep(LEADERSHIP_RETRY_SECONDS)
        log.info("leading %s", name)
        yield None
    finally:
        handle.close()


@contextlib.asynccontextmanager
async def _advisory_lock(name: str, conninfo: str) -> AsyncIterator[None]:
    import psycopg

    key = crc32(f"beacon:{name}".encode())
    while True:
        try:
            connection = await psycopg.AsyncConnection.connect(conninfo, autocommit=True)
        except psycopg.OperationalError:
            await asyncio.sleep(LEADERSHIP_RETRY_SECONDS)
            continue
        try:
            while True:
                row = await (await connection.execute("SELECT pg_try_advisory_lock(%s)", (key,))).fetchone()
                assert row is not None  # a SELECT of one value answers one row
                if row[0]:
                    break
                await asyncio.sleep(LEADERSHIP_RETRY_SECONDS)
            log.info("leading %s", name)
            yield None
            return
        finally:
            await connection.close()
