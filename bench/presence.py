"""Presence with the default thresholds: heartbeat writes of one agent's three tabs, and last tab
closed -> "offline" on the admin's Agents page.

`python bench/presence.py [--seconds 60] [--rounds 3] [--json] [--root DIR]`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _support as S  # noqa: E402

AGENT_EMAIL = "sam@acme.demo"
TABS = 3
OFFLINE_WAIT_MS = 90_000  # far beyond the 30 s the thresholds promise: a bug, not a slow machine
SAM_STATE_JS = ("[...document.querySelectorAll('[data-testid=agent-row]')].find(r => r.textContent.includes("
                "'Sam Carter'))?.getAttribute('data-state') ?? null")


def heartbeat_writes(seconds: float) -> int:
    """Distinct last_seen_at values of the agent's newest session, sampled every 0.25 s, minus the first."""
    from sqlmodel import col, select

    from app.db import read_session
    from app.models import AuthSession, User

    with read_session() as session:
        user_id = session.exec(select(User.id).where(User.email == AGENT_EMAIL)).one()
    seen = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with read_session() as session:
            seen.add(session.exec(select(AuthSession.last_seen_at).where(AuthSession.user_id == user_id)
                                  .order_by(col(AuthSession.id).desc()).limit(1)).one())
        time.sleep(0.25)
    return len(seen) - 1


def run(args) -> dict:
    results: dict = {"writes_per_minute_three_tabs": None, "close_to_offline_seconds": []}
    with S.bench_database("sqlite") as (tmp, url), S.served(args.root, tmp, url) as server, \
            S.chromium() as browser:
        admin = S.open_page(browser, server.url, S.VIEWER_EMAIL, "/agents")
        for n in range(args.rounds):
            agent = S.open_page(browser, server.url, AGENT_EMAIL)
            for _ in range(TABS - 1):
                agent.context.new_page().goto(server.url + "/agents")
            admin.wait_for_selector("[data-testid=agent-row][data-state=available]")
            if n == 0:
                writes = heartbeat_writes(args.seconds)
                results["writes_per_minute_three_tabs"] = round(writes * 60 / args.seconds, 1)
            S.watch(admin, "sam", SAM_STATE_JS)
            closed_at = S.now_ms()
            agent.context.close()
            admin.wait_for_function(S.SHOWN_JS, arg=["sam", "offline", 0, False], timeout=OFFLINE_WAIT_MS)
            offline_at = next(at for v, at in S.watched(admin, "sam") if v == "offline")
            results["close_to_offline_seconds"].append(round((offline_at - closed_at) / 1000, 2))
    return results


def report(args, facts, results) -> list[str]:
    return [f"Beacon presence (defaults: heartbeat 10 s, offline after 25 s, sweep 5 s)  "
            f"date {facts['date']}  nproc {facts['nproc']}  load {facts['loadavg_1m']:.2f}",
            f"heartbeat writes per minute, one agent, {TABS} tabs: {results['writes_per_minute_three_tabs']}",
            "last tab closed -> 'offline' on the admin's screen (s): "
            + ", ".join(f"{d:.1f}" for d in results["close_to_offline_seconds"])]


if __name__ == "__main__":
    S.main(S.parser(__doc__, ("--seconds", float, 60, "the heartbeat window"),
                    ("--rounds", int, 3, "close-to-offline rounds")), run, report, "rounds")
