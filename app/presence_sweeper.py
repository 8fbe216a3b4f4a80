"""The presence sweeper: a lifespan task that only the leading backend worker runs."""

from __future__ import annotations

import asyncio
import logging

from app.config import get_settings
from app.leadership import leadership
from app.rules.presence import SWEEP_SECONDS
from app.services.presence import sweep_presence

log = logging.getLogger("beacon.presence")

# The sweep runs at least three times per offline threshold, so a short threshold (tests,
# small deployments) is honoured as precisely as the default one.
SWEEPS_PER_THRESHOLD = 3


def sweep_interval() -> float:
    return min(SWEEP_SECONDS, get_settings().presence_timeout_seconds / SWEEPS_PER_THRESHOLD)


async def run_presence_sweeper() -> None:
    async with leadership("presence-sweeper"):
        while True:
            try:
                await asyncio.to_thread(sweep_presence)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a database blip: sweep again next round
                log.exception("presence sweep failed")
            await asyncio.sleep(sweep_interval())
