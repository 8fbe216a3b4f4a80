"""What wakes the listener: the database's own signal that something committed.

The signal never carries the change itself; the listener always reads the change log.

- SQLite has no notifications, but every commit writes the database's WAL file: the listener
  watches that file with inotify (asyncinotify: the kernel's event wakes the event loop at once,
  with no polling thread), which covers writers in other processes (the CLI, the worker).
  Commits made in this process wake it directly, without the file round trip.
- PostgreSQL: a trigger on the change log NOTIFYs an empty payload on commit; the listener
  LISTENs on a connection of its own and reconnects with capped exponential backoff. While it is
  disconnected, `connected` is False and the listener falls back to reading the log on a timer.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Protocol

from app.config import get_settings
from app.db import on_change_committed

log = logging.getLogger("beacon.feed")



# Backoff between attempts to (re)open the LISTEN connection: fast first retries for a blip,
# capped so a long outage costs one connection attempt per this many seconds.
LISTEN_RETRY_FIRST_SECONDS = 0.1
LISTEN_RETRY_MAX_SECONDS = 5.0
# TCP keepalive on the LISTEN connection, so a silently dropped link is noticed within
# idle + interval * count = 10 + 5 * 3 = 25 s rather than never.
LISTEN_KEEPALIVE = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}
NOTIFY_CHANNEL = "beacon_change_log"  # the channel migration 0002's trigger notifies


class WakeSource(Protocol):
    connected: bool

    async def start(self) -> None: ...

    async def wait(self, timeout: float) -> None:
        """Return when woken or after `timeout` seconds, whichever comes first."""

    async def stop(self) -> None: ...


class InProcessWake:
    """Wakes on commits made by this process."""

    connected = True

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unhook = None

    def set(self) -> None:
        loop = self._loop
        if loop is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._event.set()
        else:
            loop.call_soon_threadsafe(self._event.set)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._unhook = on_change_committed(self.set)

    async def wait(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            pass
        self._event.clear()

    async def stop(self) -> None:
        if self._unhook:
            self._unhook()
            self._unhook = None


class SqliteWake(InProcessWake):
    """Also wakes when another process commits to the same SQLite file."""

    def __init__(self, database: Path) -> None:
        super().__init__()
        self.database = database.resolve()
        self._watched = {str(self.database), str(self.database) + "-wal"}
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        await super().start()
        self._task = asyncio.create_task(self._watch(), name="beacon-sqlite-wal-watch")

    async def _watch(self) -> None:
        from asyncinotify import Inotify, Mask

        self.database.parent.mkdir(parents=True, exist_ok=True)
        names = {Path(path).name for path in self._watched}
        with Inotify() as inotify:
            # The folder, not the files: the WAL file comes and goes with checkpoints.
            inotify.add_watch(self.database.parent, Mask.MODIFY | Mask.CREATE | Mask.MOVED_TO)
            async for event in inotify:
                if event.name is not None and event.name.name in names:
                    self._event.set()

    async def stop(self) -> None:
        await super().stop()
        if self._task:
            self._task.cancel()


class PostgresWake(InProcessWake):
    """Also wakes on PostgreSQL NOTIFY, whichever process committed."""

    def __init__(self, conninfo: str) -> None:
        super().__init__()
        self.conninfo = conninfo
        self.connected = False
        self.backend_pid: int | None = None
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        await super().start()
        self._task = asyncio.create_task(self._listen(), name="beacon-pg-listen")

    async def _listen(self) -> None:
        import psycopg

        delay = LISTEN_RETRY_FIRST_SECONDS
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.conninfo, autocommit=True, **LISTEN_KEEPALIVE
                ) as connection:
                    await connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self.backend_pid = connection.info.backend_pid
                    self.connected = True
                    delay = LISTEN_RETRY_FIRST_SECONDS
                    log.info("listening for changes on PostgreSQL (backend %s)", self.backend_pid)
                    self._event.set()  # read whatever committed while we were not listening
                    async for _ in connection.notifies():
                        self._event.set()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - any failure: reconnect
                log.warning("change feed: LISTEN connection lost (%s); retrying in %.1fs", error, delay)
            self.connected = False
            self.backend_pid = None
            self._event.set()  # let the listener notice and switch to its fallback
            await asyncio.sleep(delay)
            delay = min(delay * 2, LISTEN_RETRY_MAX_SECONDS)

    async def stop(self) -> None:
        await super().stop()
        if self._task:
            self._task.cancel()


def wake_source_for_settings() -> WakeSource:
    settings = get_settings()
    if settings.is_sqlite and settings.sqlite_path is not None:
        return SqliteWake(settings.sqlite_path)
    if not settings.is_sqlite:
        return PostgresWake(settings.listen_conninfo)
    return InProcessWake()
