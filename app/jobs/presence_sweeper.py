"""The presence sweeper: marks agents whose heartbeat went stale offline, in the leading worker."""

from __future__ import annotations

import asyncio

from app.config import get_settings
from app.jobs.leader import run_as_leader
from app.rules.presence import SWEEP_SECONDS
from app.services.presence import sweep_presence

# The sweep runs at least three times per offline threshold, so a short threshold (tests,
# small deployments) is honoured as precisely as the default one.
SWEEPS_PER_THRESHOLD = 3


def sweep_interval() -> float:
    return min(SWEEP_SECONDS, get_settings().presence_timeout_seconds / SWEEPS_PER_THRESHOLD)


async def sweep_once() -> float:
    await asyncio.to_thread(sweep_presence)
    return sweep_interval()


async def run_presence_sweeper() -> None:
    # A failed sweep (a database blip) waits the same interval: the next round sweeps again.
    await run_as_leader("presence-sweeper", sweep_once, pause_after_failure=sweep_interval)
