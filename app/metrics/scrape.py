"""One scrape: every process's recorded values, added up, and what is read at scrape time (the
feed's lag behind the log, the task queue), in Prometheus's text format."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, func, select

from app.db import read_session
from app.metrics.directory import forget_dead_processes, metrics_directory
from app.metrics.families import beacon_metrics
from app.models import AgentTask, ChangeLogEntry, TaskStatus

log = logging.getLogger("beacon.metrics")

APPLIED_SEQ = "beacon_feed_applied_seq"
CONTENT_TYPE = CONTENT_TYPE_LATEST


@dataclass(frozen=True)
class LogPosition:
    newest_seq: int
    waiting_since: datetime | None  # the commit time of the oldest change after the applied position


def recorded() -> list[Metric]:
    """Every process's recorded metrics (this one's alone without a shared directory)."""
    beacon_metrics()  # every family present from the first scrape, even before its first value
    directory = metrics_directory()
    if directory is None:
        return list(REGISTRY.collect())
    forget_dead_processes(directory)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, str(directory))
    return list(registry.collect())


def slowest_applied(families: Iterable[Metric]) -> int | None:
    """The applied position of the listener furthest behind (None: no listener runs here)."""
    positions = [int(sample.value) for family in families if family.name == APPLIED_SEQ
                 for sample in family.samples]
    return min(positions) if positions else None


def log_position(applied: int) -> LogPosition:
    """Two indexed reads of the change log: its newest seq, and when the first change past `applied` committed."""
    with read_session() as session:
        newest = session.exec(select(func.max(ChangeLogEntry.seq))).one() or 0
        waiting = session.exec(select(ChangeLogEntry.created_at).where(ChangeLogEntry.seq > applied)
                               .order_by(col(ChangeLogEntry.seq)).limit(1)).first()
    return LogPosition(newest, waiting)


def pending_tasks() -> int:
    """The task queue's depth: one count over the tasks' status index."""
    with read_session() as session:
        return session.exec(select(func.count()).select_from(AgentTask)
                            .where(AgentTask.status == TaskStatus.PENDING)).one()


def read_now(families: Iterable[Metric]) -> Iterator[GaugeMetricFamily]:
    """The families read at scrape time, from the database."""
    queue = GaugeMetricFamily("beacon_worker_queue_depth", "AI agents' tasks waiting for the task worker.")
    queue.add_metric([], pending_tasks())
    yield queue
    applied = slowest_applied(families)
    if applied is None:
        return  # no listener runs on this host (live updates off): there is no lag to speak of
    position = log_position(applied)
    behind = GaugeMetricFamily("beacon_feed_lag_changes", "Changes in the log the slowest listener of this "
                               "host has not pushed yet (newest seq minus its applied one).")
    behind.add_metric([], max(0, position.newest_seq - applied))
    seconds = GaugeMetricFamily("beacon_feed_lag_seconds", "How long the oldest change the slowest listener "
                                "has not pushed has waited since its commit (0: none waits).")
    waited = 0.0
    if position.waiting_since is not None:
        since = position.waiting_since
        since = since if since.tzinfo else since.replace(tzinfo=UTC)  # SQLite's are naive UTC
        waited = max(0.0, (datetime.now(UTC) - since).total_seconds())
    seconds.add_metric([], waited)
    yield behind
    yield seconds


class _Collected(Collector):
    """Families collected already, served as one collector."""

    def __init__(self, families: list[Metric]):
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families


def exposition() -> bytes:
    """The scrape's body (runs in a worker thread: it reads files and the database). A database
    that cannot be read costs the families read from it, never the scrape: what the processes
    recorded is what an operator needs most while the database is down."""
    families = recorded()
    readable = GaugeMetricFamily("beacon_metrics_database_readable", "1 when this scrape could read the "
                                 "database (the task queue, the feed's lag), 0 when it could not.")
    try:
        families += list(read_now(families))
        readable.add_metric([], 1)
    except SQLAlchemyError as error:
        log.warning("metrics: the database could not be read (%s)", type(error).__name__)
        readable.add_metric([], 0)
    families.append(readable)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collected(families))
    return generate_latest(registry)
