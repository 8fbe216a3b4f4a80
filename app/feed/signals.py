"""What wakes the listener: the database's own signal that something committed.

The signal never carries the change itself; the listener always reads the change log.

- SQLite has no notifications, but every commit writes the database's WAL file: the listener
  watches that file with inotify (asyncinotify: the kernel's event wakes the event loop at once,
  with no polling thread), which covers writers in other processes (the CLI, the worker).
  The event marks the WAL *write*, not the commit becoming visible: a reader woken by it can
  run before the commit is visible, so every file event is followed by a few re-reads shortly
  after (see SqliteWake). Commits made in this process wake it directly, after their commit.
- PostgreSQL: a trigger on the change log NOTIFYs an empty payload on commit; the listener
  LISTENs on a connection of its own and reconnects with capped exponential backoff. While it is
  disconnected, `connected` is False and the listener falls back to reading the log on a timer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from app.config import get_settings
from app.db import on_change_committed

if TYPE_CHECKING:  # Linux only: imported where a watch is opened
    from asyncinotify import Inotify

log = logging.getLogger("beacon.feed")

# After a change to the SQLite database's files (see SqliteWake), wake the listener again at
# these delays after the LAST such change, in seconds. A commit by another process becomes
# visible a little after its last write to the WAL (the writer's fsync, then its update of the
# WAL index in the -shm file, of which inotify says nothing), so the read woken by the write may
# run before it; measured here the gap is 0.5-20 ms with synchronous=FULL, and the woken read
# beat it for about 4 commits in 10. The early delays catch the usual case within a few ms, the
# later ones a writer held up by a slow fsync or the scheduler; only a commit published more than
# the last delay after its write is left to the listener's periodic re-check. Each new event
# restarts the series, so a burst of writes costs one series, at its end; an isolated commit
# costs len() extra reads of the log (one indexed query each).
SQLITE_FOLLOW_UP_SECONDS = (0.002, 0.006, 0.02, 0.06, 0.2, 0.6, 1.5)
# Back off before re-creating the inotify watch after it failed (the folder went away, say).
SQLITE_WATCH_RETRY_SECONDS = 1.0
# Backoff between attempts to (re)open the LISTEN connection: fast first retries for a blip,
# capped so a long outage costs one connection attempt per this many seconds.
LISTEN_RETRY_FIRST_SECONDS = 0.1
LISTEN_RETRY_MAX_SECONDS = 5.0
# TCP keepalive on the LISTEN connection, so a silently dropped link is noticed within
# idle + interval * count = 10 + 5 * 3 = 25 s rather than never.
# libpq connection parameters (psycopg passes its keyword arguments on as such).
LISTEN_KEEPALIVE: dict[str, Any] = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5,
                                    "keepalives_count": 3}
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
        self._unhook: Callable[[], None] | None = None

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
        # Clear on the way OUT, i.e. before the caller reads the log: a signal that arrives
        # while the caller is reading sets the flag again, and the next wait returns at once.
        # Clearing after the read instead would drop the signals that arrived during it.
        if not self._event.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), timeout)
        self._event.clear()

    async def stop(self) -> None:
        if self._unhook:
            self._unhook()
            self._unhook = None


class SqliteWake(InProcessWake):
    """Also wakes when another process commits to the same SQLite file.

    Why a file event alone is not enough: a commit in WAL mode (1) writes its frames to the -wal
    file (the inotify MODIFY event), (2) with synchronous=FULL, the default of the sqlite3
    module and shell, fsyncs the WAL, (3) publishes the commit in the WAL index, the -shm file,
    which SQLite memory-maps, so the kernel reports no event for it, (4) releases its write lock
    (no event either). A reader sees the commit only after (3). The listener woken at (1) often
    reads before (3): that read finds nothing new and, with no later event for that commit,
    the change waited for the next commit or for the 5 s re-check (the 5 s outliers). So
    every file event starts a short series of follow-up wake-ups (SQLITE_FOLLOW_UP_SECONDS after
    the last event) that reads again once the writer has had time to finish.

    What is watched: the folder, not the files (the WAL is deleted when the last connection
    closes and re-created by the next one, and a restore may rename a new file in place), for
    writes to the database (checkpoints) and the -wal (commits, including a WAL restarted from
    its beginning after a checkpoint), and for CLOSE_WRITE, which a short-lived writer (the CLI,
    a script) makes only after its commit is visible. An event queue overflow also wakes.

    The files are never opened here: closing any descriptor of a SQLite file drops every POSIX
    lock this process's own connections hold on it (sqlite.org/howtocorrupt.html, 2.2).
    """

    def __init__(self, database: Path) -> None:
        super().__init__()
        self.database = database.resolve()
        self._watched = {self.database.name, self.database.name + "-wal", self.database.name + "-shm"}
        self._task: asyncio.Task[None] | None = None
        self._last_file_event = 0.0  # loop.time() of the newest file event
        self._follow_up_step = 0  # index in SQLITE_FOLLOW_UP_SECONDS of the next follow-up
        self._follow_up: asyncio.TimerHandle | None = None

    async def start(self) -> None:
        await super().start()
        # The watch exists before start() returns: the listener reads the current sequence
        # right after, and a commit between that read and a later watch would go unnoticed.
        try:
            inotify = self._open_watch()
        except Exception as error:  # noqa: BLE001 - the task retries
            log.warning("change feed: cannot watch %s (%s); retrying", self.database.parent, error)
            inotify, self.connected = None, False
        self._task = asyncio.create_task(self._watch(inotify), name="beacon-sqlite-wal-watch")

    def _file_changed(self) -> None:
        """Wake now, and again SQLITE_FOLLOW_UP_SECONDS after the last of these calls."""
        self._event.set()
        loop = self._loop
        if loop is None:
            return
        if self._follow_up is not None:
            self._follow_up.cancel()
        self._last_file_event = loop.time()
        self._follow_up_step = 0
        self._follow_up = loop.call_at(self._last_file_event + SQLITE_FOLLOW_UP_SECONDS[0], self._follow_up_due)

    def _follow_up_due(self) -> None:
        self._event.set()
        self._follow_up = None
        self._follow_up_step += 1
        if self._loop is not None and self._follow_up_step < len(SQLITE_FOLLOW_UP_SECONDS):
            due = self._last_file_event + SQLITE_FOLLOW_UP_SECONDS[self._follow_up_step]
            self._follow_up = self._loop.call_at(due, self._follow_up_due)

    def _open_watch(self) -> Inotify:
        from asyncinotify import Inotify, Mask

        self.database.parent.mkdir(parents=True, exist_ok=True)
        inotify = Inotify()
        try:
            inotify.add_watch(self.database.parent,
                              Mask.MODIFY | Mask.CLOSE_WRITE | Mask.CREATE | Mask.MOVED_TO | Mask.DELETE)
        except BaseException:
            inotify.close()
            raise
        return inotify

    async def _watch(self, inotify: Inotify | None) -> None:
        from asyncinotify import Mask

        while True:
            try:
                if inotify is None:
                    inotify = self._open_watch()
                    self.connected = True
                    self._event.set()  # read what committed while nothing was watching
                with inotify:
                    async for event in inotify:
                        if Mask.Q_OVERFLOW in event.mask:  # events were dropped: ours may be among them
                            self._file_changed()
                        elif Mask.IGNORED in event.mask:  # the folder itself went away
                            raise RuntimeError("the watch on the database folder was removed")
                        elif event.name is not None and event.name.name in self._watched:
                            self._file_changed()
            except asyncio.CancelledError:
                if inotify is not None:
                    inotify.close()
                raise
            except Exception as error:  # noqa: BLE001 - any failure: watch again
                log.warning("change feed: watching %s failed (%s); retrying in %.1fs",
                            self.database.parent, error, SQLITE_WATCH_RETRY_SECONDS)
            inotify = None
            # Until the watch is back the listener reads on its polling timer (and pages say so).
            self.connected = False
            self._event.set()
            await asyncio.sleep(SQLITE_WATCH_RETRY_SECONDS)

    async def stop(self) -> None:
        await super().stop()
        if self._follow_up is not None:
            self._follow_up.cancel()
            self._follow_up = None
        if self._task:
            self._task.cancel()


class PostgresWake(InProcessWake):
    """Also wakes on PostgreSQL NOTIFY, whichever process committed."""

    def __init__(self, conninfo: str) -> None:
        super().__init__()
        self.conninfo = conninfo
        self.connected = False
        self.backend_pid: int | None = None
        self._task: asyncio.Task[None] | None = None

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
