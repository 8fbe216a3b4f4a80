"""`beacon worker` as real, separate processes against one database: every task runs exactly once,
and a killed worker's task is taken over by another worker when its lease runs out."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import col, select

from app.db import read_session
from app.models import AgentTask, Draft
from tests.support.cli import start_beacon
from tests.support.factory import CLIENT_ADMINS, OUTREACH, assign, audit_rows, task

TASKS_PER_CLIENT = 15
FAST = ("--speed", "20", "--failure-rate", "0")  # a task takes 0.075-0.2 s and never fails
SLOW = ("--speed", "0.05", "--failure-rate", "0")  # a task takes 30-80 s: long enough to be killed mid-run
TEST_LEASE_SECONDS = "2"  # BEACON_CLAIM_LEASE_SECONDS for the workers: a dead worker's claim lapses fast
START_WAIT_SECONDS = 30  # a worker process imports the app, connects, claims its first task
FINISH_WAIT_SECONDS = 60  # every task is done long before; only a lost or stuck task takes this long
STOP_WAIT_SECONDS = 10
OPEN = {"pending", "in_progress"}

BACKENDS = ["database", pytest.param("postgres_database", marks=pytest.mark.postgres)]


class WorkerProcess:
    """One `beacon worker` process, its output kept in a file for failure messages."""

    def __init__(self, database: str, name: str, log_dir: Path, *options: str, concurrency: int = 2):
        self.name = name
        self.log = log_dir / f"{name}.log"
        env = {**os.environ, "BEACON_DATABASE_URL": database,
               "BEACON_CLAIM_LEASE_SECONDS": TEST_LEASE_SECONDS}
        with self.log.open("wb") as out:
            self.process = start_beacon(env, "worker", *options, "--concurrency", str(concurrency), "--name", name,
                                        stdout=out, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return f"--- {self.name} (exit {self.process.poll()}) ---\n" + self.log.read_text(errors="replace")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=STOP_WAIT_SECONDS)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_WAIT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_WAIT_SECONDS)


def wait_for(condition, seconds: float, workers: list[WorkerProcess], what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        for worker in workers:
            if worker.process.poll() is not None and worker.process.returncode != -signal.SIGKILL:
                raise AssertionError(f"{worker.name} exited while waiting for {what}\n{worker.output()}")
        if time.monotonic() > deadline:
            logs = "\n".join(worker.output() for worker in workers)
            raise AssertionError(f"timed out after {seconds} s waiting for {what}\n{logs}")
        time.sleep(0.1)


def assign_outreach_tasks(per_client: int, clients=tuple(CLIENT_ADMINS)) -> list[int]:
    """`per_client` outreach tasks on each client's contacts, round robin, assigned by its admin."""
    return [task_id for client in clients
            for task_id in assign(CLIENT_ADMINS[client], client, OUTREACH, per_client)]


def statuses(task_ids: list[int]) -> dict[int, str]:
    with read_session() as session:
        rows = session.exec(select(AgentTask.id, AgentTask.status).where(col(AgentTask.id).in_(task_ids)))
        return {task_id: status for task_id, status in rows}


def holder(task_id: int) -> tuple[str, str | None]:
    held = task(task_id)
    return held.status, held.claimed_by


def drafts_per_task() -> Counter:
    with read_session() as session:
        return Counter(session.exec(select(Draft.task_id)))


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_workers_complete_every_task_exactly_once(backend, request, tmp_path):
    database = request.getfixturevalue(backend)
    task_ids = assign_outreach_tasks(TASKS_PER_CLIENT)
    workers = []
    try:
        for name in ("w1", "w2"):
            workers.append(WorkerProcess(database, name, tmp_path, *FAST))
        wait_for(lambda: not set(statuses(task_ids).values()) & OPEN, FINISH_WAIT_SECONDS,
                 workers, "every task to finish")
    finally:
        for worker in workers:
            worker.stop()

    assert Counter(statuses(task_ids).values()) == {"completed": len(task_ids)}

    every_task = {str(task_id) for task_id in task_ids}
    starts = Counter(row.target_id for row in audit_rows("task.start"))
    completions = Counter(row.target_id for row in audit_rows("task.complete"))
    assert starts == Counter(every_task), "a task was started more than once (or never)"
    assert completions == Counter(every_task), "a task was completed more than once (or never)"
    assert audit_rows("task.retry") == [] and audit_rows("task.fail") == []
    assert drafts_per_task() == Counter(task_ids)
    assert {worker_of(row.actor_label) for row in audit_rows("task.complete")} <= {"w1", "w2"}
    assert {task(task_id).attempts for task_id in task_ids} == {1}


def worker_of(label: str) -> str:
    """A worker with several runners names each claim "<worker>/<runner>"."""
    return label.split("/", 1)[0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_killed_workers_task_is_completed_by_another_worker_on_its_second_attempt(backend, request, tmp_path):
    database = request.getfixturevalue(backend)
    [task_id] = assign_outreach_tasks(1, clients=("Acme",))
    workers = []
    try:
        slow = WorkerProcess(database, "slow", tmp_path, *SLOW, concurrency=1)
        workers.append(slow)
        wait_for(lambda: holder(task_id) == ("in_progress", "slow"), START_WAIT_SECONDS,
                 workers, "the slow worker to claim the task")
        slow.kill()
        workers.append(WorkerProcess(database, "fast", tmp_path, *FAST))
        wait_for(lambda: task(task_id).status not in OPEN, FINISH_WAIT_SECONDS,
                 workers, "the fast worker to finish the task")
    finally:
        for worker in workers:
            worker.stop()

    done = task(task_id)
    assert (done.status, done.attempts) == ("completed", 2)
    assert [worker_of(row.actor_label) for row in audit_rows("task.start", target_id=task_id)] == ["slow", "fast"]
    [retry] = audit_rows("task.retry", target_id=task_id)
    assert retry.new_value["lost_worker"] == "slow" and worker_of(retry.actor_label) == "fast"
    assert [worker_of(row.actor_label) for row in audit_rows("task.complete", target_id=task_id)] == ["fast"]
    assert drafts_per_task()[task_id] == 1
