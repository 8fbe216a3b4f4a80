"""`beacon worker`: claim, run, record; wake on new tasks through the same signal as the feed."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError

from app.feed.signals import wake_source_for_settings
from app.metrics import record
from app.rules.actors import Actor, system_actor
from app.rules.errors import Conflict
from app.services import follow_ups, tasks
from app.worker.runners import TaskFailed, TaskRunner

log = logging.getLogger("beacon.worker")

# After a database error the worker waits this long before it tries again.
WORKER_DATABASE_RETRY_SECONDS = 2.0
# After an unexpected error of its own (a bug, not a runner's) it pauses as long: no hot loop.
WORKER_ERROR_RETRY_SECONDS = 2.0
# Without a wake-up signal the worker still looks for due follow-ups and lost claims this often.
WORKER_IDLE_CHECK_SECONDS = 5.0
# A claim is renewed every third of its lease while the runner works, so two missed renewals
# still leave it valid.
RENEWALS_PER_LEASE = 3
# A runner's unexpected error is told to users by its type alone: its message may hold what only
# operators may read (a provider's URL, an API key, a customer's data); the message and the full
# traceback go to the worker's log. A type name longer than this is cut.
RUNNER_ERROR_TYPE_MAX_LENGTH = 80


@dataclass
class WorkerStats:
    completed: int = 0
    failed: int = 0
    lost: int = 0
    follow_ups: int = 0
    current: str = ""
    started: float = field(default_factory=time.monotonic)


def runner_error_reason(error: BaseException) -> str:
    """The reason users see for a task whose runner raised `error`: its type, never its message
    ("The agent's runner failed (ValueError); the details are in the worker's log.")."""
    name = type(error).__name__
    if len(name) > RUNNER_ERROR_TYPE_MAX_LENGTH:
        name = name[:RUNNER_ERROR_TYPE_MAX_LENGTH - 1] + "…"
    return f"The agent's runner failed ({name}); the details are in the worker's log."


def _usable(output: object) -> tuple[str, str]:
    """The subject and body of a runner's output; TypeError when it returned something else."""
    subject, body = getattr(output, "subject", None), getattr(output, "body", None)
    if not isinstance(subject, str) or not isinstance(body, str):
        raise TypeError(f"the runner returned {type(output).__name__}, not a subject and a body")
    return subject, body


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
        renewal_error: Exception | None = None

        def still_working() -> None:
            nonlocal last_renewal, renewal_error
            if time.monotonic() - last_renewal >= tasks.claim_lease_seconds() / RENEWALS_PER_LEASE:
                try:
                    tasks.renew_claim(slot, claimed.id)
                except Exception as error:
                    renewal_error = error
                    raise
                last_renewal = time.monotonic()

        try:
            try:
                subject, body = _usable(self.runner.run(claimed, still_working))
            except TaskFailed as failure:
                self._fail(slot, claimed.id, str(failure))
                return True
            except Exception as error:
                if renewal_error is not None:
                    # Our own claim renewal failed (lease lost, database gone), whatever the
                    # runner made of it: handled below and in run(), not as the task's fault.
                    raise renewal_error from error
                # Any other error is this task's alone: fail it with its reason and go on, so
                # one bad contact or one runner bug never stops the work of every tenant.
                # The log has the message and the traceback; the task's reason only the type.
                log.exception("worker: task #%s (%s, client %s): the runner raised %s; failing the task",
                              claimed.id, claimed.agent_name, claimed.client_id, type(error).__name__)
                self._fail(slot, claimed.id, runner_error_reason(error))
                return True
            tasks.complete_task(slot, claimed.id, subject, body)
            self.stats.completed += 1
            record.task_finished("completed")
        except Conflict:
            self.stats.lost += 1  # our lease ran out and someone else has it now
            record.task_finished("lost")
        finally:
            self.stats.current = ""
        return True

    def _fail(self, slot: Actor, task_id: int, reason: str) -> None:
        tasks.fail_task(slot, task_id, reason)
        self.stats.failed += 1
        record.task_finished("failed")

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
                except Exception:
                    # Runner errors fail their task in run_one; anything else is a bug of ours.
                    # Log it and carry on after a pause: stopping would stop every tenant's work.
                    log.exception("worker: unexpected error; retrying")
                    await asyncio.sleep(WORKER_ERROR_RETRY_SECONDS)
                    continue
                if not self._done():
                    await wake.wait(WORKER_IDLE_CHECK_SECONDS)
        finally:
            await wake.stop()

    def _drain(self, slot: Actor) -> None:
        while not self._done() and self.run_one(slot):
            pass
