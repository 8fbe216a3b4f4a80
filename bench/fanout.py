"""Fan-out: how long one change takes to reach N open Acme pages, and what each open page costs.

- commit -> delivered: from the commit of ONE change for Acme (publish_system_status in this
  process, so it takes the cross-process wake-up) until each of N open pages received the delta
  carrying it: per round the LAST page's time (the fan-out time), p50 / p99 across pages, missed.
- memory: RSS of the server's process tree (psutil) before the pages connect and after; (after -
  before) / N is one open page's cost. CPU: the tree's user+system time per round.
- leaks: after every page left, the tree's RSS, the workers' fds and threads, the feed registry's
  open sessions (/api/v1/health), and Reflex's "Attempting to send delta to disconnected client"
  lines when one more change is published (each a follow_changes task that outlived its page).
  Then --cycles reloads (each page reconnects with its tab token, or `--cycle-tokens new`, and
  leaves): a plateau is memory kept for reuse, growth per cycle a leak. Reflex keeps a left tab's
  state for redis_token_expiration (3600 s by default).

How: a fresh database with the demo data (SQLite, or `--database postgres`: a new database plus
REFLEX_REDIS_URL (`--redis-url`), so Reflex keeps state in Redis and may run several workers); one
server (`reflex run --env prod`, cwd --root); N lightweight clients (bench/_support.py LightClient),
all in this process, on "/" as ops@acme.demo through a few server-side sessions, each counted once
its initial view arrived. Each round publishes "fanout-<round>-<nonce>" for Acme; the commit and
every client's receipt are stamped with time.time() in this process. The clients share the 2
cores with the server, so their receive work is inside the measured time: the bench reports its
own CPU per round and how busy both CPUs were. Messages accumulate over the rounds.

Run: `source scripts/env.sh && python bench/fanout.py [--clients 1000] [--rounds 5] [--json]
[--database sqlite|postgres] [--root DIR]`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import secrets
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _support as S  # noqa: E402

DEFAULT_CLIENTS = 1000  # the target scale: 1,000 open pages of one tenant on one 2-core machine
DEFAULT_ROUNDS = 5  # a few rounds show the spread without taking long
DEFAULT_SIGN_INS = 10  # server-side sessions the clients share (tabs of 10 people)
TARGET_S = 1.0  # the goal: the last of 1,000 pages has the change within 1 s of its commit
CONNECT_CONCURRENCY = 25  # connects in flight: a browser crowd arrives over time, not in one tick
LIVE_TIMEOUT_S = 120  # one client's wait for its initial view while the server is busy connecting
ROUND_TIMEOUT_S = 30  # after a commit, how long every page gets to receive it before it is missed
ROUND_PAUSE_S = 2.0  # between rounds: lets the state manager's debounced writes finish
SETTLE_S = 5.0  # before memory readings: pending tasks finish, the allocator settles
DISCONNECT_SETTLE_S = 10.0  # after all pages left: Reflex's disconnect cleanups run
LEAK_PROBE_WAIT_S = 3.0  # after the post-disconnect change: time for any leaked task to push
REGISTRY_TIMEOUT_S = 60  # after a reload cycle's connects, how long the registry gets to count them all
DEFAULT_CYCLES = 2  # reload cycles after the rounds: enough to tell growth per cycle from a plateau
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379"  # the machine's Redis (for --database postgres)


@dataclass
class RoundResult:
    round: int
    receivers: int
    last_ms: float | None
    p50_ms: float | None
    p99_ms: float | None
    first_ms: float | None
    missed: int
    server_cpu_ms: float
    bench_cpu_ms: float
    host_busy_pct: float  # of both CPUs, anyone's work (the server, these clients, other people's)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=DEFAULT_CLIENTS, help="open pages (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS, help="changes, one per round")
    parser.add_argument("--sign-ins", type=int, default=DEFAULT_SIGN_INS,
                        help="server-side sessions shared by the clients (default %(default)s)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite",
                        help="sqlite: embedded default; postgres: a new database, plus Redis for Reflex")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL,
                        help="REFLEX_REDIS_URL for --database postgres ('' for none)")
    parser.add_argument("--workers", type=int, default=0,
                        help="GRANIAN_WORKERS for the server (0: Reflex's default)")
    parser.add_argument("--cycles", type=int, default=DEFAULT_CYCLES,
                        help="after the rounds: times every page reconnects and leaves again (a reload)")
    parser.add_argument("--cycle-tokens", choices=("same", "new"), default="same",
                        help="reloads keep each tab's Reflex token (same, as a browser reload does) or "
                             "open new tabs (new)")
    S.add_common_args(parser)
    args = parser.parse_args(argv)
    if args.clients < 1 or args.rounds < 1 or args.sign_ins < 1 or args.cycles < 0:
        parser.error("--clients, --rounds and --sign-ins must be at least 1")
    return args


async def run_rounds(clients: list[S.LightClient], server, rounds: int,
                     publish) -> list[RoundResult]:
    results = []
    for r in range(rounds):
        marker = f"fanout-{r}-{secrets.token_hex(3)}"
        seen: dict[int, float] = {}
        done = asyncio.Event()
        receivers = [c for c in clients if not c.disconnected]
        total = len(receivers)

        def on_delta(client: S.LightClient, received: float, changed: dict, marker=marker, seen=seen,
                     done=done, total=total) -> None:
            if "system" in changed and id(client) not in seen and marker in client.message_texts():
                seen[id(client)] = received
                if len(seen) >= total:
                    done.set()

        for client in receivers:
            client.watch = on_delta
        cpu = S.CpuWindow(server.process.pid)
        committed = await asyncio.to_thread(publish, marker)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), ROUND_TIMEOUT_S)
        used = cpu.stop()
        latencies = [(t - committed) * 1000 for t in seen.values()]
        result = RoundResult(
            round=r + 1, receivers=len(receivers),
            last_ms=max(latencies) if len(latencies) == len(receivers) else None,
            p50_ms=S.percentile(latencies, 50), p99_ms=S.percentile(latencies, 99),
            first_ms=min(latencies) if latencies else None,
            missed=len(receivers) - len(latencies),
            server_cpu_ms=used["server_cpu_s"] * 1000, bench_cpu_ms=used["bench_cpu_s"] * 1000,
            host_busy_pct=used["host"]["busy_pct"],
        )
        S.log(f"round {r + 1}: last {S.ms(result.last_ms)} ms, p50 {S.ms(result.p50_ms)}, "
              f"p99 {S.ms(result.p99_ms)}, missed {result.missed}")
        results.append(result)
        for client in receivers:
            client.watch = None
        await asyncio.sleep(ROUND_PAUSE_S)
    return results


async def wait_for_open_sessions(server, api_token: str, expected: int) -> int | None:
    """The registry's open sessions once it reaches `expected` (or its last reading after a while)."""
    deadline = time.monotonic() + REGISTRY_TIMEOUT_S
    count = None
    while time.monotonic() < deadline:
        hp = await asyncio.to_thread(S.health, server, api_token)
        if hp is None:
            return None
        count = hp.get("open_sessions")
        if count == expected:
            break
        await asyncio.sleep(0.5)
    return count


async def measure(args: argparse.Namespace, server, tokens: list[str], publish,
                  api_token: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    async with S.Crowd(args.root, server) as crowd:
        await crowd.warm_up(tokens[0], LIVE_TIMEOUT_S, SETTLE_S)
        gc.collect()
        before = S.sample_tree(server.process.pid)
        out["health_before"] = await asyncio.to_thread(S.health, server, api_token)

        clients = crowd.clients(tokens, args.clients)
        tabs = [c.client_token for c in clients]
        S.log(f"connecting {args.clients} clients ({CONNECT_CONCURRENCY} at a time)")
        started = time.monotonic()
        failures = await S.connect_clients(clients, CONNECT_CONCURRENCY, LIVE_TIMEOUT_S)
        out["connect_seconds"] = time.monotonic() - started
        live = [c for c in clients if c.live.is_set() and not c.disconnected]
        out["connected"] = len(live)
        out["connect_failures"] = len(failures)
        out["connect_failure_examples"] = failures[:5]
        out["workers_seen"] = sorted({c.worker for c in live})
        S.log(f"{len(live)} live after {out['connect_seconds']:.1f} s ({len(failures)} failed)")
        await asyncio.sleep(SETTLE_S)
        after = S.sample_tree(server.process.pid)
        out["health_connected"] = await asyncio.to_thread(S.health, server, api_token)
        out["rounds"] = [asdict(r) for r in await run_rounds(live, server, args.rounds, publish)]
        S.check_alive(server, "during the rounds")

        S.log("disconnecting every client")
        await S.disconnect_clients(clients)
        await asyncio.sleep(DISCONNECT_SETTLE_S)
        gone = S.sample_tree(server.process.pid)
        out["health_after_disconnect"] = await asyncio.to_thread(S.health, server, api_token)
        warnings_before = server.log_text().count(S.LEAK_WARNING)
        await asyncio.to_thread(publish, f"fanout-after-disconnect-{secrets.token_hex(3)}")
        await asyncio.sleep(LEAK_PROBE_WAIT_S)
        out["leak_warnings_after_disconnect"] = server.log_text().count(S.LEAK_WARNING) - warnings_before
        final = S.sample_tree(server.process.pid)
        out["cycles"] = []
        for cycle in range(args.cycles):
            again = crowd.clients(tokens, args.clients)
            if args.cycle_tokens == "same":  # as a browser reload does
                for client, tab in zip(again, tabs, strict=True):
                    client.client_token = tab
            started = time.monotonic()
            failures = await S.connect_clients(again, CONNECT_CONCURRENCY, LIVE_TIMEOUT_S)
            connect_seconds = time.monotonic() - started
            # A reused tab token hydrates from its kept state (LiveLinkState.worker included), so
            # "live" is confirmed by the registry instead: every page subscribed again (with one
            # worker; with several, /api/v1/health shows only the one that answers).
            if len(out["workers_seen"]) == 1:
                open_connected = await wait_for_open_sessions(server, api_token, args.clients)
            else:
                await asyncio.sleep(SETTLE_S)
                open_connected = None
            connected = S.sample_tree(server.process.pid)
            await S.disconnect_clients(again)
            await asyncio.sleep(DISCONNECT_SETTLE_S)
            gone_again = S.sample_tree(server.process.pid)
            hp = await asyncio.to_thread(S.health, server, api_token)
            out["cycles"].append({
                "cycle": cycle + 1, "connected": sum(c.live.is_set() for c in again),
                "failures": len(failures), "connect_seconds": connect_seconds,
                "connected_sample": asdict(connected), "after_disconnect": asdict(gone_again),
                "open_sessions_connected": open_connected,
                "open_sessions": None if not hp else hp.get("open_sessions"),
            })
            S.log(f"reload cycle {cycle + 1}: {out['cycles'][-1]['connected']} live, "
                  f"tree RSS after leaving {S.mb(gone_again.rss_bytes)} MB")
        out["memory"] = {
            "before": asdict(before), "connected": asdict(after), "after_disconnect": asdict(gone),
            "after_leak_probe": asdict(final),
            "per_session_bytes": (after.rss_bytes - before.rss_bytes) / max(1, len(live)),
            "per_session_worker_bytes": (after.worker_rss_bytes - before.worker_rss_bytes) / max(1, len(live)),
        }
        return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.auth import actor_for_email
    from app.services.system_status import publish_system_status

    extra_env = {"GRANIAN_WORKERS": str(args.workers)} if args.workers else {}
    drop_env: tuple[str, ...] = ("REFLEX_REDIS_URL",)
    if args.database == "postgres" and args.redis_url:
        extra_env["REFLEX_REDIS_URL"] = args.redis_url
        drop_env = ()
    with tempfile.TemporaryDirectory(prefix="beacon-fanout-") as tmp, \
            S.bench_database(args.database, Path(tmp)) as url:
        admin = actor_for_email(S.ADMIN_EMAIL)
        acme = S.client_id_of()
        tokens = S.sign_in_tokens(args.sign_ins)
        api_token = S.admin_api_token()
        clock = S.CommitClock()

        def publish(text: str) -> float:
            """Publish for Acme; returns the commit's time.time()."""
            return clock.run(publish_system_status, admin, acme, "active", text, "info")[1] / 1000

        try:
            with S.served(args.root, Path(tmp), url, extra_env, drop_env) as server:
                out = asyncio.run(measure(args, server, tokens, publish, api_token))
                out["server_exit_code"] = server.process.poll()  # None: still running, as it should be
                if out["server_exit_code"] is not None:
                    S.log(f"the server EXITED ({out['server_exit_code']}); log tail:\n"
                          f"{server.log_text()[-S.LOG_TAIL_CHARS:]}")
                out["server_log"] = S.server_log_problems(server.log_text())
                out["server_processes"] = S.sample_tree(server.process.pid).processes
        finally:
            clock.close()
    return out


def format_table(args: argparse.Namespace, facts: dict[str, Any], out: dict[str, Any]) -> str:
    mem = out["memory"]
    lines = S.facts_header("Beacon fan-out: one change for Acme -> N open Acme pages (lightweight websocket "
                           "clients)", facts)
    config = f"database {args.database}"
    if args.database == "postgres":
        config += f", REFLEX_REDIS_URL {args.redis_url or '(none)'}"
    config += f", GRANIAN_WORKERS {args.workers or '(default)'}, server processes {out['server_processes']}"
    lines += [
        config,
        (f"clients {args.clients} (signed in through {args.sign_ins} sessions), connected and live "
        f"{out['connected']}, failed {out['connect_failures']}, connect time {out['connect_seconds']:.1f} s, "
        f"workers seen {len(out['workers_seen'])}"),
        "",
        (f"{'round':>5} {'pages':>6} {'last ms':>9} {'p50 ms':>8} {'p99 ms':>8} {'first ms':>9} {'missed':>7} "
        f"{'srv cpu ms':>11} {'bench cpu ms':>13}"),
    ]
    for r in out["rounds"]:
        lines.append(
            f"{r['round']:>5} {r['receivers']:>6} {S.ms(r['last_ms']):>9} {S.ms(r['p50_ms']):>8} "
            f"{S.ms(r['p99_ms']):>8} {S.ms(r['first_ms']):>9} {r['missed']:>7} {r['server_cpu_ms']:>11.0f} "
            f"{r['bench_cpu_ms']:>13.0f} {r['host_busy_pct']:>9.0f}%"
        )
    lasts = [r["last_ms"] for r in out["rounds"] if r["last_ms"] is not None]
    worst = max(lasts) if len(lasts) == len(out["rounds"]) else None
    verdict = "-" if worst is None else ("PASS" if worst <= TARGET_S * 1000 else "FAIL")
    lines += [
        f"target: last page within {TARGET_S * 1000:.0f} ms for {DEFAULT_CLIENTS} pages; worst round "
        f"{S.ms(worst)} ms -> {verdict}" + ("" if args.clients == DEFAULT_CLIENTS else
                                           f" (ran {args.clients} pages, not {DEFAULT_CLIENTS})"),
        "",
        (f"{'server memory':<26} {'tree RSS MB':>12} {'worker RSS MB':>14} {'worker fds':>11} {'threads':>8} "
        f"{'open sessions':>14}"),
    ]
    rows = [("before connecting", mem["before"], out.get("health_before")),
            (f"{out['connected']} connected", mem["connected"], out.get("health_connected")),
            ("all disconnected (+10 s)", mem["after_disconnect"], out.get("health_after_disconnect")),
            ("after one more change", mem["after_leak_probe"], None)]
    for c in out["cycles"]:
        rows.append((f"reload {c['cycle']}: {c['connected']} on", c["connected_sample"],
                     {"open_sessions": c["open_sessions_connected"]}
                     if c["open_sessions_connected"] is not None else None))
        rows.append((f"reload {c['cycle']}: all left +10 s", c["after_disconnect"],
                     {"open_sessions": c["open_sessions"]} if c["open_sessions"] is not None else None))
    for label, sample, hp in rows:
        sessions = "-" if not hp else str(hp.get("open_sessions", "-"))
        lines.append(f"{label:<26} {S.mb(sample['rss_bytes']):>12} {S.mb(sample['worker_rss_bytes']):>14} "
                     f"{sample['open_files']:>11} {sample['threads']:>8} {sessions:>14}")
    lines += [
        (f"RSS per connected session: {mem['per_session_bytes'] / 1024:.0f} KB (tree), "
        f"{mem['per_session_worker_bytes'] / 1024:.0f} KB (workers)"),
        (f"'{S.LEAK_WARNING}' lines after one change published with every page gone: "
        f"{out['leak_warnings_after_disconnect']} (0 = no follow_changes task outlived its page)"),
        *([(f"THE SERVER EXITED during the bench (exit code {out['server_exit_code']}): figures after that are "
           "void")] if out["server_exit_code"] is not None else []),
        *S.log_report(out["server_log"]),
    ]
    lines += [
        "",
        ("last: commit -> the last page's delta; p50/p99 across pages; missed: pages without the change "
        f"{ROUND_TIMEOUT_S} s after the commit;"),
        ("srv cpu: the server tree's CPU during the round; bench cpu: this process's (the clients' receive work);"
         " host busy: both CPUs, anyone's work, from the commit until the last page had it (or the timeout)."),
        "open sessions: the feed registry of the worker that answered /api/v1/health ('-': not available).",
        (f"reload: every page reconnects ({args.cycle_tokens} Reflex tab tokens) and leaves again. Reflex keeps a "
        "left tab's state in memory"),
        "for its token expiration (redis_token_expiration, 3600 s by default) so that a reload finds it.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    S.bench_main(args, run, format_table, postgres=args.database == "postgres")
    return 0


if __name__ == "__main__":
    sys.exit(main())
