"""Burst: 1,000 plain-SQL changes committed within about a second (PostgreSQL) while pages are open;
do all pages end on the database's state, are the change log's seqs contiguous and in commit order?

A writer process (this script with --writer) commits round-robin status / message text / status /
message insert changes through --writers connections, each one pipeline (BEGIN, write, order
check, COMMIT). `python bench/burst.py [--changes 1000] [--rate 1000] [--writers 8] [--clients 10]
[--json] [--root DIR]`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import resource
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _support as S  # noqa: E402

STATUS_CYCLE = ("maintenance", "inactive", "active")  # every status change differs from the last
PINNED_TEXT = "burst-pinned"  # the message the text updates rewrite; others are "burst-<i>"
CONNECT_CONCURRENCY = 10
LIVE_TIMEOUT_S = 60
SETTLE_TIMEOUT_S = 30.0  # after the last commit, how long pages get to show the final state
WRITER_TIMEOUT_S = 300  # the writer process's whole burst, at worst (a few seconds expected)
QUIET_S = 2.0  # the final state must hold this long (no later, older delta may overwrite it)
SYSTEM_FIELDS = ("status", "status_label", "status_scope", "banner_visible", "shown_message", "other_messages")
# In each burst transaction after its write: its seq, and how many of the burst's lower seqs are
# committed already (all of them, if seqs are handed out in commit order). currval is volatile:
# evaluated once in the sub-select, so the count is an index range scan.
CHECK_SQL = ("SELECT me.seq, (SELECT count(*) FROM change_log WHERE seq > %s AND seq < me.seq) "
             "FROM (SELECT currval(pg_get_serial_sequence('change_log', 'seq')) AS seq) AS me")


def exact(system: dict[str, Any], available_agents: Any) -> str:
    """The compared state, normalized (for the one exact comparison at the end)."""
    return json.dumps({**{k: system.get(k) for k in SYSTEM_FIELDS}, "available_agents": available_agents},
                      sort_keys=True, default=str)


def fingerprint(system: dict[str, Any], available_agents: Any) -> int:
    """A cheap stand-in for `exact` on every delta (hashing, not serializing, ~250 messages)."""
    def key(m):
        return tuple(sorted((m or {}).items()))

    return hash((*(system.get(k) for k in SYSTEM_FIELDS[:4]), key(system.get("shown_message")),
                 tuple(key(m) for m in system.get("other_messages") or ()), available_agents))


def page_fingerprint(client: S.LightClient) -> int:
    return fingerprint(client.system, client.workforce.get("available_agents"))


async def write_burst(spec: dict[str, Any]) -> dict[str, Any]:
    """The writer process: `writers` connections, each committing its share of the changes."""
    import psycopg

    acme, start_seq, changes, rate, writers = (spec[k] for k in ("acme", "start_seq", "changes", "rate", "writers"))
    connections = [await psycopg.AsyncConnection.connect(spec["database_url"], connect_timeout=5)
                   for _ in range(writers)]
    commits: list[dict[str, Any]] = []
    begin, t0 = time.time(), time.monotonic()

    async def writer(w: int, conn) -> None:
        for i in range(w, changes, writers):
            if rate and (delay := t0 + i / rate - time.monotonic()) > 0:
                await asyncio.sleep(delay)
            kind, text = ("status", "text", "status", "insert")[i % 4], f"burst-{i}"
            if kind == "status":
                text, write = "", ("UPDATE agent_status SET status = %s, updated_at = now() WHERE client_id = %s",
                                   (STATUS_CYCLE[(i // 2) % len(STATUS_CYCLE)], acme))
            elif kind == "text":
                write = ("UPDATE system_messages SET message = %s, updated_at = now() WHERE id = %s",
                         (text, spec["pinned_id"]))
            else:
                write = ("INSERT INTO system_messages (client_id, type, message, is_active, created_by, updated_by, "
                         "created_at, updated_at) VALUES (%s, 'info', %s, true, %s, %s, now(), now())",
                         (acme, text, spec["author"], spec["author"]))
            try:
                # One round trip: the check is a new statement, so its snapshot sees every transaction
                # committed before this one took the commit-order lock (in the write's trigger).
                async with conn.pipeline():
                    await conn.execute(*write)
                    cursor = await conn.execute(CHECK_SQL, (start_seq,))
                    sent = time.time()
                    await conn.commit()
                acked = time.time()
                seq, below = await cursor.fetchone()
            except BaseException:
                await conn.rollback()
                raise
            commits.append({"index": i, "kind": kind, "writer": w, "seq": int(seq), "text": text,
                            "prior_visible": int(below) == int(seq) - start_seq - 1,  # the lower seqs: committed
                            "commit_sent_at": sent, "committed_at": acked})  # time.time(), COMMIT sent / returned

    try:
        await asyncio.gather(*(writer(w, c) for w, c in enumerate(connections)))
    finally:
        for conn in connections:
            await conn.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"commits": commits, "began": begin, "cpu_s": usage.ru_utime + usage.ru_stime}


async def run_writer(spec: dict[str, Any]) -> tuple[list[dict], float, float]:
    """The burst in a process of its own: the pages' receive work here neither slows it nor is slowed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(Path(__file__).resolve()), "--writer", json.dumps(spec),
        stdout=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL)
    try:
        stdout, _ = await asyncio.wait_for(process.communicate(), WRITER_TIMEOUT_S)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    if process.returncode != 0:
        raise RuntimeError(f"the writer process failed (exit code {process.returncode})")
    result = json.loads(stdout)
    return result["commits"], result["began"], result["cpu_s"]


def check_log(database_url: str, start_seq: int, commits: list[dict]) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as conn:
        seqs = [r[0] for r in conn.execute("SELECT seq FROM change_log WHERE seq > %s ORDER BY seq", (start_seq,))]
    by_writer: dict[int, list[int]] = {}
    for c in sorted(commits, key=lambda c: c["index"]):
        by_writer.setdefault(c["writer"], []).append(c["seq"])
    return {"log_rows": len(seqs), "contiguous": seqs == list(range(start_seq + 1, start_seq + 1 + len(seqs))),
            "one_row_per_commit": len(seqs) == len(commits) and sorted(c["seq"] for c in commits) == seqs,
            "commit_order": all(c["prior_visible"] for c in commits),
            "commit_order_violations": sum(not c["prior_visible"] for c in commits),
            "per_writer_increasing": all(s == sorted(s) for s in by_writer.values())}


def expected_view(acme: int) -> dict[str, Any]:
    """The server's own view of the database now, as JSON (as the pages hold it)."""
    from app.rules.actors import audience_for
    from app.views.live import TENANT_VIEW, build_views
    from app.views.shared import TenantView

    view = build_views(audience_for(acme), {TENANT_VIEW})[TENANT_VIEW]
    assert isinstance(view, TenantView)
    held = {**asdict(view.service), **asdict(view.workforce)}  # the vars of the states that show it
    return json.loads(json.dumps(held, default=str))


async def measure(args, server, url: str, tokens: list[str], acme: int, pinned_id: int, author: int) -> dict[str, Any]:
    from app.feed.listener import latest_seq

    traces: dict[int, list[tuple[float, int, list[str]]]] = {}  # per page: (time, fingerprint, texts) per delta
    async with S.Crowd(args.root, server) as crowd:
        clients, failures, _ = await crowd.connect(tokens, args.clients, CONNECT_CONCURRENCY, LIVE_TIMEOUT_S)
        if failures:
            raise RuntimeError(f"{len(failures)} clients did not get their initial view: {failures[:3]}")
        if any(PINNED_TEXT not in c.message_texts() for c in clients):
            raise RuntimeError("a page does not show the pinned message before the burst")
        await asyncio.sleep(1.0)

        def on_delta(client: S.LightClient, received: float, changed: dict) -> None:
            if "system" in changed:
                traces.setdefault(id(client), []).append((received, page_fingerprint(client), client.message_texts()))

        for client in clients:
            client.watch = on_delta
        start_seq = await asyncio.to_thread(latest_seq)
        S.log(f"burst: {args.changes} changes through {args.writers} connections at {args.rate:g}/s")
        stop_cpu = S.cpu_window(server.process.pid)
        commits, began, writer_cpu = await run_writer({
            "database_url": url, "changes": args.changes, "rate": args.rate, "writers": args.writers, "acme": acme,
            "pinned_id": pinned_id, "author": author, "start_seq": start_seq})
        last = max(commits, key=lambda c: c["seq"])  # the last in commit order
        last_acked = max(c["committed_at"] for c in commits)
        text_seq = {c["text"]: c["seq"] for c in commits if c["text"]}
        final_view = await asyncio.to_thread(expected_view, acme)
        final = fingerprint(final_view, final_view["available_agents"])
        final_exact = exact(final_view, final_view["available_agents"])
        await S.wait_until(lambda: all(page_fingerprint(c) == final for c in clients), SETTLE_TIMEOUT_S)
        await asyncio.sleep(QUIET_S)
        used = stop_cpu()
        S.check_alive(server, "after the burst")
        log_check = await asyncio.to_thread(check_log, url, start_seq, commits)

        pages = []
        for client in clients:
            deltas = traces.get(id(client), [])
            ok = exact(client.system, client.workforce.get("available_agents")) == final_exact
            trailing = list(itertools.takewhile(lambda d: d[1] == final, reversed(deltas)))  # the final state's run
            newest = [max((text_seq.get(t, -1) for t in texts), default=-1) for _r, _d, texts in deltas]
            pages.append({"deltas": len(deltas), "final_ok": ok,
                          "final_after_last_commit_ms": (trailing[-1][0] - last["commit_sent_at"]) * 1000
                          if trailing and ok else None,
                          "order_regressions": sum(1 for a, b in itertools.pairwise(newest) if b < a)})
        settle = [p["final_after_last_commit_ms"] for p in pages]
        shown = final_view["shown_message"].get("message")
        return {
            "changes": len(commits), "burst_s": last_acked - began,
            "commits_per_s": len(commits) / max(1e-9, last_acked - began),
            "last_commit_ack_ms": (last["committed_at"] - last["commit_sent_at"]) * 1000,
            "writer_cpu_s": writer_cpu, **used,
            "final_after_last_commit_ms_max": None if None in settle else max(settle),
            "final_after_last_commit_ms_min": None if None in settle else min(settle),
            "pages": pages, "log": log_check, "final_state_ok": all(p["final_ok"] for p in pages),
            "order_ok": all(p["order_regressions"] == 0 for p in pages), "final_status": final_view["status"],
            "final_messages": 1 + len(final_view["other_messages"]) if shown else 0, "final_shown": shown,
            "pages_disconnected": sum(c.disconnected for c in clients)}


def run(args) -> dict[str, Any]:
    from sqlmodel import select

    from app.db import read_session
    from app.models import SystemMessage
    from app.services.auth import actor_for_email
    from app.services.system_status import publish_system_status

    with S.bench_database("postgres") as (tmp, url):
        admin, acme = actor_for_email(S.ADMIN_EMAIL), S.client_id_of()
        publish_system_status(admin, acme, "active", PINNED_TEXT, "info")
        with read_session() as session:
            pinned_id = session.exec(select(SystemMessage.id).where(SystemMessage.message == PINNED_TEXT)).one()
        tokens = S.sign_in_tokens(min(args.clients, 5))
        with S.served(args.root, tmp, url, drop_env=("REFLEX_REDIS_URL",)) as server:
            out = asyncio.run(measure(args, server, url, tokens, acme, pinned_id, admin.user_id))
            return out | {"server_log": S.server_log_problems(server.log_text())}


def format_table(args, facts: dict[str, Any], out: dict[str, Any]) -> list[str]:
    log, pages = out["log"], out["pages"]
    deltas = sorted(p["deltas"] for p in pages)

    def ok(flag: bool) -> str:
        return "PASS" if flag else "FAIL"

    return [
        *S.facts_header("Beacon burst: plain-SQL changes committed in about a second, pages must end right "
                        "(PostgreSQL, one backend worker)", facts),
        (f"{out['changes']} changes (status / message text / status / message insert, round-robin) through "
         f"{args.writers} connections, target {args.rate:g}/s; {args.clients} open Acme pages"), "",
        f"commits per second achieved            {out['commits_per_s']:.0f}  ({out['changes']} in "
        f"{out['burst_s'] * 1000:.0f} ms)",
        f"last commit -> every page final        {S.ms(out['final_after_last_commit_ms_max'])} ms "
        f"(first page {S.ms(out['final_after_last_commit_ms_min'])} ms; from COMMIT sent for the highest seq, "
        f"its ack took {out['last_commit_ack_ms']:.1f} ms)",
        f"deltas per page (SystemState)          min {deltas[0]}  median {deltas[len(deltas) // 2]}  "
        f"max {deltas[-1]}  (of {out['changes']} changes)",
        f"CPU during burst + settle              server {out['server_cpu_s']:.2f} s, pages (this process) "
        f"{out['bench_cpu_s']:.2f} s, writer process {out['writer_cpu_s']:.2f} s; both CPUs "
        f"{out['host']['busy_pct']:.0f}% busy (anyone's work)",
        f"final state = database's view          {ok(out['final_state_ok'])} on "
        f"{sum(p['final_ok'] for p in pages)}/{len(pages)} pages (status {out['final_status']}, "
        f"{out['final_messages']} messages, banner '{out['final_shown']}'), held {QUIET_S:g} s",
        f"change log seqs contiguous             {ok(log['contiguous'] and log['one_row_per_commit'])} "
        f"({log['log_rows']} rows for {out['changes']} commits)",
        f"seqs handed out in commit order        {ok(log['commit_order'] and log['per_writer_increasing'])} "
        f"({log['commit_order_violations']} transactions saw a lower seq not yet committed)",
        f"pages never went back to older texts   {ok(out['order_ok'])} "
        f"({sum(p['order_regressions'] for p in pages)} regressions)",
        f"pages dropped during the bench         {out['pages_disconnected']}",
        *S.log_report(out["server_log"])]


def main() -> None:
    if sys.argv[1:2] == ["--writer"]:
        print(json.dumps(asyncio.run(write_burst(json.loads(sys.argv[2])))))
        return

    def check(p, args) -> None:
        if args.changes < 4 or args.rate < 0:
            p.error("--changes >= 4, --rate >= 0")

    S.main(S.parser(__doc__, ("--changes", int, 1000, "transactions in the burst"),
                    ("--rate", float, 1000.0, "target commits per second (0: flat out)"),
                    ("--writers", int, 8, "writer connections"), ("--clients", int, 10, "open Acme pages")),
           run, format_table, "writers", "clients", postgres=True, check=check,
           ok=lambda out: out["final_state_ok"] and out["log"]["contiguous"])


if __name__ == "__main__":
    main()
