"""Every query a page runs finds its rows through an index: none scans a client's table.

The page queries are captured as they run (the real read models, on a client topped up with
`seed volume`), then each is EXPLAINed: on SQLite every step on a tenant table must be a SEARCH
(an index lookup), on PostgreSQL (sequential scans priced out) no step may be a Seq Scan.
Searching by substring is the one declared exception: it filters the client's contacts row by row.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlmodel import select

from app.db import read_session
from app.models import AIAgent, Client, Contact
from app.views.contacts import ContactsWindow, badges_of, read_contacts_page
from app.views.lists import LIST_KINDS, ListWindow, read_list
from app.views.tasks import TasksWindow, read_tasks
from app.views.work import summary_view

TENANT_TABLES = ("contacts", "agent_tasks", "drafts", "follow_ups", "audit_logs")


def _seed_volume() -> None:
    from app.seed.volume import seed_volume

    seed_volume("Acme", contacts=400, tasks=900)


def page_queries() -> list[tuple[str, object]]:
    """The SQL the pages of a client run, with their parameters, as executed."""
    captured: list[tuple[str, object]] = []
    with read_session() as session:
        connection = session.connection()

        def capture(_conn, _cursor, statement, parameters, _context, _many):
            captured.append((statement, parameters))

        sa.event.listen(connection, "before_cursor_execute", capture)
        acme = session.exec(select(Client).where(Client.name == "Acme")).one()
        contact = session.exec(select(Contact).where(Contact.client_id == acme.id).limit(1)).one()
        agent = session.exec(select(AIAgent).where(AIAgent.client_id == acme.id).limit(1)).one()
        start = len(captured)
        read_contacts_page(session, ContactsWindow(client_id=acme.id))
        read_contacts_page(session, ContactsWindow(client_id=acme.id, sort="newest", offset=200))
        badges_of(session, [contact.id])
        read_tasks(session, TasksWindow(client_id=acme.id, contact_id=contact.id))
        read_tasks(session, TasksWindow(client_id=acme.id, ai_agent_id=agent.id))
        summary_view(session, acme.id)
        for name in LIST_KINDS:
            read_list(session, ListWindow(name, acme.id))
        read_list(session, ListWindow("activity", acme.id, ai_agent_id=agent.id))
        sa.event.remove(connection, "before_cursor_execute", capture)
    return captured[start:]


def _tenant_lines(plan: list[str]) -> list[str]:
    return [line for line in plan if any(re.search(rf"\b{t}\b", line) for t in TENANT_TABLES)]


def test_no_page_query_scans_a_clients_table_on_sqlite(database):
    _seed_volume()
    queries = page_queries()
    assert len(queries) >= 10
    with read_session() as session:
        raw = session.connection().connection.driver_connection
        for statement, parameters in queries:
            plan = [row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters or ())]
            scans = [line for line in _tenant_lines(plan) if not line.startswith("SEARCH")]
            assert not scans, f"{statement}\n{parameters}\n{plan}"


@pytest.mark.postgres
def test_no_page_query_scans_a_clients_table_on_postgresql(postgres_database):
    _seed_volume()
    queries = page_queries()
    with read_session() as session:
        raw = session.connection().connection.driver_connection
        raw.execute("SET enable_seqscan = off")  # an index that can serve the query must be chosen
        for statement, parameters in queries:
            plan = [row[0] for row in raw.execute(f"EXPLAIN {statement}", parameters)]
            scans = [line for line in plan if "Seq Scan" in line and any(t in line for t in TENANT_TABLES)]
            assert not scans, f"{statement}\n{parameters}\n" + "\n".join(plan)


LOOKUP_INDEXES = {"email": "ix_contacts_client_id_lower_email", "name": "ix_contacts_client_id_lower_name"}


def contact_lookup_queries() -> dict[str, tuple[str, object]]:
    """The SQL of finding a contact by what a person typed (email first, then name), as executed."""
    from app.views.contacts import find_contact

    captured: list[tuple[str, object]] = []
    with read_session() as session:
        connection = session.connection()
        acme = session.exec(select(Client).where(Client.name == "Acme")).one()

        def capture(_conn, _cursor, statement, parameters, _context, _many):
            captured.append((statement, parameters))

        sa.event.listen(connection, "before_cursor_execute", capture)
        find_contact(session, acme.id, "Nobody Of That Name")  # no email matches: the name is tried too
        sa.event.remove(connection, "before_cursor_execute", capture)
    assert len(captured) == 2
    return dict(zip(("email", "name"), captured, strict=True))


def test_a_contact_is_looked_up_by_its_lowered_email_or_name_index_on_sqlite(database):
    _seed_volume()
    with read_session() as session:
        raw = session.connection().connection.driver_connection
        for column, (statement, parameters) in contact_lookup_queries().items():
            plan = [row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters or ())]
            assert any(LOOKUP_INDEXES[column] in line for line in plan), f"{statement}\n{plan}"


@pytest.mark.postgres
def test_a_contact_is_looked_up_by_its_lowered_email_or_name_index_on_postgresql(postgres_database):
    _seed_volume()
    with read_session() as session:
        raw = session.connection().connection.driver_connection
        raw.execute("SET enable_seqscan = off")
        for column, (statement, parameters) in contact_lookup_queries().items():
            plan = "\n".join(row[0] for row in raw.execute(f"EXPLAIN {statement}", parameters))
            assert LOOKUP_INDEXES[column] in plan, f"{statement}\n{plan}"
