"""Burst: 1,000 changes committed within about a second while pages are open; do they all end right?

Measured on PostgreSQL: --changes transactions (one plain SQL write each), through --writers
connections of a writer process of its own (this script with --writer), paced to --rate per
second, each sent as one pipeline (BEGIN, write, order check, COMMIT), as a worker or a script
writing straight to the database would (the triggers keep the change log, NOTIFY wakes the
listener). Round-robin: i % 4 == 0 or 2 updates Acme's agent_status (maintenance / inactive /
active), 1 updates one message's text, 3 inserts a message ("burst-<i>" texts). Then: commits per
second; last commit (the highest seq's COMMIT sent: an upper bound) -> every one of --clients open
Acme pages (light clients) shows the final state; SystemState deltas per page (the registry keeps
only the newest view per kind: a burst coalesces). Checks: each page's SystemState and
WorkforceState.available_agents equal build_views of the database after the last commit (the
server's own code) and hold for QUIET_S; the burst's change-log seqs are contiguous, one per
transaction, handed out in commit order (inside each transaction, after its write took the log's
commit-order lock, a second statement counts the lower seqs already visible: all of them;
`--no-order-check` leaves it out); and no page's newest shown text seq ever goes down.

Run: `source scripts/env.sh && python bench/burst.py [--changes 1000] [--rate 1000]
[--writers 8] [--clients 10] [--json] [--root DIR]`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import resource
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _support as S  # noqa: E402

DEFAULT_CHANGES = 1000  # the burst the requirement names
DEFAULT_RATE = 1000.0  # per second: 1,000 changes "within about one second"
DEFAULT_WRITERS = 8  # connections writing at once: several writers, each its own transactions
DEFAULT_CLIENTS = 10  # open Acme pages that must all end on the final state
STATUS_CYCLE = ("maintenance", "inactive", "active")  # every status change differs from the last
TEXT_PREFIX = "burst-"  # message texts "burst-<i>" name the change that wrote them
PINNED_TEXT = "burst-pinned"  # the message the text updates rewrite
CONNECT_CONCURRENCY = 10  # connects in flight
LIVE_TIMEOUT_S = 60  # one client's wait for its initial view
SETTLE_TIMEOUT_S = 30.0  # after the last commit, how long pages get to show the final state
WRITER_TIMEOUT_S = 300  # the writer process's whole burst, at worst (a few seconds expected)
QUIET_S = 2.0  # the final state must hold this long (no later, older delta may overwrite it)
# Compared between a page and the database's view: SystemState's vars and the agents count.
SYSTEM_FIELDS = ("status", "status_label", "status_scope", "banner_visible", "shown_message", "other_messages")


# Run inside each burst transaction right after its write: its own seq, and how many of the burst's
# lower seqs are already committed (visible to this statement's snapshot).
# (currval is volatile: evaluated once in the sub-select, so the count is an index range scan.)
CHECK_SQL = ("SELECT me.seq, (SELECT count(*) FROM change_log WHERE seq > %s AND seq < me.seq) "
             "FROM (SELECT currval(pg_get_serial_sequence('change_log', 'seq')) AS seq) AS me")

SEQ_SQL = "SELECT currval(pg_get_serial_sequence('change_log', 'seq')), %s::bigint"  # with --no-order-check


@dataclass
class Commit:
    index: int
    kind: str
    writer: int
    seq: int
    prior_visible: bool  # all the burst's lower seqs were committed when this one was handed out
    commit_sent_at: float  # time.time() just before the transaction's pipeline was flushed (commit is after)
    committed_at: float  # time.time() when COMMIT returned (the writer may resume late under load)
    text: str = ""


@dataclass
class PageTrace:
    deltas: list[tuple[float, int, list[str]]] = field(default_factory=list)  # (time, fingerprint, texts)


def exact(system: dict[str, Any], available_agents: Any) -> str:
    """The compared state, normalized (for the one exact comparison at the end)."""
    picked = {k: system.get(k) for k in SYSTEM_FIELDS}
    picked["available_agents"] = available_agents
    return json.dumps(picked, sort_keys=True, default=str)


def _message_key(m: dict[str, Any] | None) -> tuple:
    m = m or {}
    return tuple(sorted(m.items()))


def fingerprint(system: dict[str, Any], available_agents: Any) -> int:
    """A cheap stand-in for `exact` on every delta (hashing, not serializing, ~250 messages)."""
    return hash((
        system.get("status"), system.get("status_label"), system.get("status_scope"),
        system.get("banner_visible"), _message_key(system.get("shown_message")),
        tuple(_message_key(m) for m in system.get("other_messages") or ()), available_agents,
    ))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=DEFAULT_CHANGES, help="transactions in the burst")
    parser.add_argument("--rate", type=float, default=DEFAULT_RATE, help="target commits per second (0: flat out)")
    parser.add_argument("--writers", type=int, default=DEFAULT_WRITERS, help="writer connections")
    parser.add_argument("--clients", type=int, default=DEFAULT_CLIENTS, help="open Acme pages")
    parser.add_argument("--no-order-check", action="store_true",
                        help="leave out the in-transaction commit-order check")
    S.add_common_args(parser)
    args = parser.parse_args(argv)
    if args.changes < 4 or args.writers < 1 or args.clients < 1 or args.rate < 0:
        parser.error("--changes >= 4, --writers and --clients >= 1, --rate >= 0")
    return args


def kind_of(i: int) -> str:
    return ("status", "text", "status", "insert")[i % 4]


async def write_burst(database_url: str, args: argparse.Namespace, acme: int, pinned_id: int,
                      author: int, start_seq: int) -> tuple[list[Commit], float, float]:
    """Run the burst in a process of its own (`--writer`), so the pages' receive work in this
    process neither slows the writers nor is slowed by them; returns its commits start time and CPU."""
    spec = {"database_url": database_url, "changes": args.changes, "rate": args.rate,
            "writers": args.writers, "acme": acme, "pinned_id": pinned_id, "author": author,
            "start_seq": start_seq, "check": not args.no_order_check}
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(Path(__file__).resolve()), "--writer", json.dumps(spec),
        stdout=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL)
    try:
        stdout, _ = await asyncio.wait_for(process.communicate(), WRITER_TIMEOUT_S)
    except BaseException:
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    if process.returncode != 0:
        raise RuntimeError(f"the writer process failed (exit code {process.returncode})")
    result = json.loads(stdout)
    return [Commit(**c) for c in result["commits"]], result["began"], result["cpu_s"]


async def _write_burst(spec: dict[str, Any]) -> dict[str, Any]:
    """The writer process: --writers connections, each committing its share of the changes."""
    import psycopg

    database_url, acme, pinned_id = spec["database_url"], spec["acme"], spec["pinned_id"]
    author, start_seq, changes, rate = spec["author"], spec["start_seq"], spec["changes"], spec["rate"]
    check = spec.get("check", True)
    connections = [await psycopg.AsyncConnection.connect(database_url, connect_timeout=5)
                   for _ in range(spec["writers"])]
    commits: list[Commit] = []
    begin = time.time()
    t0 = time.monotonic()

    async def writer(w: int, conn) -> None:
        for i in range(w, changes, spec["writers"]):
            if rate:
                delay = t0 + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            kind = kind_of(i)
            text = ""
            if kind == "status":
                write = ("UPDATE agent_status SET status = %s, updated_at = now() WHERE client_id = %s",
                         (STATUS_CYCLE[(i // 2) % len(STATUS_CYCLE)], acme))
            elif kind == "text":
                text = f"{TEXT_PREFIX}{i}"
                write = ("UPDATE system_messages SET message = %s, updated_at = now() WHERE id = %s",
                         (text, pinned_id))
            else:
                text = f"{TEXT_PREFIX}{i}"
                write = (("INSERT INTO system_messages (client_id, type, message, is_active, created_by, "
                         "updated_by, created_at, updated_at) VALUES (%s, 'info', %s, true, %s, %s, now(), now())"),
                         (acme, text, author, author))
            try:
                # One round trip (pipeline mode): BEGIN, the write, the check, COMMIT. The check is a new
                # statement, so its snapshot sees every transaction committed before this one took the
                # commit-order lock (in the trigger, during the write); the lock is held until COMMIT.
                async with conn.pipeline():
                    await conn.execute(*write)
                    cursor = await conn.execute(CHECK_SQL if check else SEQ_SQL, (start_seq,))
                    sent = time.time()
                    await conn.commit()
                acked = time.time()
                seq, below = await cursor.fetchone()
                if not check:
                    below = int(seq) - start_seq - 1  # not checked
            except BaseException:
                await conn.rollback()
                raise
            commits.append(Commit(index=i, kind=kind, writer=w, seq=int(seq),
                                  prior_visible=int(below) == int(seq) - start_seq - 1,
                                  commit_sent_at=sent, committed_at=acked, text=text))

    try:
        await asyncio.gather(*(writer(w, c) for w, c in enumerate(connections)))
    finally:
        for conn in connections:
            await conn.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"commits": [asdict(c) for c in commits], "began": begin,
            "cpu_s": usage.ru_utime + usage.ru_stime}


def check_log(database_url: str, start_seq: int, commits: list[Commit]) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as conn:
        rows = conn.execute("SELECT seq, entity FROM change_log WHERE seq > %s ORDER BY seq",
                            (start_seq,)).fetchall()
    seqs = [r[0] for r in rows]
    contiguous = seqs == list(range(start_seq + 1, start_seq + 1 + len(seqs)))
    by_writer: dict[int, list[int]] = {}
    for c in sorted(commits, key=lambda c: c.index):
        by_writer.setdefault(c.writer, []).append(c.seq)
    return {
        "log_rows": len(seqs),
        "contiguous": contiguous,
        "one_row_per_commit": len(seqs) == len(commits) and sorted(c.seq for c in commits) == seqs,
        "commit_order": all(c.prior_visible for c in commits),
        "commit_order_violations": sum(not c.prior_visible for c in commits),
        "per_writer_increasing": all(s == sorted(s) for s in by_writer.values()),
    }


def expected_view(acme: int) -> dict[str, Any]:
    from app.rules.actors import audience_for
    from app.views.live import TENANT_VIEW, build_views

    view = build_views(audience_for(acme), {TENANT_VIEW})[TENANT_VIEW]
    # The view's rows are typed (MessageLine dataclasses); the pages hold them as the JSON Reflex sent.
    return json.loads(json.dumps(view, default=lambda o: asdict(o) if is_dataclass(o) else str(o)))


async def measure(args: argparse.Namespace, server, database_url: str, tokens: list[str],
                  acme: int, pinned_id: int, author: int) -> dict[str, Any]:
    from app.feed.listener import latest_seq

    text_seq: dict[str, int] = {}  # filled as commits return; pages' traces are resolved afterwards
    traces: dict[int, PageTrace] = {}
    async with S.Crowd(args.root, server) as crowd:
        clients = crowd.clients(tokens, args.clients)
        failures = await S.connect_clients(clients, CONNECT_CONCURRENCY, LIVE_TIMEOUT_S)
        if failures:
            raise RuntimeError(f"{len(failures)} clients did not get their initial view: {failures[:3]}")
        for client in clients:
            if PINNED_TEXT not in client.message_texts():
                raise RuntimeError("a page does not show the pinned message before the burst")
        S.check_alive(server, "before the burst")
        await asyncio.sleep(1.0)

        def on_delta(client: S.LightClient, received: float, changed: dict) -> None:
            if "system" not in changed:
                return
            texts = client.message_texts()
            traces.setdefault(id(client), PageTrace()).deltas.append(
                (received, fingerprint(client.system, client.workforce.get("available_agents")), texts))

        for client in clients:
            client.watch = on_delta
        start_seq = await asyncio.to_thread(latest_seq)
        S.log(f"burst: {args.changes} changes through {args.writers} connections at {args.rate:g}/s")
        cpu = S.CpuWindow(server.process.pid)
        commits, began, writer_cpu = await write_burst(database_url, args, acme, pinned_id, author, start_seq)
        last = max(commits, key=lambda c: c.seq)  # the last in commit order
        last_commit = last.commit_sent_at  # latencies are from here: an upper bound
        last_acked = max(c.committed_at for c in commits)
        for c in commits:
            if c.text:
                text_seq[c.text] = c.seq
        final_view = await asyncio.to_thread(expected_view, acme)
        final = fingerprint(final_view, final_view["available_agents"])
        final_exact = exact(final_view, final_view["available_agents"])

        def current(client: S.LightClient) -> int:
            return fingerprint(client.system, client.workforce.get("available_agents"))

        await S.wait_until(lambda: all(current(c) == final for c in clients), SETTLE_TIMEOUT_S)
        await asyncio.sleep(QUIET_S)
        used = cpu.stop()
        S.check_alive(server, "after the burst")
        log_check = await asyncio.to_thread(check_log, database_url, start_seq, commits)

        pages = []
        for client in clients:
            deltas = traces.get(id(client), PageTrace()).deltas
            final_ok = exact(client.system, client.workforce.get("available_agents")) == final_exact
            # When the page's final state arrived: the first delta of the trailing run of final digests.
            final_at = None
            for received, dig, _texts in reversed(deltas):
                if dig != final:
                    break
                final_at = received
            newest = [max((text_seq.get(t, -1) for t in texts), default=-1) for _r, _d, texts in deltas]
            regressions = sum(1 for a, b in itertools.pairwise(newest) if b < a)
            pages.append({
                "deltas": len(deltas), "final_ok": final_ok,
                "final_after_last_commit_ms": None if final_at is None or not final_ok
                else (final_at - last_commit) * 1000,
                "order_regressions": regressions,
            })
        settle = [p["final_after_last_commit_ms"] for p in pages]
        return {
            "changes": len(commits), "burst_s": last_acked - began,
            "commits_per_s": len(commits) / max(1e-9, last_acked - began),
            "last_commit_ack_ms": (last.committed_at - last.commit_sent_at) * 1000,
            "writer_cpu_s": writer_cpu, **used,
            "final_after_last_commit_ms_max": None if None in settle else max(settle),
            "final_after_last_commit_ms_min": None if None in settle else min(settle),
            "pages": pages, "log": log_check,
            "final_state_ok": all(p["final_ok"] for p in pages),
            "order_ok": all(p["order_regressions"] == 0 for p in pages),
            "final_status": final_view["status"], "final_messages": 1 + len(final_view["other_messages"])
            if final_view["shown_message"].get("message") else 0,
            "final_shown": final_view["shown_message"].get("message"),
            "pages_disconnected": sum(c.disconnected for c in clients),
        }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from sqlmodel import select

    from app.db import read_session
    from app.models import SystemMessage
    from app.services.auth import actor_for_email
    from app.services.system_status import publish_system_status

    with tempfile.TemporaryDirectory(prefix="beacon-burst-") as tmp, S.bench_database("postgres", Path(tmp)) as url:
        admin = actor_for_email(S.ADMIN_EMAIL)
        acme = S.client_id_of()
        publish_system_status(admin, acme, "active", PINNED_TEXT, "info")
        with read_session() as session:
            pinned_id = session.exec(select(SystemMessage.id).where(SystemMessage.message == PINNED_TEXT)).one()
        tokens = S.sign_in_tokens(min(args.clients, 5))
        with S.served(args.root, Path(tmp), url, drop_env=("REFLEX_REDIS_URL",)) as server:
            out = asyncio.run(measure(args, server, url, tokens, acme, pinned_id, admin.user_id))
            out["server_log"] = S.server_log_problems(server.log_text())
            return out


def format_table(args: argparse.Namespace, facts: dict[str, Any], out: dict[str, Any]) -> str:
    log = out["log"]

    def ok(flag: bool) -> str:
        return "PASS" if flag else "FAIL"

    deltas = sorted(p["deltas"] for p in out["pages"])
    lines = S.facts_header("Beacon burst: plain-SQL changes committed in about a second, pages must end right "
                           "(PostgreSQL, one backend worker)", facts)
    lines += [
        (f"{out['changes']} changes (status / message text / status / message insert, round-robin) through "
        f"{args.writers} connections, target {args.rate:g}/s; {args.clients} open Acme pages"),
        "",
        (f"commits per second achieved            {out['commits_per_s']:.0f}  ({out['changes']} in "
        f"{out['burst_s'] * 1000:.0f} ms)"),
        (f"last commit -> every page final        {S.ms(out['final_after_last_commit_ms_max'])} ms "
        f"(first page {S.ms(out['final_after_last_commit_ms_min'])} ms; from COMMIT sent for the highest seq, "
        f"its ack took {out['last_commit_ack_ms']:.1f} ms)"),
        (f"deltas per page (SystemState)          min {deltas[0]}  median {deltas[len(deltas) // 2]}  "
        f"max {deltas[-1]}  (of {out['changes']} changes)"),
        (f"CPU during burst + settle              server {out['server_cpu_s']:.2f} s, pages (this process) "
        f"{out['bench_cpu_s']:.2f} s, writer process {out['writer_cpu_s']:.2f} s; both CPUs "
        f"{out['host']['busy_pct']:.0f}% busy (anyone's work)"),
        (f"final state = database's view          {ok(out['final_state_ok'])} on "
        f"{sum(p['final_ok'] for p in out['pages'])}/{len(out['pages'])} pages (status {out['final_status']}, "
        f"{out['final_messages']} messages, banner '{out['final_shown']}'), held {QUIET_S:g} s"),
        (f"change log seqs contiguous             {ok(log['contiguous'] and log['one_row_per_commit'])} "
        f"({log['log_rows']} rows for {out['changes']} commits)"),
        (f"seqs handed out in commit order        {ok(log['commit_order'] and log['per_writer_increasing'])} "
         f"({log['commit_order_violations']} transactions saw a lower seq not yet committed)"
         if not args.no_order_check else
         f"seqs handed out in commit order        not checked (--no-order-check); per-writer order "
         f"{ok(log['per_writer_increasing'])}"),
        (f"pages never went back to older texts   {ok(out['order_ok'])} "
        f"({sum(p['order_regressions'] for p in out['pages'])} regressions)"),
        f"pages dropped during the bench         {out['pages_disconnected']}",
        *S.log_report(out["server_log"]),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--writer"]:
        print(json.dumps(asyncio.run(_write_burst(json.loads(argv[1])))))
        return 0
    out = S.bench_main(parse_args(argv), run, format_table, postgres=True)
    return 0 if out["final_state_ok"] and out["log"]["contiguous"] else 1


if __name__ == "__main__":
    sys.exit(main())
