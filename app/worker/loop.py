"""`beacon worker`: claim, run, record; wake on new tasks through the same signal as the feed."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field

from app.feed.signals import wake_source_for_settings
from app.services import follow_ups, tasks
from sqlalchemy.exc import SQLAlchemyError

from app.services.actors import Actor, system_actor
from app.services.errors import Conflict
from app.worker.runners import TaskFailed, TaskRunner

log = logging.getLogger("beacon.worker")

# After a database error the worker waits this long before it tries again.
WORKER_DATABASE_RETRY_SECONDS = 2.0
# Without a wake-up signal the worker still looks for due follow-ups and lost claims this often.
WORKER_IDLE_CHECK_SECONDS = 5.0
# A claim is renewed every third of its lease while the runner works, so two missed renewals
# still leave it valid.
RENEWALS_PER_LEASE = 3


@dataclass
class WorkerStats:
    completed: int = 0
    failed: int = 0
    lost: int = 0
    follow_ups: int = 0
    current: str = ""
    started: float = field(default_factory=time.monotonic)


def worker_name() -> str:
    return f"worker:{socket.gethostname()}:{os.getpid()}"


class Worker:
    def __init__(self, runner: TaskRunner, name: str | None = None, concurrency: int = 1,
                 max_tasks: int | None = None):
        self.actor = system_actor(name or worker_name())
        # Each runner slot claims under its own name, so a claim names exactly one runner.
        self.slots = [self.actor] if concurrency == 1 else [
            system_actor(f"{self.actor.email}/{n}") for n in range(1, concurrency + 1)]
        self.runner = runner
        self.concurrency = concurrency
        self.max_tasks = max_tasks
        self.stats = WorkerStats()
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def _done(self) -> bool:
        handled = self.stats.completed + self.stats.failed
        return self._stop.is_set() or (self.max_tasks is not None and handled >= self.max_tasks)

    def run_one(self, slot: Actor | None = None) -> bool:
        """Claim and run one task in `slot` (one of this worker's runners); returns whether there was one."""
        slot = slot or self.slots[0]
        claimed = tasks.claim_next_task(slot)
        if claimed is None:
            return False
        self.stats.current = f"#{claimed.id} {claimed.agent_name} -> {claimed.contact_name}"
        last_renewal = time.monotonic()

        def still_working() -> None:
            nonlocal last_renewal
            if time.monotonic() - last_renewal >= tasks.claim_lease_seconds() / RENEWALS_PER_LEASE:
                tasks.renew_claim(slot, claimed.id)
                last_renewal = time.monotonic()

        try:
            output = self.runner.run(claimed, still_working)
            tasks.complete_task(slot, claimed.id, output.subject, output.body)
            self.stats.completed += 1
        except TaskFailed as failure:
            tasks.fail_task(slot, claimed.id, str(failure))
            self.stats.failed += 1
        except Conflict:
            self.stats.lost += 1  # our lease ran out and someone else has it now
        finally:
            self.stats.current = ""
        return True

    def sweep(self) -> None:
        tasks.recover_lost_claims(self.actor)
        self.stats.follow_ups += follow_ups.execute_due_follow_ups(self.actor)

    async def run(self) -> None:
        """Drain pending tasks with `concurrency` runners, then sleep until the database signals.

        A database that goes away (a restart, a network blip) pauses the worker, which retries
        after a short pause instead of exiting: its claims simply expire and are retried.
        """
        wake = wake_source_for_settings()
        await wake.start()
        try:
            while not self._done():
                try:
                    await asyncio.to_thread(self.sweep)
                    await asyncio.gather(*(asyncio.to_thread(self._drain, slot) for slot in self.slots))
                except SQLAlchemyError as error:
                    log.warning("worker: database unavailable (%s); retrying", error.__class__.__name__)
                    await asyncio.sleep(WORKER_DATABASE_RETRY_SECONDS)
                    continue
                if not self._done():
                    await wake.wait(WORKER_IDLE_CHECK_SECONDS)
        finally:
            await wake.stop()

    def _drain(self, slot: Actor) -> None:
        while not self._done() and self.run_one(slot):
            pass
