"""The worker in-process, on SQLite and PostgreSQL: a runner's error fails only its own task (with
its reason) and the worker goes on; a contact named " " no longer breaks the default runner; a
disabled AI agent's tasks wait unclaimed and run once it is enabled again."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
import sqlalchemy as sa

from app.db import get_engine
from app.rules.actors import system_actor
from app.services import tasks
from app.services.auth import actor_for_email
from app.worker.loop import Worker, runner_error_reason
from app.worker.runners import SimulatedOutreachRunner, TaskOutput
from tests.support.factory import agent_id, assign, audit_rows, contact_ids, drafts_of, task
from tests.support.loops import run_async

BACKENDS = ["database", pytest.param("postgres_database", marks=pytest.mark.postgres)]
WORKER_RUN_SECONDS = 30  # a few instant tasks take well under a second; only a stuck worker takes this


class RaisesOn:
    """A runner that raises `error` for the tasks in `failing` and writes a message for the rest."""

    def __init__(self, failing: set[int], error: Exception):
        self.failing = failing
        self.error = error
        self.ran: list[int] = []

    def run(self, task, still_working) -> TaskOutput:
        self.ran.append(task.id)
        if task.id in self.failing:
            raise self.error
        return TaskOutput(subject=f"Hello {task.contact_name}", body="A short note.")


def run_worker(worker: Worker) -> None:
    async def bounded():
        await asyncio.wait_for(worker.run(), WORKER_RUN_SECONDS)

    run_async(bounded())


def set_agent_enabled(ai_agent_id: int, enabled: bool) -> None:
    """Beacon has no service that toggles an AI agent: an operator does it in SQL (as here)."""
    with get_engine().begin() as conn:
        conn.execute(sa.text("UPDATE ai_agents SET enabled = :enabled WHERE id = :id"),
                     {"enabled": enabled, "id": ai_agent_id})


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_runner_error_fails_only_its_task_with_its_reason_and_the_worker_goes_on(backend, request):
    request.getfixturevalue(backend)
    first, second = assign("ops@acme.demo", "Acme", "Outreach Agent", 2)
    [other_client] = assign("ops@globex.demo", "Globex", "Outreach Agent", 1)
    runner = RaisesOn({first}, ValueError("no mailbox\nfor this contact"))
    worker = Worker(runner, name="resilient", max_tasks=3)

    run_worker(worker)  # returns once it has handled 3 tasks: it did not stop at the error

    assert runner.ran == [first, second, other_client]
    failed = task(first)
    assert (failed.status, failed.error) == ("failed", runner_error_reason(ValueError()))
    assert failed.claimed_by is None and failed.finished_at is not None
    assert [row.new_value["reason"] for row in audit_rows("task.fail", target_id=first)] == [failed.error]
    assert drafts_of(first) == []
    for done in (second, other_client):
        assert task(done).status == "completed"
        assert len(drafts_of(done)) == 1
    assert (worker.stats.completed, worker.stats.failed, worker.stats.lost) == (2, 1, 0)


def test_a_long_error_message_stays_in_the_log_not_in_the_reason(database, caplog):
    [task_id] = assign("ops@acme.demo", "Acme", "Outreach Agent", 1)
    worker = Worker(RaisesOn({task_id}, RuntimeError("x" * 10_000)), name="resilient")

    with caplog.at_level("ERROR", logger="beacon.worker"):
        assert worker.run_one() is True

    assert task(task_id).error == "The agent's runner failed (RuntimeError); the details are in the worker's log."
    assert "x" * 10_000 in caplog.text


def test_a_runner_returning_no_output_fails_its_task_instead_of_the_worker(database):
    [task_id] = assign("ops@acme.demo", "Acme", "Outreach Agent", 1)

    class ReturnsNothing:
        def run(self, task, still_working):
            return None

    worker = Worker(ReturnsNothing(), name="resilient")
    assert worker.run_one() is True
    assert task(task_id).status == "failed"
    assert task(task_id).error == runner_error_reason(TypeError())


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_contact_named_blank_is_written_to_by_the_default_runner(backend, request):
    """Contacts come from imports and SQL too: a name of one space used to raise IndexError in
    the simulated runner (`" ".split()[0]`), and that stopped the worker for every tenant."""
    request.getfixturevalue(backend)
    acme = contact_ids("Acme")[0]
    with get_engine().begin() as conn:
        conn.execute(sa.text("UPDATE contacts SET name = ' ', company = ' ' WHERE id = :id"), {"id": acme})
    blank = tasks.assign_task(actor_for_email("ops@acme.demo"), acme, agent_id("Acme", "Outreach Agent"))
    [after] = assign("ops@globex.demo", "Globex", "Outreach Agent", 1)
    runner = SimulatedOutreachRunner(failure_rate=0, min_seconds=0, max_seconds=0, seed=1)

    run_worker(Worker(runner, name="default-runner", max_tasks=2))

    assert task(blank).status == "completed" and task(after).status == "completed"
    [draft] = drafts_of(blank)
    assert draft.body.startswith("Hi there,") and draft.subject == "An idea for your team"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_disabled_agents_task_waits_unclaimed_and_runs_once_it_is_enabled_again(backend, request):
    request.getfixturevalue(backend)
    worker = system_actor("claimer")
    outreach = agent_id("Acme", "Outreach Agent")
    [waiting] = assign("ops@acme.demo", "Acme", "Outreach Agent", 1)
    set_agent_enabled(outreach, False)
    [later] = assign("ops@acme.demo", "Acme", "Follow-up Agent", 1)  # newer, of an enabled agent

    claimed = tasks.claim_next_task(worker)
    assert claimed is not None and claimed.id == later, "the enabled agent's newer task is taken first"
    assert tasks.claim_next_task(worker) is None, "the disabled agent's task is not claimed"
    assert (task(waiting).status, task(waiting).attempts, task(waiting).claimed_by) == ("pending", 0, None)

    set_agent_enabled(outreach, True)
    claimed = tasks.claim_next_task(worker)
    assert claimed is not None and claimed.id == waiting
    assert task(waiting).status == "in_progress"


@pytest.mark.postgres
def test_a_claim_does_not_lock_or_skip_on_the_agent_row(postgres_database):
    """The enabled check is a subquery, not a locking join: while another transaction holds the
    agent's row (an admin editing it), its tasks are still claimed, one per worker."""
    first, second = assign("ops@acme.demo", "Acme", "Outreach Agent", 2)
    outreach = agent_id("Acme", "Outreach Agent")
    with psycopg.connect(postgres_database) as other:
        other.execute("SELECT id FROM ai_agents WHERE id = %s FOR UPDATE", (outreach,))
        one = tasks.claim_next_task(system_actor("w1"))
        two = tasks.claim_next_task(system_actor("w2"))
        other.rollback()
    assert {one.id, two.id} == {first, second}
