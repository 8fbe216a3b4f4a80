"""The maintenance timer: a job only the leading backend worker runs (app/jobs/leader.py). It
moves maintenance windows on at their instants.

It sleeps until the next instant a window starts or ends (at most TIMER_MAX_SLEEP_SECONDS), then
writes the move through the service (services/maintenance.py: audit and status history in the
same transaction); the change-log trigger carries that write to every open page. A window
scheduled, extended or cancelled by any writer wakes it early: the change feed of this process
sees the maintenance_windows change and calls `notify_windows_changed`, so a window due sooner
than the current sleep is not missed.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from app.config import get_settings
from app.jobs.leader import Wakeup, repeat, run_as_leader
from app.models import utc_now
from app.services.maintenance import advance_windows

# The longest the timer sleeps without being due: a safety net for a lost wake-up (the change feed
# wakes it on every window change), cheap at one indexed read of the open windows per minute.
TIMER_MAX_SLEEP_SECONDS = 60.0
# Wake this much after an instant, so the clock read inside the step is past it for sure
# (asyncio may wake a hair early; a window then waits one more round for nothing).
TIMER_MARGIN_SECONDS = 0.005
# After a failed step (the database restarting), try again this soon: a window's instant must
# not wait for the next max sleep.
TIMER_ERROR_PAUSE_SECONDS = 1.0

_wakeup = Wakeup()


def notify_windows_changed() -> None:
    """A window was scheduled, moved, extended or cancelled (by anyone): re-plan now."""
    _wakeup.notify()


def max_sleep() -> float:
    """Without this process's change feed (live updates off) nothing wakes the timer early: it
    looks as often as pages poll."""
    settings = get_settings()
    return TIMER_MAX_SLEEP_SECONDS if settings.live_updates else min(TIMER_MAX_SLEEP_SECONDS, settings.poll_seconds)


def seconds_until(next_at: datetime | None) -> float:
    if next_at is None:
        return max_sleep()
    return min(max_sleep(), max(0.0, (next_at - utc_now()).total_seconds()) + TIMER_MARGIN_SECONDS)


async def advance_once() -> float:
    """Move every due window on; answers the seconds until the next instant (or the max sleep)."""
    return seconds_until(await asyncio.to_thread(advance_windows))


def error_pause() -> float:
    return TIMER_ERROR_PAUSE_SECONDS


async def run_timer_steps() -> None:
    """The timer's loop (without leadership: tests run it directly)."""
    await repeat("maintenance timer step", advance_once, pause_after_failure=error_pause, wakeup=_wakeup)


async def run_maintenance_timer() -> None:
    await run_as_leader("maintenance-timer", advance_once, pause_after_failure=error_pause, wakeup=_wakeup)
