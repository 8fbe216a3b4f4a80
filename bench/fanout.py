"""Fan-out: one change for Acme -> N open Acme pages (light clients), what each page costs, and leaks.

`python bench/fanout.py [--clients 1000] [--rounds 5] [--cycles 2] [--database sqlite|postgres]
[--json] [--root DIR]` (postgres: plus Redis for Reflex's state).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import secrets
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _support as S  # noqa: E402

DEFAULT_CLIENTS = 1000  # the target scale: 1,000 open pages of one tenant on one 2-core machine
TARGET_S = 1.0  # the goal: the last of 1,000 pages has the change within 1 s of its commit
CONNECT_CONCURRENCY = 25  # a browser crowd arrives over time, not in one tick
LIVE_TIMEOUT_S = 120  # one client's wait for its initial view while the server is busy connecting
ROUND_TIMEOUT_S = 30  # after a commit, how long every page gets to receive it before it is missed
ROUND_PAUSE_S = 2.0  # between rounds: lets the state manager's debounced writes finish
SETTLE_S = 5.0  # before memory readings
DISCONNECT_SETTLE_S = 10.0  # after all pages left: Reflex's disconnect cleanups run
LEAK_PROBE_WAIT_S = 3.0  # after the post-disconnect change: time for any leaked task to push
REGISTRY_TIMEOUT_S = 60  # after a reload cycle's connects, how long the registry gets to count them all


async def run_rounds(clients: list[S.LightClient], server, rounds: int, publish) -> list[dict]:
    results = []
    for r in range(rounds):
        marker, seen, done = f"fanout-{r}-{secrets.token_hex(3)}", {}, asyncio.Event()
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
        stop_cpu = S.cpu_window(server.process.pid)
        committed = await asyncio.to_thread(publish, marker)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), ROUND_TIMEOUT_S)
        used = stop_cpu()
        latencies = [(t - committed) * 1000 for t in seen.values()]
        results.append({
            "round": r + 1, "receivers": len(receivers),
            "last_ms": max(latencies) if len(latencies) == len(receivers) else None,
            "p50_ms": S.percentile(latencies, 50), "p99_ms": S.percentile(latencies, 99),
            "first_ms": min(latencies, default=None), "missed": len(receivers) - len(latencies),
            "server_cpu_ms": used["server_cpu_s"] * 1000, "bench_cpu_ms": used["bench_cpu_s"] * 1000,
            "host_busy_pct": used["host"]["busy_pct"]})
        S.log(f"round {r + 1}: last {S.ms(results[-1]['last_ms'])} ms, missed {results[-1]['missed']}")
        for client in receivers:
            client.watch = None
        await asyncio.sleep(ROUND_PAUSE_S)
    return results


async def open_sessions(server, api_token: str, expected: int) -> int | None:
    """The registry's open sessions once it reaches `expected` (or its last reading after a while)."""
    deadline, count = time.monotonic() + REGISTRY_TIMEOUT_S, None
    while time.monotonic() < deadline:
        if (hp := await asyncio.to_thread(S.health, server, api_token)) is None:
            return None
        if (count := hp.get("open_sessions")) == expected:
            break
        await asyncio.sleep(0.5)
    return count


async def measure(args, server, tokens: list[str], publish, api_token: str) -> dict[str, Any]:
    pid, out = server.process.pid, {}

    async def reading(label: str, open_count: int | None | str = "health") -> None:
        """A memory row: the tree now, and the registry's open sessions."""
        if open_count == "health":
            open_count = ((await asyncio.to_thread(S.health, server, api_token)) or {}).get("open_sessions")
        out["memory"].append((label, S.sample_tree(pid), open_count))

    async with S.Crowd(args.root, server) as crowd:
        await crowd.warm_up(tokens[0], LIVE_TIMEOUT_S, SETTLE_S)
        gc.collect()
        out["memory"] = []
        await reading("before connecting")
        S.log(f"connecting {args.clients} clients ({CONNECT_CONCURRENCY} at a time)")
        clients, failures, out["connect_seconds"] = await crowd.connect(tokens, args.clients, CONNECT_CONCURRENCY,
                                                                         LIVE_TIMEOUT_S)
        live = [c for c in clients if c.live.is_set() and not c.disconnected]
        out |= {"connected": len(live), "connect_failures": len(failures), "connect_failure_examples": failures[:5],
                "workers_seen": sorted({c.worker for c in live})}
        await asyncio.sleep(SETTLE_S)
        await reading(f"{len(live)} connected")
        out["rounds"] = await run_rounds(live, server, args.rounds, publish)
        S.check_alive(server, "during the rounds")
        await S.disconnect_clients(clients)
        await asyncio.sleep(DISCONNECT_SETTLE_S)
        await reading("all disconnected (+10 s)")
        warnings_before = server.log_text().count(S.LEAK_WARNING)
        await asyncio.to_thread(publish, f"fanout-after-disconnect-{secrets.token_hex(3)}")
        await asyncio.sleep(LEAK_PROBE_WAIT_S)
        out["leak_warnings_after_disconnect"] = server.log_text().count(S.LEAK_WARNING) - warnings_before
        await reading("after one more change", None)
        for cycle in range(1, args.cycles + 1):  # every page reloads: the same tab tokens, as a browser does
            again = crowd.clients(tokens, args.clients)
            for client, tab in zip(again, (c.client_token for c in clients), strict=True):
                client.client_token = tab
            await S.connect_clients(again, CONNECT_CONCURRENCY, LIVE_TIMEOUT_S)
            # A reused tab hydrates from its kept state (worker included): "live" is the registry's count
            # (with one worker; with several, /api/v1/health shows only the one that answers).
            count = await open_sessions(server, api_token, args.clients) if len(out["workers_seen"]) == 1 else None
            await reading(f"reload {cycle}: {sum(c.live.is_set() for c in again)} on", count)
            await S.disconnect_clients(again)
            await asyncio.sleep(DISCONNECT_SETTLE_S)
            await reading(f"reload {cycle}: all left +10 s")
        out["per_session_kb"] = S.memory_growth(out["memory"][0][1], out["memory"][1][1], len(live))
        return out


def run(args) -> dict[str, Any]:
    from app.services.auth import actor_for_email
    from app.services.system_status import publish_system_status

    extra_env = {"GRANIAN_WORKERS": str(args.workers)} if args.workers else {}
    drop_env: tuple[str, ...] = ("REFLEX_REDIS_URL",)
    if args.database == "postgres" and args.redis_url:
        extra_env["REFLEX_REDIS_URL"], drop_env = args.redis_url, ()
    with S.bench_database(args.database) as (tmp, url), S.CommitClock() as clock:
        admin, acme, tokens, api_token = (actor_for_email(S.ADMIN_EMAIL), S.client_id_of(),
                                          S.sign_in_tokens(args.sign_ins), S.admin_api_token())

        def publish(text: str) -> float:
            """Publish for Acme; returns the commit's time.time()."""
            return clock.run(publish_system_status, admin, acme, "active", text, "info")[1] / 1000

        with S.served(args.root, tmp, url, extra_env, drop_env) as server:
            out = asyncio.run(measure(args, server, tokens, publish, api_token))
            out["server_exit_code"] = server.process.poll()  # None: still running, as it should be
            out["server_log"] = S.server_log_problems(server.log_text())
            out["server_processes"] = S.sample_tree(server.process.pid).processes
    return out


def format_table(args, facts: dict[str, Any], out: dict[str, Any]) -> list[str]:
    config = f"database {args.database}" + (f", REFLEX_REDIS_URL {args.redis_url or '(none)'}"
                                             if args.database == "postgres" else "")
    spec = ">5 >6 >9.1f >8.1f >8.1f >9.1f >7 >11.0f >13.0f >9.0f"
    lasts = [r["last_ms"] for r in out["rounds"] if r["last_ms"] is not None]
    worst = max(lasts) if len(lasts) == len(out["rounds"]) else None
    verdict = "-" if worst is None else ("PASS" if worst <= TARGET_S * 1000 else "FAIL")
    mem = "<26 >12 >14 >11 >8 >14"
    kb, worker_kb = out["per_session_kb"]
    return [
        *S.facts_header("Beacon fan-out: one change for Acme -> N open Acme pages (lightweight websocket clients)",
                        facts),
        f"{config}, GRANIAN_WORKERS {args.workers or '(default)'}, server processes {out['server_processes']}",
        (f"clients {args.clients} (signed in through {args.sign_ins} sessions), connected and live "
         f"{out['connected']}, failed {out['connect_failures']}, connect time {out['connect_seconds']:.1f} s, "
         f"workers seen {len(out['workers_seen'])}"), "",
        S.row(spec, "round", "pages", "last ms", "p50 ms", "p99 ms", "first ms",
              "missed", "srv cpu ms", "bench cpu ms", "host busy"),
        *(S.row(spec, *r.values()) + "%" for r in out["rounds"]),
        (f"target: last page within {TARGET_S * 1000:.0f} ms for {DEFAULT_CLIENTS} pages; worst round "
         f"{S.ms(worst)} ms -> {verdict}" + ("" if args.clients == DEFAULT_CLIENTS else
                                            f" (ran {args.clients} pages, not {DEFAULT_CLIENTS})")), "",
        S.row(mem, "server memory", "tree RSS MB", "worker RSS MB", "worker fds", "threads", "open sessions"),
        *(S.row(mem, label, S.mb(s.rss_bytes), S.mb(s.worker_rss_bytes), s.open_files, s.threads, count)
          for label, s, count in out["memory"]),
        f"RSS per connected session: {kb:.0f} KB (tree), {worker_kb:.0f} KB (workers)",
        (f"'{S.LEAK_WARNING}' lines after one change published with every page gone: "
         f"{out['leak_warnings_after_disconnect']} (0 = no follow_changes task outlived its page)"),
        *([f"THE SERVER EXITED during the bench (exit code {out['server_exit_code']}): figures after that are void"]
          if out["server_exit_code"] is not None else []),
        *S.log_report(out["server_log"]), "",
        ("last: commit -> the last page's delta; p50/p99 across pages; missed: pages without the change "
         f"{ROUND_TIMEOUT_S} s after the commit;"),
        ("srv cpu: the server tree's CPU during the round; bench cpu: this process's (the clients' receive work);"
         " host busy: both CPUs, anyone's work, from the commit until the last page had it (or the timeout)."),
        "open sessions: the feed registry of the worker that answered /api/v1/health ('-': not available).",
        ("reload: every page reconnects (same Reflex tab tokens) and leaves again. Reflex keeps a left tab's state in "
         "memory for its token expiration (redis_token_expiration, 3600 s by default) so that a reload finds it."),
    ]


if __name__ == "__main__":
    S.main(S.parser(__doc__, ("--clients", int, DEFAULT_CLIENTS, "open pages"),
                    ("--rounds", int, 5, "changes, one per round"),
                    ("--sign-ins", int, 10, "server-side sessions shared by the clients"),
                    ("--redis-url", str, "redis://127.0.0.1:6379",
                     "REFLEX_REDIS_URL for --database postgres ('' for none)"),
                    ("--workers", int, 0, "GRANIAN_WORKERS for the server (0: Reflex's default)"),
                    ("--cycles", int, 2, "after the rounds: times every page reconnects and leaves again (a reload)"),
                    database=True, postgres_help="sqlite: embedded; postgres: a new database, plus Redis for Reflex"),
           run, format_table, "clients", "rounds", "sign_ins")
