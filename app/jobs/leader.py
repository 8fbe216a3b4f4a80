"""Once-only background work among several backend workers: one of them leads, the others wait.

Lifespan tasks run in every worker process. Work that must happen once (the presence sweeper,
retention, the maintenance timer) runs only in the worker holding the lock: a PostgreSQL session
advisory lock on a connection of its own (released by the server if that worker dies), or an
exclusive file lock next to the SQLite database (released by the kernel if the process dies).

Every job is the same skeleton, `run_as_leader`: lead, then repeat one step; the step says how
long to wait before the next; a failed step (a database blip) is logged and retried after the
job's own pause; a shutdown cancels the wait or the step, never a half of it written.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from zlib import crc32

from app.config import get_settings
from app.metrics import record

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
        with _held(name):
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
            with _held(name):
                yield None
            return
        finally:
            await connection.close()


@contextlib.contextmanager
def _held(name: str) -> Iterator[None]:
    """The metrics say this process leads `name` for the life of the block."""
    record.leading(name, True)
    try:
        yield
    finally:
        record.leading(name, False)


# One round of a job; answers the seconds to wait before the next round.
Step = Callable[[], Awaitable[float]]


class Wakeup:
    """Lets any thread cut a job's wait short (the change feed wakes the maintenance timer)."""

    def __init__(self) -> None:
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def notify(self) -> None:
        for loop, event in list(self._waiters):
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # that loop is closed: its job is gone
                self._waiters.discard((loop, event))

    @contextlib.contextmanager
    def registered(self) -> Iterator[asyncio.Event]:
        entry = (asyncio.get_running_loop(), asyncio.Event())
        self._waiters.add(entry)
        try:
            yield entry[1]
        finally:
            self._waiters.discard(entry)


async def repeat(what: str, step: Step, *, pause_after_failure: Callable[[], float],
                 first_wait: float = 0.0, wakeup: Wakeup | None = None) -> None:
    """A job's loop without leadership (tests run it directly): `what` names it in the log."""
    if first_wait:
        await asyncio.sleep(first_wait)
    with wakeup.registered() if wakeup else contextlib.nullcontext(asyncio.Event()) as woken:
        while True:
            woken.clear()
            try:
                wait = await step()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a database blip: try again after the pause
                log.exception("%s failed", what)
                wait = pause_after_failure()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), wait)


async def run_as_leader(name: str, step: Step, *, pause_after_failure: Callable[[], float],
                        first_wait: float = 0.0, wakeup: Wakeup | None = None) -> None:
    """Wait until this process leads `name`, then repeat `step` for the life of the process."""
    async with leadership(name):
        await repeat(name, step, pause_after_failure=pause_after_failure, first_wait=first_wait, wakeup=wakeup)
