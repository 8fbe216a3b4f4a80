"""Retention: a job only the leading backend worker runs (app/jobs/leader.py).

Every RETENTION_INTERVAL_SECONDS it prunes change_log and audit_logs to their retention through
the service (services/retention.py), one batch per thread hop, pausing between batches; a
shutdown cancels it between two batches, never inside one.
"""

from __future__ import annotations

import asyncio
import logging

from app.jobs.leader import run_as_leader
from app.services.retention import (
    AUDIT_LOGS,
    BATCHES,
    CHANGE_LOG,
    PRUNE_BATCH_ROWS,
    PRUNE_PAUSE_SECONDS,
    audit_cutoff,
    change_log_cutoff,
)

log = logging.getLogger("beacon.retention")

# Hourly: with a day's retention the change log holds at most a day and an hour of rows, and
# each run deletes about an hour's worth (a few batches at most).
RETENTION_INTERVAL_SECONDS = 3600.0
# The first run waits this long after the worker starts leading, so a start-up is not slowed.
RETENTION_FIRST_RUN_SECONDS = 60.0


async def prune_once() -> dict[str, int]:
    """Prune both tables to their retention; returns rows deleted per table."""
    cutoffs = {CHANGE_LOG: change_log_cutoff(), AUDIT_LOGS: audit_cutoff()}
    deleted: dict[str, int] = {}
    for table, prune_batch in BATCHES.items():
        deleted[table] = 0
        while True:
            count = await asyncio.to_thread(prune_batch, cutoffs[table], PRUNE_BATCH_ROWS)
            deleted[table] += count
            if count < PRUNE_BATCH_ROWS:
                break
            await asyncio.sleep(PRUNE_PAUSE_SECONDS)
    if any(deleted.values()):
        log.info("retention: pruned %s", ", ".join(f"{n} {table} rows" for table, n in deleted.items()))
    return deleted


def retention_interval() -> float:
    return RETENTION_INTERVAL_SECONDS


async def prune_round() -> float:
    await prune_once()
    return retention_interval()


async def run_retention() -> None:
    # A failed run (a database blip) waits the same interval: the next run prunes what it left.
    await run_as_leader("retention", prune_round, pause_after_failure=retention_interval,
                        first_wait=RETENTION_FIRST_RUN_SECONDS)
