"""Idle cost: database transactions per idle open page per minute, live link versus polling.

With K open Acme pages nobody touches and no change made, PostgreSQL counts the database work
exactly: pg_stat_database's xact_commit + xact_rollback of the bench's own database (pool
pre-ping and reset count too; pg_stat_statements is not loaded here), and as a second measure the
table scans (seq_scan + idx_scan over pg_stat_user_tables). Configurations: live (the default:
the listener re-reads the log every FEED_RECHECK_SECONDS whatever the pages) and polling
(BEACON_LIVE_UPDATES=false, BEACON_POLL_SECONDS=5). For each: a new database, one server with one
worker (no REFLEX_REDIS_URL); window 0 (--seconds, no page, after a warm-up page came and went);
K light clients on "/" as ops@acme.demo, each counted once its initial view arrived; window K.
Per idle page per minute = (rate in window K - rate in window 0) / K.

Each counter reading opens a fresh connection to the maintenance database (pg_stat views cache a
snapshot per transaction), so readings add nothing to the counts; the scan reading connects to
the bench database outside the window. PostgreSQL publishes counters at most once a second and an
idle backend's within 10 s (PGSTAT_IDLE_INTERVAL): the settle pauses are longer than that.

Run: `source scripts/env.sh && python bench/idle_cost.py [--sessions 50] [--seconds 60] [--json]
[--root DIR]`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _support as S  # noqa: E402

DEFAULT_SESSIONS = 50  # enough idle pages that a per-page cost of even 1 query/min shows clearly
DEFAULT_SECONDS = 60.0  # one minute per window: the unit of the figure, and 12 poll periods
DEFAULT_SIGN_INS = 5  # server-side sessions the clients share
POLL_SECONDS = "5"  # the polling baseline's interval (the app's default BEACON_POLL_SECONDS)
CONFIGS = {  # name -> server environment
    "live": {"BEACON_LIVE_UPDATES": "true"},
    "polling": {"BEACON_LIVE_UPDATES": "false", "BEACON_POLL_SECONDS": POLL_SECONDS},
}
TARGET_LIVE = 0.0  # the goal: an idle live page costs the database nothing
CONNECT_CONCURRENCY = 10  # connects in flight
LIVE_TIMEOUT_S = 60  # one client's wait for its initial view
SETTLE_S = 20.0  # > PGSTAT_IDLE_INTERVAL (10 s) with margin: the connect work's counters are published first
STATS_FLUSH_S = 1.5  # > PGSTAT_MIN_INTERVAL (1 s): the scan reading's own counters are published


@dataclass
class Counters:
    at: float  # time.monotonic()
    xacts: int  # xact_commit + xact_rollback of the bench database
    scans: int  # seq_scan + idx_scan over the bench database's user tables
    tuples_read: int  # tup_returned + tup_fetched of the bench database


@dataclass
class Window:
    sessions: int
    seconds: float
    xacts: int
    scans: int
    tuples_read: int

    def per_minute(self, value: int) -> float:
        return value * 60.0 / self.seconds


@dataclass
class ConfigResult:
    config: str
    sessions: int
    connected: int
    idle: Window
    loaded: Window
    xacts_per_session_min: float
    scans_per_session_min: float
    tuples_per_session_min: float
    modes_seen: list[str]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=DEFAULT_SESSIONS, help="idle pages (default %(default)s)")
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS, help="length of each window")
    parser.add_argument("--configs", default="live,polling", help="which of: live, polling (comma-separated)")
    parser.add_argument("--sign-ins", type=int, default=DEFAULT_SIGN_INS, help="server-side sessions shared")
    parser.add_argument("--email", default=S.VIEWER_EMAIL,
                        help="whose pages (default %(default)s, a client admin; a support-staff user such as "
                             "sam@acme.demo is a human agent, whose pages also send presence heartbeats)")
    S.add_common_args(parser)
    args = parser.parse_args(argv)
    args.config_names = [c.strip() for c in args.configs.split(",") if c.strip()]
    if not args.config_names or any(c not in CONFIGS for c in args.config_names):
        parser.error(f"--configs takes names from {', '.join(CONFIGS)}")
    if args.sessions < 1 or args.seconds <= 0 or args.sign_ins < 1:
        parser.error("--sessions and --sign-ins must be at least 1, --seconds positive")
    return args


def _database_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _read_xacts(database_url: str) -> tuple[int, int]:
    import psycopg

    from tests.conftest import POSTGRES_ADMIN_URL

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        row = conn.execute(
            "SELECT xact_commit + xact_rollback, tup_returned + tup_fetched FROM pg_stat_database "
            "WHERE datname = %s", (_database_name(database_url),)).fetchone()
    return int(row[0]), int(row[1])


def _read_scans(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as conn:
        row = conn.execute("SELECT coalesce(sum(seq_scan), 0) + coalesce(sum(idx_scan), 0) "
                           "FROM pg_stat_user_tables").fetchone()
    return int(row[0])


async def window(database_url: str, sessions: int, seconds: float) -> Window:
    scans0 = await asyncio.to_thread(_read_scans, database_url)
    await asyncio.sleep(STATS_FLUSH_S)
    xacts0, tuples0 = await asyncio.to_thread(_read_xacts, database_url)
    start = time.monotonic()
    await asyncio.sleep(seconds)
    xacts1, tuples1 = await asyncio.to_thread(_read_xacts, database_url)
    elapsed = time.monotonic() - start
    scans1 = await asyncio.to_thread(_read_scans, database_url)
    return Window(sessions=sessions, seconds=elapsed, xacts=xacts1 - xacts0, scans=scans1 - scans0,
                  tuples_read=tuples1 - tuples0)


async def measure(args: argparse.Namespace, name: str, server, database_url: str,
                  tokens: list[str]) -> ConfigResult:
    async with S.Crowd(args.root, server) as crowd:
        await crowd.warm_up(tokens[0], LIVE_TIMEOUT_S, SETTLE_S)
        S.log(f"{name}: window with 0 pages ({args.seconds:g} s)")
        idle = await window(database_url, 0, args.seconds)
        S.check_alive(server, "during the 0-page window")

        clients = crowd.clients(tokens, args.sessions)
        failures = await S.connect_clients(clients, CONNECT_CONCURRENCY, LIVE_TIMEOUT_S)
        live = [c for c in clients if c.live.is_set()]
        if failures:
            S.log(f"{name}: {len(failures)} clients failed: {failures[:3]}")
        await asyncio.sleep(SETTLE_S)
        S.log(f"{name}: window with {len(live)} idle pages ({args.seconds:g} s)")
        loaded = await window(database_url, len(live), args.seconds)
        S.check_alive(server, f"during the {len(live)}-page window")
        still = sum(1 for c in live if not c.disconnected)
        if still != len(live):
            S.log(f"{name}: {len(live) - still} pages dropped during the window")
        n = max(1, len(live))

        def per_session(key: str) -> float:
            return (loaded.per_minute(getattr(loaded, key)) - idle.per_minute(getattr(idle, key))) / n

        return ConfigResult(
            config=name, sessions=args.sessions, connected=len(live), idle=idle, loaded=loaded,
            xacts_per_session_min=per_session("xacts"), scans_per_session_min=per_session("scans"),
            tuples_per_session_min=per_session("tuples_read"),
            modes_seen=sorted({c.mode for c in live}),
        )


def run_config(args: argparse.Namespace, name: str, workdir: Path) -> tuple[ConfigResult, dict[str, Any]]:
    with S.bench_database("postgres", workdir) as url:
        tokens = S.sign_in_tokens(args.sign_ins, args.email)
        S.log(f"{name}: {CONFIGS[name]}")
        with S.served(args.root, workdir, url, CONFIGS[name], drop_env=("REFLEX_REDIS_URL",)) as server:
            result = asyncio.run(measure(args, name, server, url, tokens))
            return result, S.server_log_problems(server.log_text())


def run(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {"results": [], "server_logs": {}}
    with tempfile.TemporaryDirectory(prefix="beacon-idle-") as tmp:
        for name in args.config_names:
            workdir = Path(tmp) / name  # a server log of its own
            workdir.mkdir()
            result, problems = run_config(args, name, workdir)
            out["results"].append(result)
            out["server_logs"][name] = problems
    return out


def format_table(args: argparse.Namespace, facts: dict[str, Any], out: dict[str, Any]) -> str:
    results, logs = out["results"], out["server_logs"]
    lines = S.facts_header("Beacon idle cost: database work per idle open page (PostgreSQL pg_stat_database)",
                           facts)
    lines += [
        (f"{args.sessions} idle Acme pages of {args.email} through {args.sign_ins} sign-ins (lightweight websocket "
         f"clients on '/'), windows of {args.seconds:g} s, one backend worker"),
        "",
        (f"{'config':<8} {'pages':>5} {'mode':>8} {'xact/min 0 pages':>17} {'xact/min K pages':>17} "
        f"{'xact/page/min':>14} {'scans/page/min':>15} {'tuples/page/min':>16}"),
    ]
    for r in results:
        lines.append(
            f"{r.config:<8} {r.connected:>5} {','.join(r.modes_seen):>8} {r.idle.per_minute(r.idle.xacts):>17.1f} "
            f"{r.loaded.per_minute(r.loaded.xacts):>17.1f} {r.xacts_per_session_min:>14.2f} "
            f"{r.scans_per_session_min:>15.2f} {r.tuples_per_session_min:>16.1f}"
        )
    live = next((r for r in results if r.config == "live"), None)
    if live is not None:
        # Below one transaction per window over all pages is counting noise (a stray timer read).
        noise = 1.0 * 60.0 / live.loaded.seconds / max(1, live.connected)
        verdict = "PASS" if live.xacts_per_session_min <= TARGET_LIVE + noise else "FAIL"
        lines.append(f"target live: {TARGET_LIVE:g} transactions per idle page per minute "
                     f"(resolution {noise:.3f}) -> {verdict}")
    for name, problems in logs.items():
        lines += S.log_report(problems, f"server log ({name})")
    lines += [
        "",
        "xact = xact_commit + xact_rollback (each query runs in one; pool pre-ping and reset count too);",
        "scans = seq_scan + idx_scan over user tables; tuples = tup_returned + tup_fetched;",
        ("per page = (rate with K pages - rate with 0 pages) / K; the 0-page rate is the server's own timers "
         "(the feed listener's recheck, background jobs), or nothing."),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    S.bench_main(parse_args(argv), run, format_table, postgres=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
