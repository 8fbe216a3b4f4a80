"""Retention: old change_log and audit_logs rows are deleted, a batch per transaction.

The leading backend worker runs it on a timer (app/jobs/retention.py); `beacon prune` runs it once.

The change log is only a relay between a writer's commit and the listeners, which read it within
seconds; BEACON_CHANGE_LOG_RETENTION (default a day) is far beyond any reader's lag. Two rules
keep every reader correct whatever the retention:
- the newest row is never deleted, so max(seq) survives a quiet day (a listener starting up reads
  its position from it, `feed.listener.latest_seq`; and SQLite, whose seq is a plain rowid, would
  otherwise hand out old numbers again once the table is empty);
- only a prefix of the log is deleted (rows in seq order, up to the first one that is still
  young), so the log stays one unbroken run of sequence numbers after whatever was pruned.

Audit rows older than BEACON_AUDIT_RETENTION_DAYS go too. audit_logs is a watched table: each
deleted row appends a `delete` change, so an admin's open audit window re-reads its total (once
per batch, not per row: the feed reads each touched window once).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, delete, func, select

from app.config import get_settings
from app.db import transaction
from app.models import AuditLog, ChangeLogEntry, as_utc, utc_now

log = logging.getLogger("beacon.retention")

# Rows deleted per transaction: SQLite holds its one write lock for the batch (tens of ms for
# 5,000 rows here), so writers from pages, the API and the worker wait at most that long.
PRUNE_BATCH_ROWS = 5_000
# Pause between two batches: other writers take the lock in between.
PRUNE_PAUSE_SECONDS = 0.2

CHANGE_LOG = "change_log"
AUDIT_LOGS = "audit_logs"

Progress = Callable[[str, int], None]  # (table, rows deleted so far in it)


@dataclass
class PruneResult:
    change_log: int = 0  # rows deleted
    audit_logs: int = 0
    batches: int = 0  # transactions that deleted something
    change_log_cutoff: datetime | None = None
    audit_cutoff: datetime | None = None
    seconds: float = 0.0



def change_log_cutoff(now: datetime | None = None) -> datetime:
    return (now or utc_now()) - get_settings().change_log_retention


def audit_cutoff(now: datetime | None = None) -> datetime:
    return (now or utc_now()) - timedelta(days=get_settings().audit_retention_days)


def prune_change_log_batch(cutoff: datetime, batch_size: int = PRUNE_BATCH_ROWS) -> int:
    """Delete up to `batch_size` change_log rows older than `cutoff` from the head of the log,
    never the newest row; returns how many were deleted (fewer than `batch_size`: done)."""
    with transaction() as session:
        newest = session.exec(select(func.max(ChangeLogEntry.seq))).one()
        if newest is None:
            return 0
        head = session.exec(
            select(ChangeLogEntry.seq, ChangeLogEntry.created_at)
            .where(col(ChangeLogEntry.seq) < newest)
            .order_by(col(ChangeLogEntry.seq))
            .limit(batch_size)
        ).all()
        last = None
        for seq, created_at in head:
            if as_utc(created_at) >= cutoff:
                break  # the first young row ends the prefix; what follows waits for a later run
            last = seq
        if last is None:
            return 0
        result = session.exec(delete(ChangeLogEntry).where(col(ChangeLogEntry.seq) <= last))
        return result.rowcount


def prune_audit_batch(cutoff: datetime, batch_size: int = PRUNE_BATCH_ROWS) -> int:
    """Delete up to `batch_size` audit rows older than `cutoff` (oldest first); returns how many."""
    with transaction() as session:
        ids = list(session.exec(
            select(AuditLog.id).where(col(AuditLog.created_at) < cutoff).order_by(col(AuditLog.id)).limit(batch_size)
        ))
        if not ids:
            return 0
        result = session.exec(delete(AuditLog).where(col(AuditLog.id).in_(ids)))
        return result.rowcount


BATCHES: dict[str, Callable[[datetime, int], int]] = {
    AUDIT_LOGS: prune_audit_batch,  # first: its deletions append to the change log
    CHANGE_LOG: prune_change_log_batch,
}


def prune_old_rows(now: datetime | None = None, batch_size: int = PRUNE_BATCH_ROWS,
                   pause_seconds: float = PRUNE_PAUSE_SECONDS, progress: Progress | None = None) -> PruneResult:
    """Prune both tables to their retention, batch after batch, until nothing old is left."""
    started = time.monotonic()
    cutoffs = {CHANGE_LOG: change_log_cutoff(now), AUDIT_LOGS: audit_cutoff(now)}
    result = PruneResult(change_log_cutoff=cutoffs[CHANGE_LOG], audit_cutoff=cutoffs[AUDIT_LOGS])
    for table, prune_batch in BATCHES.items():
        deleted = 0
        while True:
            count = prune_batch(cutoffs[table], batch_size)
            if count:
                deleted += count
                result.batches += 1
                if progress is not None:
                    progress(table, deleted)
            if count < batch_size:
                break
            time.sleep(pause_seconds)
        setattr(result, table, deleted)
    result.seconds = time.monotonic() - started
    if result.change_log or result.audit_logs:
        log.info("pruned %d change_log rows older than %s and %d audit_logs rows older than %s",
                 result.change_log, result.change_log_cutoff, result.audit_logs, result.audit_cutoff)
    return result
