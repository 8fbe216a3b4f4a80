"""The calls that record what happened: the feed, the pages' live links, the services, the leader
jobs and the task worker make them, and never see prometheus-client itself."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.metrics.families import BeaconMetrics


def _metrics() -> BeaconMetrics:
    # Imported at the first value, once the app has chosen where values live (directory.py).
    from app.metrics.families import beacon_metrics

    return beacon_metrics()


def open_links(links: int, polling: int) -> None:
    """This process's open pages' links, and how many of them poll."""
    metrics = _metrics()
    metrics.live_links.set(links)
    metrics.polling_pages.set(polling)


def changes_applied(count: int) -> None:
    _metrics().changes_applied.inc(count)


def applied_position(seq: int) -> None:
    """This process's listener has pushed every change up to `seq`."""
    _metrics().applied_seq.labels(worker=str(os.getpid())).set(seq)


def batch_delivered(seconds: float, windows_reread: int) -> None:
    metrics = _metrics()
    metrics.batch_seconds.observe(seconds)
    metrics.windows_reread.observe(windows_reread)


def pushed(committed_at: datetime) -> None:
    """A page was sent a change committed at `committed_at`."""
    seconds = (datetime.now(UTC) - _aware(committed_at)).total_seconds()
    _metrics().push_delay.observe(max(0.0, seconds))


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive UTC datetimes; PostgreSQL aware ones.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def window_read_failed() -> None:
    _metrics().failed_window_reads.inc()


def task_finished(outcome: str) -> None:
    """The task worker finished a task: "completed", "failed" or "lost"."""
    _metrics().worker_tasks.labels(outcome=outcome).inc()


def signin_locked(lock: str) -> None:
    _metrics().signin_locks.labels(lock=lock).inc()


def action_throttled(action: str) -> None:
    _metrics().throttled_actions.labels(action=action).inc()


def leading(job: str, held: bool) -> None:
    _metrics().leader_held.labels(job=job).set(1 if held else 0)
