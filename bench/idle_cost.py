"""Idle cost: database transactions per idle open page per minute (PostgreSQL), live link versus polling.

Per config, a new database and one worker; a window with 0 pages, then one with K idle light
clients; per page = (rate K - rate 0) / K. Counters are read on fresh connections (pg_stat views
snapshot per transaction), and settle pauses outlast PGSTAT_IDLE_INTERVAL (10 s).
`python bench/idle_cost.py [--sessions 50] [--seconds 60] [--json] [--root DIR]`.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _support as S  # noqa: E402

CONFIGS = {  # name -> server environment
    "live": {"BEACON_LIVE_UPDATES": "true"},
    "polling": {"BEACON_LIVE_UPDATES": "false", "BEACON_POLL_SECONDS": "5"},
}
TARGET_LIVE = 0.0  # the goal: an idle live page costs the database nothing
CONNECT_CONCURRENCY = 10
LIVE_TIMEOUT_S = 60
SETTLE_S = 20.0  # > PGSTAT_IDLE_INTERVAL (10 s) with margin: the connect work's counters are published first
STATS_FLUSH_S = 1.5  # > PGSTAT_MIN_INTERVAL (1 s): the scan reading's own counters are published


def per_minute(window: dict[str, float], key: str) -> float:
    return window[key] * 60.0 / window["seconds"]


def read_counters(database_url: str) -> tuple[int, int]:
    import psycopg

    from tests.support.database import POSTGRES_ADMIN_URL

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        row = conn.execute("SELECT xact_commit + xact_rollback, tup_returned + tup_fetched FROM pg_stat_database "
                           "WHERE datname = %s", (database_url.rsplit("/", 1)[1],)).fetchone()
    return int(row[0]), int(row[1])


def read_scans(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as conn:
        return int(conn.execute("SELECT coalesce(sum(seq_scan), 0) + coalesce(sum(idx_scan), 0) "
                                "FROM pg_stat_user_tables").fetchone()[0])


async def window(database_url: str, sessions: int, seconds: float) -> dict[str, float]:
    scans0 = await asyncio.to_thread(read_scans, database_url)
    await asyncio.sleep(STATS_FLUSH_S)
    xacts0, tuples0 = await asyncio.to_thread(read_counters, database_url)
    start = time.monotonic()
    await asyncio.sleep(seconds)
    xacts1, tuples1 = await asyncio.to_thread(read_counters, database_url)
    elapsed = time.monotonic() - start
    scans1 = await asyncio.to_thread(read_scans, database_url)
    return {"sessions": sessions, "seconds": elapsed, "xacts": xacts1 - xacts0, "scans": scans1 - scans0,
            "tuples": tuples1 - tuples0}  # xact_commit + xact_rollback; seq + idx scans; tup_returned + fetched


async def measure(args, name: str, server, database_url: str, tokens: list[str]) -> dict[str, Any]:
    async with S.Crowd(args.root, server) as crowd:
        await crowd.warm_up(tokens[0], LIVE_TIMEOUT_S, SETTLE_S)
        S.log(f"{name}: window with 0 pages ({args.seconds:g} s)")
        idle = await window(database_url, 0, args.seconds)
        S.check_alive(server, "during the 0-page window")
        clients, failures, _ = await crowd.connect(tokens, args.sessions, CONNECT_CONCURRENCY, LIVE_TIMEOUT_S)
        live = [c for c in clients if c.live.is_set()]
        if failures:
            S.log(f"{name}: {len(failures)} clients failed: {failures[:3]}")
        await asyncio.sleep(SETTLE_S)
        S.log(f"{name}: window with {len(live)} idle pages ({args.seconds:g} s)")
        loaded = await window(database_url, len(live), args.seconds)
        S.check_alive(server, f"during the {len(live)}-page window")
        if dropped := sum(c.disconnected for c in live):
            S.log(f"{name}: {dropped} pages dropped during the window")

        return {"config": name, "sessions": args.sessions, "connected": len(live), "idle": idle, "loaded": loaded,
                **{f"{key}_per_session_min": (per_minute(loaded, key) - per_minute(idle, key)) / max(1, len(live))
                   for key in ("xacts", "scans", "tuples")}, "modes_seen": sorted({c.mode for c in live})}


def run(args) -> dict[str, Any]:
    out: dict[str, Any] = {"results": [], "server_logs": {}}
    for name in args.config_names:
        with S.bench_database("postgres") as (tmp, url):  # a server log of its own
            tokens = S.sign_in_tokens(args.sign_ins, args.email)
            S.log(f"{name}: {CONFIGS[name]}")
            with S.served(args.root, tmp, url, CONFIGS[name], drop_env=("REFLEX_REDIS_URL",)) as server:
                out["results"].append(asyncio.run(measure(args, name, server, url, tokens)))
                out["server_logs"][name] = S.server_log_problems(server.log_text())
    return out


def format_table(args, facts: dict[str, Any], out: dict[str, Any]) -> list[str]:
    spec = "<8 >5 >8 >17.1f >17.1f >14.2f >15.2f >16.1f"
    lines = [*S.facts_header("Beacon idle cost: database work per idle open page (PostgreSQL pg_stat_database)", facts),
             (f"{args.sessions} idle Acme pages of {args.email} through {args.sign_ins} sign-ins "
              f"(lightweight websocket clients on '/'), windows of {args.seconds:g} s, one backend worker"), "",
             S.row(spec, "config", "pages", "mode", "xact/min 0 pages",
                   "xact/min K pages", "xact/page/min", "scans/page/min", "tuples/page/min")]
    for r in out["results"]:
        lines.append(S.row(spec, r["config"], r["connected"], ",".join(r["modes_seen"]), per_minute(r["idle"], "xacts"),
                           per_minute(r["loaded"], "xacts"), r["xacts_per_session_min"], r["scans_per_session_min"],
                           r["tuples_per_session_min"]))
    if live := next((r for r in out["results"] if r["config"] == "live"), None):
        noise = 60.0 / live["loaded"]["seconds"] / max(1, live["connected"])  # one transaction per window, all pages
        verdict = "PASS" if live["xacts_per_session_min"] <= TARGET_LIVE + noise else "FAIL"
        lines.append(f"target live: {TARGET_LIVE:g} transactions per idle page per minute "
                     f"(resolution {noise:.3f}) -> {verdict}")
    for name, problems in out["server_logs"].items():
        lines += S.log_report(problems, f"server log ({name})")
    return lines + [
        "", "xact = xact_commit + xact_rollback (each query runs in one; pool pre-ping and reset count too);",
        "scans = seq_scan + idx_scan over user tables; tuples = tup_returned + tup_fetched;",
        ("per page = (rate with K pages - rate with 0 pages) / K; the 0-page rate is the server's own timers "
         "(the feed listener's recheck, background jobs), or nothing.")]


def check(p, args) -> None:
    args.config_names = [c.strip() for c in args.configs.split(",") if c.strip()]
    if not args.config_names or any(c not in CONFIGS for c in args.config_names) or args.seconds <= 0:
        p.error(f"--configs takes names from {', '.join(CONFIGS)}; --seconds must be positive")


if __name__ == "__main__":
    S.main(S.parser(__doc__, ("--sessions", int, 50, "idle pages"), ("--seconds", float, 60.0, "length of each window"),
                    ("--configs", str, "live,polling", "which of: live, polling"),
                    ("--sign-ins", int, 5, "server-side sessions shared"),
                    ("--email", str, S.VIEWER_EMAIL, "whose pages (an agent such as sam@acme.demo also heartbeats)")),
           run, format_table, "sessions", "sign_ins", postgres=True, check=check)
