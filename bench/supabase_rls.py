"""What row-level security costs: the reads of Beacon's pages by the table owner (Beacon, no RLS) and
through Supabase's `authenticated` role as PostgREST runs them, on a large client beside a small one.

`python bench/supabase_rls.py [--contacts 20000] [--tasks 50000] [--rounds 30] [--json] [--root DIR]`.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _support as S  # noqa: E402

QUERIES = {
    "contacts page (100 by name)":
        "SELECT id, name FROM contacts WHERE client_id = %(client)s ORDER BY name, id LIMIT 100",
    "contacts count": "SELECT count(*) FROM contacts WHERE client_id = %(client)s",
    "tasks of a contact": "SELECT id, status FROM agent_tasks WHERE contact_id = %(contact)s ORDER BY id DESC LIMIT 50",
    "pending drafts":
        "SELECT id FROM drafts WHERE client_id = %(client)s AND status = 'pending' ORDER BY id DESC LIMIT 50",
}


def timed(conn, sql: str, params: dict, rounds: int, role: str | None, claims: dict | None) -> list[float]:
    times = []
    for _ in range(rounds):
        with conn.transaction(force_rollback=True):
            if role:
                conn.execute(f"SET LOCAL ROLE {role}")
                conn.execute("SELECT set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
            start = time.perf_counter()
            conn.execute(sql, params).fetchall()
            times.append((time.perf_counter() - start) * 1000)
    return times


def run(args) -> list[str]:
    import psycopg

    from app.seed.volume import seed_volume
    from app.services.users import link_auth_user
    from tests.support.database import drop_postgres_database
    from tests.support.supabase import add_auth_user, claims_of, create_supabase_database

    url = create_supabase_database()
    try:
        seed_volume("Acme", args.contacts, args.tasks)
        readers = {"owner (Beacon)": (None, None)}
        for label, email in (("client admin", "ops@acme.demo"), ("platform admin", "admin@beacon.demo")):
            auth_user_id = add_auth_user(url, email)
            link_auth_user(None, email, str(auth_user_id))
            readers[label] = ("authenticated", claims_of(auth_user_id))
        lines = []
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("ANALYZE")
            clients = dict(conn.execute("SELECT name, id FROM clients").fetchall())
            for client in ("Acme", "Globex"):
                contact = conn.execute("SELECT max(contact_id) FROM agent_tasks WHERE client_id = %s",
                                       (clients[client],)).fetchone()[0] or 0
                for name, sql in QUERIES.items():
                    cells = []
                    for label, (role, claims) in readers.items():
                        if client == "Globex" and label == "client admin":
                            continue  # Acme's admin sees none of Globex: not a like-for-like read
                        params = {"client": clients[client], "contact": contact}
                        times = timed(conn, sql, params, args.rounds, role, claims)
                        median, p90 = statistics.median(times), statistics.quantiles(times, n=10)[-1]
                        cells.append(f"{label} {median:.2f} / {p90:.2f}")
                    lines.append(f"  {client:6} {name:28} " + " | ".join(cells))
        return lines
    finally:
        drop_postgres_database(url)


def report(args, facts, lines: list[str]) -> list[str]:
    return [f"Supabase-like PostgreSQL, Acme {args.contacts} contacts / {args.tasks} tasks, Globex demo-sized; "
            f"{args.rounds} rounds, ms median / p90", *lines]


if __name__ == "__main__":
    S.main(S.parser(__doc__, ("--contacts", int, 20_000, "Acme's volume contacts"),
                    ("--tasks", int, 50_000, "Acme's volume tasks"), ("--rounds", int, 30, "runs of each query")),
           run, report, "rounds", postgres=True)
