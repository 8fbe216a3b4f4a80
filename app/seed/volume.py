"""Volume data for one client: many contacts and the finished tasks AI agents did on them.

`beacon seed volume --client Acme --contacts 20000 --tasks 50000` tops the client up to that many
*volume* contacts and tasks, so running it again with the same numbers adds nothing. Volume
contacts are the client's contacts whose email ends in `.volume.example` (e.g.
`ada.byrne.17@northwind.volume.example`); volume tasks are the tasks on them.

The data is deterministic (names, companies and the spread come from fixed lists and a seeded
generator) and realistic enough for the pages: about a third of the contacts have no task, some
have several; a few percent of the newest tasks failed (badge "Failed"); some contacts whose newest
task completed have a draft awaiting approval (badge "Draft Ready").

Everything is written in one transaction with executemany inserts (SQLAlchemy Core, lists of
dicts). The database's change-log triggers fire for every row as for any other writer.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from app.db import read_session, transaction
from app.models import (
    AgentTask,
    AIAgent,
    AIAgentKind,
    AuditAction,
    Contact,
    Draft,
    DraftStatus,
    TaskStatus,
    id_of,
    utc_now,
)
from app.rules.actors import system_actor
from app.rules.errors import InvalidInput
from app.services.audit import write_audit
from app.views.access import client_by_name

VOLUME_DOMAIN = "volume.example"
VOLUME_EMAIL_PATTERN = f"%.{VOLUME_DOMAIN}"
ANALYZED_TABLES = ("contacts", "agent_tasks", "drafts", "change_log")
CHUNK_ROWS = 2_000  # rows per executemany call: progress moves, memory per call stays small

# Share of contacts that never got a task; the rest are picked with these relative weights
# (most once or twice, a few over and over).
NO_TASK_SHARE = 0.25
CONTACT_WEIGHTS = ((0.60, 1), (0.30, 3), (0.10, 8))  # (share of the engaged contacts, weight)
NEWEST_FAILED_RATE = 0.04  # "a few percent of the newest tasks failed"
OLDER_FAILED_RATE = 0.06  # older attempts failed a little more often, then a retry went through
PENDING_DRAFT_RATE = 0.06  # of the contacts whose newest task completed: a draft awaits approval
INSTRUCTIONS_RATE = 0.2
TASK_STEP = timedelta(minutes=2)  # the tasks of one run are about this far apart, newest last
CONTACTS_SPAN = timedelta(days=30)  # the contacts of one run arrived over this period ...
CONTACTS_AGE = timedelta(days=120)  # ... starting this long ago

FIRST_NAMES = (
    "Ada", "Ben", "Chloe", "Dev", "Eva", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kira", "Liam",
    "Maya", "Noah", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wen", "Xavi",
    "Yara", "Zane", "Amara", "Bruno", "Carmen", "Dmitri", "Elena", "Felix", "Greta", "Hana", "Ivan",
    "Julia", "Kofi", "Lena", "Marco", "Nadia", "Oscar", "Priya", "Rafael", "Sofia", "Tomas", "Uma",
    "Viktor", "Wanda", "Yusuf", "Zoe",
)
LAST_NAMES = (
    "Byrne", "Okafor", "Martin", "Patel", "Schmidt", "Haddad", "Kim", "Laurent", "Silva", "Berg",
    "Novak", "Murphy", "Rossi", "Tanaka", "Ivanova", "Horvat", "Reyes", "Costa", "Nguyen", "Fischer",
    "Kowalski", "Andersen", "Moreau", "Dubois", "Khan", "Mensah", "Garcia", "Yilmaz", "Larsen",
    "Popescu", "Hughes", "Ortiz", "Weber", "Sato", "Bianchi", "Jensen", "Ali", "Dumont", "Walsh",
    "Petrov", "Lindqvist", "Mwangi", "Castillo", "Nakamura", "Brennan", "Sokolova", "Adeyemi",
)
COMPANIES = (
    "Northwind", "Contoso", "Fabrikam", "Tailspin", "Initech", "Umbrella", "Hooli", "Globodyne",
    "Vandelay", "Wonka Industries", "Stark Logistics", "Wayne Freight", "Cyberdyne", "Soylent",
    "Massive Dynamic", "Aperture Labs", "Blue Sun", "Oscorp", "Pied Piper", "Dunder Mifflin",
    "Prestige Worldwide", "Gringotts", "Monarch Solutions", "Sterling Cooper", "Bluth Company",
    "Kramerica", "Tyrell Systems", "Weyland Supply", "Nakatomi Trading", "Virtucon",
)
FAILURE_REASONS = (
    "The contact's mailbox rejected the lookup.",
    "The CRM did not answer in time.",
    "Not enough public information to personalise the message.",
)
INSTRUCTIONS = (
    "Mention the spring webinar.",
    "Keep it short; they prefer email to calls.",
    "Ask about their renewal date.",
    "Refer to last quarter's pilot.",
    "Offer a demo for their support team.",
)

Progress = Callable[[str, int, int], None]  # (phase, rows done in it, rows the phase writes)


@dataclass(frozen=True)
class VolumeSeedResult:
    client: str
    contacts_added: int
    tasks_added: int
    failed_added: int
    drafts_added: int
    contacts_total: int  # volume contacts of the client afterwards
    tasks_total: int  # volume tasks of the client afterwards
    seconds: float


def _slug(company: str) -> str:
    return "".join(ch for ch in company.lower() if ch.isalnum())


def volume_contact(index: int) -> tuple[str, str, str]:
    """The `index`-th volume contact: (name, email, company). Emails are unique by the index."""
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[(index * 7 + index // len(FIRST_NAMES)) % len(LAST_NAMES)]
    company = COMPANIES[(index * 11 + index // 13) % len(COMPANIES)]
    email = f"{first.lower()}.{last.lower()}.{index}@{_slug(company)}.{VOLUME_DOMAIN}"
    return f"{first} {last}", email, company


def _table(model: type[SQLModel]) -> sa.Table:
    """A table model's Core table (its `__table__`, which SQLModel sets but does not declare): the
    volume seed reads and writes in bulk, without the ORM."""
    table = sa.inspect(model).local_table
    assert isinstance(table, sa.Table)
    return table


def _is_volume_contact() -> sa.ColumnElement[bool]:
    return _table(Contact).c.email.like(VOLUME_EMAIL_PATTERN)


def _client_id(session: Session, client_name: str) -> int:
    return id_of(client_by_name(session, client_name))


def _validate(contacts: int, tasks: int) -> None:
    problems = {}
    if contacts < 0:
        problems["contacts"] = f"must be 0 or more, not {contacts}"
    if tasks < 0:
        problems["tasks"] = f"must be 0 or more, not {tasks}"
    if problems:
        raise InvalidInput(problems)


def _volume_contacts(session: Session, client_id: int) -> Sequence[sa.Row[*tuple[Any, ...]]]:
    contacts_t = _table(Contact)
    return session.execute(
        sa.select(contacts_t.c.id, contacts_t.c.name, contacts_t.c.company, contacts_t.c.email)
        .where(contacts_t.c.client_id == client_id, _is_volume_contact()).order_by(contacts_t.c.id)
    ).all()


def _volume_task_count(session: Session, client_id: int, contact_ids: set[int]) -> int:
    """Tasks on the client's volume contacts, counted per contact and summed here rather than with
    a join: right after a bulk load PostgreSQL's statistics are stale, and for the join its planner
    picked a nested loop that took 20+ s (50,000 tasks); this is one pass over the client's tasks."""
    tasks_t = _table(AgentTask)
    per_contact = session.execute(
        sa.select(tasks_t.c.contact_id, sa.func.count()).where(tasks_t.c.client_id == client_id)
        .group_by(tasks_t.c.contact_id)
    ).all()
    return sum(count for contact_id, count in per_contact if contact_id in contact_ids)


def check_volume_seed(client_name: str, contacts: int, tasks: int) -> int:
    """The arguments are good and the client exists (read only); returns the client's id."""
    _validate(contacts, tasks)
    with read_session() as session:
        return _client_id(session, client_name)


def _insert_chunks(session: Session, table: sa.Table, rows: list[dict], phase: str, progress: Progress | None,
                   returning: sa.Column | None = None, offset: int = 0, total: int | None = None) -> list:
    """executemany in chunks; returns the `returning` column's values in the rows' order.
    Progress says `offset` + the rows written so far, out of `total` (default: these rows)."""
    returned: list = []
    statement = sa.insert(table)
    if returning is not None:
        statement = statement.returning(returning, sort_by_parameter_order=True)
    for start in range(0, len(rows), CHUNK_ROWS):
        chunk = rows[start:start + CHUNK_ROWS]
        result = session.execute(statement, chunk)
        if returning is not None:
            returned.extend(result.scalars().all())
        if progress:
            progress(phase, offset + start + len(chunk), len(rows) if total is None else total)
    return returned


def _add_contacts(session: Session, client_id: int, wanted: int, progress: Progress | None) -> int:
    existing = {contact.email for contact in _volume_contacts(session, client_id)}
    missing = wanted - len(existing)
    if missing <= 0:
        return 0
    if progress:
        progress("contacts", 0, missing)
    now = utc_now()
    start = now - CONTACTS_AGE
    rows: list[dict] = []
    index = len(existing)
    while len(rows) < missing:
        name, email, company = volume_contact(index)
        index += 1
        if email in existing:  # a gap left by a deleted volume contact: skip taken addresses
            continue
        arrived = start + CONTACTS_SPAN * (len(rows) / missing)
        rows.append({"client_id": client_id, "name": name, "email": email, "company": company,
                     "created_at": arrived})
    _insert_chunks(session, _table(Contact), rows, "contacts", progress)
    return len(rows)


def _contact_weights(count: int) -> list[float]:
    """A fixed weight per volume contact position: 0 for the ones who never get a task."""
    weights = []
    for position in range(count):
        spot = ((position * 2_654_435_761) % 1_000) / 1_000  # a deterministic, well-spread value
        if spot < NO_TASK_SHARE:
            weights.append(0.0)
            continue
        spot = (spot - NO_TASK_SHARE) / (1 - NO_TASK_SHARE)
        bound, weight = 0.0, CONTACT_WEIGHTS[-1][1]
        for share, candidate in CONTACT_WEIGHTS:
            bound += share
            if spot < bound:
                weight = candidate
                break
        weights.append(float(weight))
    return weights


def _output(first_name: str, company: str, agent_name: str, kind: str) -> tuple[str, str]:
    if kind == AIAgentKind.FOLLOW_UP:
        return (f"Following up, {first_name}",
                f"Hi {first_name},\n\nI wanted to follow up on my last note about how {company} could hand "
                f"routine outreach to AI agents. Would a short call next week work?\n\n— {agent_name}")
    return (f"An idea for {company}",
            f"Hi {first_name},\n\nI noticed {company} is growing its support team. Beacon's agents take "
            f"routine follow-ups off people's plates while they keep the conversations that matter.\n\n"
            f"Would you be open to a 15-minute call?\n\n— {agent_name}")


def _add_tasks(session: Session, client_id: int, contacts: Sequence[sa.Row[*tuple[Any, ...]]], wanted: int,
               progress: Progress | None) -> tuple[int, int, int, int]:
    """Top the client's volume tasks up to `wanted`; returns (tasks it had, then tasks, failed
    tasks and drafts added)."""
    agents_t = _table(AIAgent)
    have = _volume_task_count(session, client_id, {contact.id for contact in contacts})
    missing = wanted - have
    if missing <= 0:
        return have, 0, 0, 0
    if not contacts:
        raise InvalidInput({"tasks": "the client has no volume contacts to give tasks to; pass --contacts"})
    agents = session.execute(
        sa.select(agents_t.c.id, agents_t.c.name, agents_t.c.kind, agents_t.c.enabled)
        .where(agents_t.c.client_id == client_id).order_by(agents_t.c.id)
    ).all()
    agents = [a for a in agents if a.enabled] or agents
    if not agents:
        raise InvalidInput({"tasks": "the client has no AI agents to do the tasks"})
    if progress:
        progress("tasks", 0, missing)

    rng = random.Random(f"beacon-volume:{client_id}:{have}:{len(contacts)}")
    weights = _contact_weights(len(contacts))
    if not any(weights):
        weights = [1.0] * len(contacts)
    picks = rng.choices(range(len(contacts)), weights=weights, k=missing)
    newest_of: dict[int, int] = {}  # contact position -> the number of its newest task of this run
    for number, position in enumerate(picks):
        newest_of[position] = number
    newest_numbers = set(newest_of.values())

    rows: list[dict] = []
    failed = 0
    with_draft: list[dict] = []  # completed newest tasks whose draft awaits approval
    for number, position in enumerate(picks):
        contact = contacts[position]
        agent = agents[rng.randrange(len(agents))]
        is_newest = number in newest_numbers
        fails = rng.random() < (NEWEST_FAILED_RATE if is_newest else OLDER_FAILED_RATE)
        instructions = rng.choice(INSTRUCTIONS) if rng.random() < INSTRUCTIONS_RATE else ""
        row = {
            "client_id": client_id, "ai_agent_id": agent.id, "contact_id": contact.id, "kind": agent.kind,
            "instructions": instructions, "attempts": 1, "claimed_by": None, "claim_expires_at": None,
            "created_by": None,
        }
        if fails:
            failed += 1
            row.update(status=TaskStatus.FAILED, output=None, error=rng.choice(FAILURE_REASONS))
        else:
            _subject, body = _output(contact.name.split()[0], contact.company or "your team", agent.name, agent.kind)
            row.update(status=TaskStatus.COMPLETED, output=body, error=None)
            if is_newest and rng.random() < PENDING_DRAFT_RATE:
                with_draft.append(row)
                continue
        rows.append(row)
    # The tasks with a draft go last: each is its contact's newest task, so moving it after other
    # contacts' tasks changes no contact's newest task, and only these few need their ids back
    # (RETURNING in parameter order runs row by row on SQLite).
    ordered = rows + with_draft
    now = utc_now()
    for number, row in enumerate(ordered):  # ids and times rise together, the newest near now
        created = now - TASK_STEP * (missing - number) - timedelta(minutes=5) + timedelta(seconds=rng.uniform(0, 60))
        started = created + timedelta(seconds=rng.uniform(1, 90))
        finished = started + timedelta(seconds=rng.uniform(2, 30))
        row.update(created_at=created, started_at=started, finished_at=finished, updated_at=finished)

    tasks_t = _table(AgentTask)
    _insert_chunks(session, tasks_t, rows, "tasks", progress, total=missing)
    task_ids = _insert_chunks(session, tasks_t, with_draft, "tasks", progress, returning=tasks_t.c.id,
                              offset=len(rows), total=missing)
    agent_names = {a.id: a.name for a in agents}
    contact_names = {c.id: (c.name, c.company) for c in contacts}
    drafts = []
    for task_id, row in zip(task_ids, with_draft, strict=True):
        name, company = contact_names[row["contact_id"]]
        subject, body = _output(name.split()[0], company or "your team", agent_names[row["ai_agent_id"]], row["kind"])
        drafts.append({
            "client_id": client_id, "task_id": task_id, "contact_id": row["contact_id"],
            "ai_agent_id": row["ai_agent_id"], "subject": subject, "body": body,
            "status": DraftStatus.PENDING, "decided_by": None, "decided_at": None, "sent_at": None,
            "created_at": row["finished_at"],
        })
    _insert_chunks(session, _table(Draft), drafts, "drafts", progress)
    return have, len(ordered), failed, len(drafts)


def seed_volume(client_name: str, contacts: int, tasks: int, progress: Progress | None = None) -> VolumeSeedResult:
    """Top `client_name` up to `contacts` volume contacts and `tasks` finished volume tasks, in one
    transaction. A second run with the same numbers adds nothing."""
    _validate(contacts, tasks)
    started = time.perf_counter()
    with transaction() as session:
        client_id = _client_id(session, client_name)
        contacts_added = _add_contacts(session, client_id, contacts, progress)
        volume_contacts = _volume_contacts(session, client_id)
        tasks_had, tasks_added, failed_added, drafts_added = _add_tasks(
            session, client_id, volume_contacts, tasks, progress)
        if contacts_added or tasks_added:
            # One audit row for the run (its ORM flush also marks the session as a writer, so this
            # process's on_change_committed callbacks run at commit as for any other write).
            write_audit(session, system_actor("beacon seed volume"), AuditAction.SEED_VOLUME, "client", client_id,
                        client_id, None, {"contacts_added": contacts_added, "tasks_added": tasks_added,
                                          "drafts_added": drafts_added})
            if session.get_bind().dialect.name == "postgresql":
                # Fresh statistics for the tables that just grew (ANALYZE sees this transaction's
                # rows; the statistics become visible with the commit): without them the read side
                # plans for the tables' old, tiny sizes until autovacuum comes around.
                if progress:
                    progress("analyzing", 0, 0)
                session.execute(sa.text(f"ANALYZE {', '.join(ANALYZED_TABLES)}"))
        if progress:
            progress("committing", 0, 0)
    return VolumeSeedResult(client_name, contacts_added, tasks_added, failed_added, drafts_added,
                            len(volume_contacts), tasks_had + tasks_added, time.perf_counter() - started)
