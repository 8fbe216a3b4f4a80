"""The database engine and transactions.

Every service write runs inside `transaction()`. The database's triggers append each change of a
watched table to the change log in the same transaction. When a transaction that wrote commits,
the callbacks registered with `on_change_committed` run: the feed listener of this process uses
that to wake at once instead of waiting for the database's signal.
"""

from __future__ import annotations

import contextvars
import functools
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Session, create_engine

from app.config import get_settings

# A writer waits this long for SQLite's write lock before giving up: longer than any of our
# transactions (a few ms) times the writers we run at once (UI, API, CLI, worker), with slack.
SQLITE_BUSY_TIMEOUT_MS = 10_000

T = TypeVar("T")
R = TypeVar("R")
# Any select, sqlmodel's included (its Select and SelectOfScalar are SQLAlchemy Selects): a helper
# that adds a filter returns the kind of select it was given.
Query = TypeVar("Query", bound="sa.Select[*tuple[Any, ...]]")

_CHANGED = "beacon_change_logged"
_commit_callbacks: list[Callable[[], None]] = []
_callbacks_lock = threading.Lock()


def _configure_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (every open page) run while one writer commits.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@functools.lru_cache(maxsize=8)
def _engine_for(url: str, for_writes: bool) -> sa.Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    path = url.split(":///", 1)[1] if ":///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    )
    event.listen(engine, "connect", _configure_sqlite)

    @event.listens_for(engine, "connect")
    def _let_sqlalchemy_begin(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    # Writers take the write lock at BEGIN, so two writers queue (busy_timeout) instead of one
    # failing when it upgrades a read snapshot another writer has since changed. Readers don't.
    begin = "BEGIN IMMEDIATE" if for_writes else "BEGIN"
    event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(begin))
    return engine


def get_engine(for_writes: bool = True) -> sa.Engine:
    settings = get_settings()
    # PostgreSQL needs no split: one engine serves both.
    return _engine_for(settings.sqlalchemy_url, for_writes and settings.is_sqlite)


def dispose_engines() -> None:
    """Forget every engine (tests point BEACON_DATABASE_URL elsewhere between runs)."""
    _engine_for.cache_clear()


def on_change_committed(callback: Callable[[], None]) -> Callable[[], None]:
    """Run `callback` after every commit in this process that appended to the change log."""
    with _callbacks_lock:
        _commit_callbacks.append(callback)

    def remove() -> None:
        with _callbacks_lock:
            if callback in _commit_callbacks:
                _commit_callbacks.remove(callback)

    return remove


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    # Triggers log every write to a watched table; any flush may have been one.
    session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        with _callbacks_lock:
            callbacks = list(_commit_callbacks)
        for callback in callbacks:
            callback()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)


# Who the write transactions of this process were for: "user:<id>" for a page action (set by the
# states once they know the caller, app/state/signed_in.py), "" for everything else (API, jobs,
# worker). On SQLite each one holds the database's single write lock from its BEGIN IMMEDIATE, so
# these counts say who keeps the others waiting; /api/v1/health shows them.
_write_origin: contextvars.ContextVar[str] = contextvars.ContextVar("beacon_write_origin", default="")
_write_counts: Counter[str] = Counter()
_write_counts_lock = threading.Lock()
WRITE_ORIGINS_KEPT = 10_000  # past this many distinct origins the counts start again (bounded memory)


def attribute_writes(origin: str) -> None:
    """Count this context's write transactions (the rest of an event handler's) under `origin`."""
    _write_origin.set(origin)


def write_transaction_counts() -> dict[str, int]:
    with _write_counts_lock:
        return dict(_write_counts)


def _count_write() -> None:
    with _write_counts_lock:
        if len(_write_counts) >= WRITE_ORIGINS_KEPT:
            _write_counts.clear()
        _write_counts[_write_origin.get()] += 1


@contextmanager
def transaction() -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any error."""
    _count_write()
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_session() -> Iterator[Session]:
    with Session(get_engine(for_writes=False), expire_on_commit=False) as session:
        yield session


def write_if_needed(check: Callable[[Session], T | None], write: Callable[[Session, T], R]) -> R | None:
    """Resolve and authorize in a read session; open a write transaction only to write.

    `check(session)` finds the rows and raises the refusal (another tenant's id, not allowed,
    nothing to move) or returns None when there is nothing to write; only otherwise does a write
    transaction begin (on SQLite: BEGIN IMMEDIATE, the one write lock every writer waits for), where
    `check` runs again, because the row may have changed since, before `write(session, found)`.
    So a loop of refused or idle page actions reads, and never holds the writers' lock.
    """
    with read_session() as session:
        if check(session) is None:
            return None
    with transaction() as session:
        found = check(session)
        if found is None:
            return None
        return write(session, found)
