"""`beacon seed volume`: many contacts and finished tasks for one client, topped up idempotently,
in a separate process as an operator runs it, on SQLite and on PostgreSQL."""

from __future__ import annotations

import subprocess
from collections import Counter

import pytest
import sqlalchemy as sa

from app.db import get_engine
from app.rules.work import BADGE_DRAFT_READY, BADGE_FAILED, ContactWork, contact_badge
from tests.support.cli import beacon, beacon_in_process

# The smallest numbers whose deterministic spread shows every trait asserted below (failed and
# draft-ready badges, a contact with several tasks, both AI agents at work); big volumes are
# bench/'s business.
CONTACTS, TASKS = 100, 200


def seed(database: str, contacts: int = CONTACTS, tasks: int = TASKS, client: str = "Acme", run=beacon):
    """`beacon seed volume` as a real process (`run=beacon_in_process`: through the real entry, in this one)."""
    return run(database, "seed", "volume", "--client", client, "--contacts", str(contacts), "--tasks", str(tasks))


def volume_state(client: str = "Acme") -> dict:
    """What the client's volume data looks like, read with plain SQL."""
    with get_engine(for_writes=False).connect() as conn:
        client_id = conn.execute(sa.text("SELECT id FROM clients WHERE name = :n"), {"n": client}).scalar_one()
        contacts = conn.execute(sa.text(
            "SELECT id, email FROM contacts WHERE client_id = :c AND email LIKE '%.volume.example'"),
            {"c": client_id}).all()
        ids = {c.id for c in contacts}
        tasks = [t for t in conn.execute(sa.text(
            "SELECT id, contact_id, ai_agent_id, status, finished_at, output, error FROM agent_tasks "
            "WHERE client_id = :c ORDER BY id"), {"c": client_id}) if t.contact_id in ids]
        pending_drafts = {d.contact_id: d.task_id for d in conn.execute(sa.text(
            "SELECT contact_id, task_id FROM drafts WHERE client_id = :c AND status = 'pending'"), {"c": client_id})
            if d.contact_id in ids}
        agents = conn.execute(sa.text("SELECT count(*) FROM ai_agents WHERE client_id = :c"),
                              {"c": client_id}).scalar_one()
        change_log = conn.execute(sa.text("SELECT count(*) FROM change_log")).scalar_one()
    newest: dict[int, tuple[int, str]] = {}
    for t in tasks:  # ordered by id: the last one seen is the newest
        newest[t.contact_id] = (t.id, t.status)
    badges = Counter(contact_badge(ContactWork(newest[c][1] if c in newest else None, c in pending_drafts))
                     for c in ids)
    return {"contacts": contacts, "tasks": tasks, "newest": newest, "pending_drafts": pending_drafts,
            "agents": agents, "badges": badges, "change_log": change_log}


def summary_line(done: subprocess.CompletedProcess) -> str:
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    return lines[0]


def assert_realistic_volume(state: dict) -> None:
    contacts, tasks = state["contacts"], state["tasks"]
    assert len(contacts) == CONTACTS and len(tasks) == TASKS
    assert len({c.email for c in contacts}) == CONTACTS  # unique emails
    # Finished work only: completed (with output) or failed (with a reason), all with an end time.
    statuses = Counter(t.status for t in tasks)
    assert set(statuses) == {"completed", "failed"}
    assert all(t.finished_at is not None for t in tasks)
    assert all((t.output if t.status == "completed" else t.error) for t in tasks)
    assert 0.01 * TASKS <= statuses["failed"] <= 0.15 * TASKS
    # Spread: some contacts have no task, some several; every AI agent of the client worked.
    per_contact = Counter(t.contact_id for t in tasks)
    assert len(per_contact) < CONTACTS
    assert max(per_contact.values()) >= 3
    assert len({t.ai_agent_id for t in tasks}) == state["agents"] >= 2
    # The badges the contacts page shows: some Failed, some Draft Ready; each pending draft is on
    # its contact's newest task, which completed.
    assert state["badges"][BADGE_FAILED] >= 1 and state["badges"][BADGE_DRAFT_READY] >= 1
    for contact_id, task_id in state["pending_drafts"].items():
        assert state["newest"][contact_id] == (task_id, "completed")


def test_seed_volume_adds_realistic_data_once(database):
    before = volume_state()["change_log"]
    done = seed(database)
    assert done.returncode == 0, done.stderr
    line = summary_line(done)
    assert line.startswith(f"Acme: added {CONTACTS} contacts, {TASKS} tasks"), line
    state = volume_state()
    assert_realistic_volume(state)
    assert f"{len(state['pending_drafts'])} drafts" in line
    # Written through the watched tables: the triggers logged every row (plus the audit row).
    assert state["change_log"] - before >= CONTACTS + TASKS + len(state["pending_drafts"])

    again = seed(database)
    assert again.returncode == 0, again.stderr
    assert summary_line(again).startswith("Acme: added 0 contacts, 0 tasks (0 failed), 0 drafts")
    assert volume_state() == state  # nothing added, not even to the change log


def test_seed_volume_tops_up_to_larger_numbers_and_leaves_other_clients_alone(database):
    assert seed(database, 10, 15, run=beacon_in_process).returncode == 0
    done = seed(database, 12, 20)
    assert done.returncode == 0, done.stderr
    assert summary_line(done).startswith("Acme: added 2 contacts, 5 tasks")
    state = volume_state()
    assert len(state["contacts"]) == 12 and len(state["tasks"]) == 20
    assert len({c.email for c in state["contacts"]}) == 12
    assert volume_state("Globex")["contacts"] == []
    # Smaller numbers than the client has: nothing is removed or added.
    smaller = seed(database, 5, 5, run=beacon_in_process)
    assert summary_line(smaller).startswith("Acme: added 0 contacts, 0 tasks")
    assert volume_state() == state


# The first case runs the real process (its one line and exit code); the others, whose behaviour
# is the message, run the same entry in this process.
@pytest.mark.parametrize("args, message, run", [
    (("--client", "Nope", "--contacts", "10", "--tasks", "10"), "No client named 'Nope'", beacon),
    (("--client", "Acme", "--contacts", "-1", "--tasks", "10"), "contacts: must be 0 or more", beacon_in_process),
    (("--client", "Acme", "--contacts", "10", "--tasks", "-5"), "tasks: must be 0 or more", beacon_in_process),
    (("--client", "Acme", "--contacts", "0", "--tasks", "10"), "no volume contacts", beacon_in_process),
], ids=["unknown-client", "negative-contacts", "negative-tasks", "tasks-without-contacts"])
def test_seed_volume_fails_with_one_readable_line(database, args, message, run):
    done = run(database, "seed", "volume", *args)
    assert done.returncode != 0
    assert done.stderr.strip().count("\n") == 0 and message in done.stderr, done.stderr
    assert done.stdout == ""
    assert volume_state()["contacts"] == []


@pytest.mark.postgres
def test_seed_volume_on_postgres(postgres_database):
    before = volume_state()["change_log"]
    done = seed(postgres_database)
    assert done.returncode == 0, done.stderr
    assert summary_line(done).startswith(f"Acme: added {CONTACTS} contacts, {TASKS} tasks")
    state = volume_state()
    assert_realistic_volume(state)
    assert state["change_log"] - before >= CONTACTS + TASKS
    again = seed(postgres_database)
    assert again.returncode == 0, again.stderr
    assert summary_line(again).startswith("Acme: added 0 contacts, 0 tasks")
    assert volume_state() == state
    unknown = seed(postgres_database, client="Nope")
    assert unknown.returncode != 0 and unknown.stderr.strip().count("\n") == 0
