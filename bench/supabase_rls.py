"""What row-level security costs on a Supabase-like database: the same reads as Beacon's pages
make, by the table owner (Beacon itself, no RLS) and through Supabase's API roles the way
PostgREST runs them (SET LOCAL ROLE authenticated + request.jwt.claims), on a client with 20,000
contacts and 50,000 tasks beside a small one.

Run: `source scripts/env.sh && python bench/supabase_rls.py [--contacts 20000] [--tasks 50000] [--rounds 30]`.
Prints the median and p90 milliseconds per query for each reader.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.services.users import link_auth_user  # noqa: E402
from app.seed.volume import seed_volume  # noqa: E402
from tests.conftest import drop_postgres_database  # noqa: E402
from tests.support.supabase import add_auth_user, claims_of, create_supabase_database  # noqa: E402

QUERIES = {
    "contacts page (100 by name)": "SELECT id, name FROM contacts WHERE client_id = %(client)s ORDER BY name, id LIMIT 100",
    "contacts count": "SELECT count(*) FROM contacts WHERE client_id = %(client)s",
    "tasks of a contact": "SELECT id, status FROM agent_tasks WHERE contact_id = %(contact)s ORDER BY id DESC LIMIT 50",
    "pending drafts": "SELECT id FROM drafts WHERE client_id = %(client)s AND status = 'pending' ORDER BY id DESC LIMIT 50",
}


def timed(conn: psycopg.Connection, sql: str, params: dict, rounds: int, role: str | None, claims: dict | None) -> list[float]:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--tasks", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    url = create_supabase_database()
    try:
        seed_volume("Acme", args.contacts, args.tasks)
        readers = {}
        for label, email in (("client admin", "ops@acme.demo"), ("platform admin", "admin@beacon.demo")):
            auth_user_id = add_auth_user(url, email)
            link_auth_user(None, email, str(auth_user_id))
            readers[label] = ("authenticated", claims_of(auth_user_id))
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("ANALYZE")
            clients = dict(conn.execute("SELECT name, id FROM clients").fetchall())
            print(f"Supabase-like PostgreSQL, Acme {args.contacts} contacts / {args.tasks} tasks, Globex demo-sized; "
                  f"{args.rounds} rounds, ms median / p90")
            for client in ("Acme", "Globex"):
                contact = conn.execute("SELECT max(contact_id) FROM agent_tasks WHERE client_id = %s",
                                       (clients[client],)).fetchone()[0] or 0
                params = {"client": clients[client], "contact": contact}
                for name, sql in QUERIES.items():
                    cells = []
                    for label, (role, claims) in {"owner (Beacon)": (None, None), **readers}.items():
                        if client == "Globex" and label == "client admin":
                            continue  # Acme's admin sees none of Globex: not a like-for-like read
                        times = timed(conn, sql, params, args.rounds, role, claims)
                        p90 = statistics.quantiles(times, n=10)[-1]
                        cells.append(f"{label} {statistics.median(times):.2f} / {p90:.2f}")
                    print(f"  {client:6} {name:28} " + " | ".join(cells))
    finally:
        drop_postgres_database(url)


if __name__ == "__main__":
    main()
