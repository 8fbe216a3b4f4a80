"""The worker's progress in the terminal: a live status line on a TTY, a log line otherwise."""

from __future__ import annotations

import asyncio
import sys
import time

from rich.console import Console
from rich.live import Live
from rich.text import Text

from app.worker.loop import Worker

REFRESH_SECONDS = 0.25  # four redraws a second reads as live without costing anything


def _line(worker: Worker) -> Text:
    stats = worker.stats
    elapsed = time.monotonic() - stats.started
    spinner = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"[int(elapsed / REFRESH_SECONDS) % 10]
    text = Text()
    text.append(f"{spinner} {worker.actor.email}  ", style="bold")
    text.append(f"{stats.completed} completed  ", style="green")
    text.append(f"{stats.failed} failed  ", style="red")
    text.append(f"{stats.follow_ups} follow-ups  ")
    text.append(stats.current or "waiting for tasks…", style="dim")
    return text


async def show_progress(worker: Worker) -> None:
    job = asyncio.create_task(worker.run())
    if sys.stdout.isatty():
        with Live(_line(worker), console=Console(), refresh_per_second=1 / REFRESH_SECONDS) as live:
            while not job.done():
                live.update(_line(worker))
                await asyncio.sleep(REFRESH_SECONDS)
    else:
        last = None
        while not job.done():
            now = (worker.stats.completed, worker.stats.failed, worker.stats.follow_ups)
            if now != last:
                print(_line(worker).plain, flush=True)
                last = now
            await asyncio.sleep(REFRESH_SECONDS)
    await job
