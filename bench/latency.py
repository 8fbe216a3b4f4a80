"""Commit-to-screen latency of Beacon's live updates.

What is measured: for each change, the time from the moment its transaction commits to the
moment the new text is in the DOM of an open page, i.e. the whole live path as a user meets it:

    bench process commits (publish_system_status, the real service)
      -> SQLite WAL file written -> the server's WAL watcher wakes its change-feed listener
      -> the listener reads the change log, builds the tenant view once, offers it to every session
      -> each session's background event applies it to its Reflex state -> websocket delta
      -> React renders the top-bar banner in Chromium.

How:
- A fresh SQLite database (migrated and seeded with the demo data) in a temporary folder and one
  Beacon server started as `make run` does: `reflex run --env prod`, from the project at --root.
- For each page count N (--pages, default 1 and 10): N Chromium pages, each in its own browser
  context, signed in as the Acme client admin on the dashboard. A MutationObserver in every page
  stamps the first time the banner shows each marker "bench-<i>" (performance.timeOrigin +
  performance.now(), epoch ms). A warm-up change that every page must show proves each page
  follows the feed before anything is timed; it is withdrawn and not counted.
- This process then publishes --changes changes for Acme, --interval-ms apart on a fixed
  schedule. It is another process than the server, so every change takes the cross-process
  wake-up. `app.db.on_change_committed` stamps time.time() right after each commit.
- latency = DOM stamp - commit stamp, per (page, change). A change a page never showed (its view
  was coalesced with a later one, or lost) is counted as missed, not as a latency.

Caveats: the DOM stamp is taken when the new text is in the document; the pixels follow at the
next frame. Both stamps read this machine's wall clock; the bench measures the offset between
the two clocks on every page (clock offset, reported) rather than assuming it is zero. Each
timed change edits the text of one message in force (update_system_message, one change each),
so every change carries a view of the same size; each round starts from no messages in force.

Run: `make bench`, or `source scripts/env.sh && python bench/latency.py [--json] [--root DIR]`.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

DEFAULT_ROOT = Path(__file__).resolve().parent.parent  # the checkout this script lives in
DEFAULT_CHANGES = 200  # enough samples for a meaningful p99 in one round
DEFAULT_INTERVAL_MS = 50  # spaced so that no change should be coalesced with the next
DEFAULT_PAGES = "1,10"  # one viewer, then a small crowd of the same tenant

CLIENT_NAME = "Acme"  # the tenant whose banner the pages watch
VIEWER_EMAIL = "ops@acme.demo"  # seeded Acme client admin
VIEWER_PASSWORD = "beacon-demo"  # seeded demo password
PUBLISHER_EMAIL = "admin@beacon.demo"  # seeded platform admin: the only role that may publish
MARKER_PREFIX = "bench-"  # banner text "bench-<i>" identifies change i
WARMUP_MARKER = "bench-warmup"  # not "<prefix><digits>", so the observers never count it

PAGE_TIMEOUT_MS = 60_000  # sign-in and first render of one page on a busy 2-CPU machine
WARMUP_TIMEOUT_MS = 15_000  # every page must show (then drop) the warm-up change within this
SETTLE_TIMEOUT_S = 15.0  # after the last commit, how long pages get to show the last change
CLOCK_SAMPLES = 5  # round trips per page when measuring the clock offset; the fastest one wins
LOG_TAIL_CHARS = 3000  # how much of the server log to show when it fails

# Installed in every page: stamps the first time the banner shows each marker (a regex whose first
# group is the change's index).
OBSERVER_JS = r"""(source) => {
  const seen = (window.__benchSeen = {});
  const pattern = new RegExp(source, 'g');
  const check = () => {
    const now = performance.timeOrigin + performance.now();
    const banner = document.querySelector('[data-testid=system-banner]');
    if (!banner) return;
    for (const match of banner.textContent.matchAll(pattern)) {
      if (!(match[1] in seen)) seen[match[1]] = now;
    }
  };
  new MutationObserver(check).observe(document.body,
    {subtree: true, childList: true, characterData: true, attributes: true});
  check();
}"""
MARKER_PATTERN = re.escape(MARKER_PREFIX) + r"(\d+)"  # "bench-12" but not "bench-warmup"
PAGE_CLOCK_JS = "() => performance.timeOrigin + performance.now()"
BANNER = "[data-testid=system-banner]"
CONNECTED = "[data-testid=connection-status][data-state=connected]"


@dataclass
class RoundResult:
    pages: int
    count: int
    p50_ms: float | None
    p90_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    missed: int
    behind: int  # of the missed: after the page's newest shown change (not caught up by the deadline)
    clock_offset_ms: float  # largest |page clock - bench clock| seen on this round's pages
    missed_changes: list[int]  # indices of the changes at least one page never showed


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def now_ms() -> float:
    return time.time() * 1000


# --- the project under test --------------------------------------------------------------------

def load_project(root: Path) -> None:
    """Import the app and the test helpers from `root` (not from wherever the venv points)."""
    sys.path.insert(0, str(root))
    import app
    import tests

    for package in (app, tests):
        if not Path(package.__file__).resolve().is_relative_to(root):
            raise RuntimeError(f"imported {package.__name__} from {package.__file__}, not from {root}")


def start_server(root: Path, workdir: Path, database_url: str) -> tuple[subprocess.Popen, str]:
    """`reflex run --env prod` from `root`, through the browser tests' own starter."""
    from tests.e2e.conftest import start_server as start

    process, server = start(workdir, database_url=database_url, prepare=False, root=root)
    return process, server.url


def client_id(name: str) -> int:
    from sqlmodel import select

    from app.db import read_session
    from app.models import Client

    with read_session() as session:
        client = session.exec(select(Client).where(Client.name == name)).one()
    return client.id


def withdraw_all_messages(admin) -> None:
    """Withdraw every message in force, through the service (each withdrawal is a change)."""
    from sqlmodel import select

    from app.db import read_session
    from app.models import SystemMessage
    from app.services.system_status import withdraw_system_message

    in_force = select(SystemMessage.id).where(SystemMessage.is_active == True)  # noqa: E712
    with read_session() as session:
        ids = list(session.exec(in_force))
    for message_id in ids:
        withdraw_system_message(admin, message_id)


# --- pages -------------------------------------------------------------------------------------

def open_page(browser, url: str):
    """A new browser context (its own cookies: another person), signed in, live on the dashboard."""
    context = browser.new_context()
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    page.goto(url + "/login")
    page.get_by_label("Email", exact=True).fill(VIEWER_EMAIL)
    page.get_by_label("Password", exact=True).fill(VIEWER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()
    page.wait_for_selector(CONNECTED)
    return page


def clock_offset_ms(page) -> float:
    """Page clock minus this process's clock, from the fastest of a few round trips."""
    best_rtt, offset = math.inf, 0.0
    for _ in range(CLOCK_SAMPLES):
        before = now_ms()
        in_page = page.evaluate(PAGE_CLOCK_JS)
        after = now_ms()
        if after - before < best_rtt:
            best_rtt, offset = after - before, in_page - (before + after) / 2
    return offset


def warm_up(pages: list, publish: Callable[[str], None], admin) -> None:
    """One change every page must show, then withdraw it: each page follows the feed now."""
    publish(WARMUP_MARKER)
    for page in pages:
        page.locator(BANNER).filter(has_text=WARMUP_MARKER).wait_for(timeout=WARMUP_TIMEOUT_MS)
    withdraw_all_messages(admin)
    for page in pages:
        page.wait_for_selector(BANNER, state="detached", timeout=WARMUP_TIMEOUT_MS)


def wait_until_shown(pages: list, marker_index: int, deadline: float) -> None:
    """Bounded: each page gets what remains of the shared deadline to show the last change."""
    for page in pages:
        remaining_ms = max(1.0, (deadline - time.monotonic()) * 1000)
        try:
            page.wait_for_function("(k) => k in window.__benchSeen", arg=str(marker_index),
                                   timeout=remaining_ms)
        except Exception as error:  # noqa: BLE001 - a page that never shows it counts as missed
            log(f"a page did not show change {marker_index}: {type(error).__name__}")


# --- the measurement ---------------------------------------------------------------------------

def publish_changes(publish: Callable[[str], None], changes: int, interval_ms: float) -> list[float]:
    """Publish `changes` changes on a fixed schedule; returns each one's commit time (epoch ms)."""
    from app.db import on_change_committed

    commits: list[float] = []
    stop_recording = on_change_committed(lambda: commits.append(now_ms()))
    try:
        start = time.monotonic()
        for i in range(changes):
            delay = start + i * interval_ms / 1000 - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            publish(f"{MARKER_PREFIX}{i}")
            if len(commits) != i + 1:
                raise RuntimeError(f"change {i}: expected {i + 1} commit callbacks, got {len(commits)}")
    finally:
        stop_recording()
    return commits


def percentile(ordered: list[float], p: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summarise(pages: int, seen_by_page: list[dict[str, float]], commits: list[float],
              clock_offset: float) -> RoundResult:
    latencies: list[float] = []
    missed = behind = 0
    missed_changes: set[int] = set()
    for seen in seen_by_page:
        newest_shown = max((int(i) for i in seen), default=-1)
        for i, committed in enumerate(commits):
            shown = seen.get(str(i))
            if shown is None:
                missed += 1
                behind += i > newest_shown
                missed_changes.add(i)
            else:
                latencies.append(shown - committed)
    latencies.sort()
    return RoundResult(
        pages=pages, count=len(latencies), p50_ms=percentile(latencies, 50),
        p90_ms=percentile(latencies, 90), p99_ms=percentile(latencies, 99),
        max_ms=latencies[-1] if latencies else None, missed=missed, behind=behind,
        clock_offset_ms=clock_offset, missed_changes=sorted(missed_changes),
    )


def run_round(browser, url: str, pages_count: int, changes: int, interval_ms: float,
              publish: Callable[[str], None], admin) -> RoundResult:
    withdraw_all_messages(admin)  # each round starts from no messages in force
    contexts = []
    try:
        pages = []
        for n in range(pages_count):
            page = open_page(browser, url)
            contexts.append(page.context)
            pages.append(page)
            log(f"  page {n + 1}/{pages_count} live")
        clock_offset = max(abs(clock_offset_ms(page)) for page in pages)
        for page in pages:
            page.evaluate(OBSERVER_JS, MARKER_PATTERN)
        warm_up(pages, publish, admin)
        log(f"  publishing {changes} changes, {interval_ms:g} ms apart")
        commits = publish_changes(publish, changes, interval_ms)
        wait_until_shown(pages, changes - 1, time.monotonic() + SETTLE_TIMEOUT_S)
        seen_by_page = [page.evaluate("() => window.__benchSeen") for page in pages]
        return summarise(pages_count, seen_by_page, commits, clock_offset)
    finally:
        for context in contexts:
            context.close()


def run(root: Path, changes: int, interval_ms: float, page_counts: list[int],
        database: str = "sqlite") -> list[RoundResult]:
    from tests.conftest import create_postgres_database, drop_postgres_database

    with tempfile.TemporaryDirectory(prefix="beacon-bench-") as tmp:
        workdir = Path(tmp)
        if database == "postgres":
            # A database of the bench's own on the local server: commits wake Beacon by NOTIFY.
            database_url = create_postgres_database()
            try:
                return run_on(root, workdir, database_url, changes, interval_ms, page_counts)
            finally:
                drop_postgres_database(database_url)
        # Its own folder: the server watches the database's folder for WAL writes.
        database_url = f"sqlite:///{workdir / 'db' / 'beacon.db'}"
        return run_on(root, workdir, database_url, changes, interval_ms, page_counts)


def run_on(root: Path, workdir: Path, database_url: str, changes: int, interval_ms: float,
           page_counts: list[int]) -> list[RoundResult]:
    from playwright.sync_api import sync_playwright

    from app.services.auth import actor_for_email
    from app.services.system_status import list_messages, publish_system_status, update_system_message
    from tests.conftest import prepare_database
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, stop_server

    prepare_database(database_url)  # also points this process at it
    admin = actor_for_email(PUBLISHER_EMAIL)
    acme = client_id(CLIENT_NAME)

    def publish(text: str) -> None:
        """The first change of a round publishes a message; the others edit its text."""
        live = list_messages(admin, acme)
        if live:
            update_system_message(admin, live[0].id, text, "info", None)
        else:
            publish_system_status(admin, acme, "active", text, "info")

    log(f"starting Beacon from {root} (a cold start builds the frontend first)")
    process, url = start_server(root, workdir, database_url)
    try:
        log(f"Beacon is up at {url}")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                results = []
                for count in page_counts:
                    log(f"round: {count} page(s)")
                    results.append(run_round(browser, url, count, changes, interval_ms, publish, admin))
                return results
            finally:
                browser.close()
    except BaseException:
        tail = (workdir / "server.log").read_text(errors="replace")[-LOG_TAIL_CHARS:]
        log(f"server log (tail):\n{tail}")
        raise
    finally:
        stop_server(process)


# --- report ------------------------------------------------------------------------------------

def environment_facts() -> dict[str, Any]:
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)),
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "reflex": importlib.metadata.version("reflex"),
    }


def format_ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def format_table(facts: dict[str, Any], changes: int, interval_ms: float, results: list[RoundResult]) -> str:
    lines = [
        "Beacon commit-to-screen latency (commit in another process -> banner text in the DOM)",
        f"date {facts['date']}   nproc {facts['nproc']}   load {facts['loadavg_1m']}   "
        f"Reflex {facts['reflex']}",
        f"{changes} changes per round, {interval_ms:g} ms apart; latency in ms",
        "",
        f"{'pages':>5} {'count':>6} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8} {'missed':>7} {'behind':>7} "
        f"{'clock±':>7}",
    ]
    for r in results:
        lines.append(
            f"{r.pages:>5} {r.count:>6} {format_ms(r.p50_ms):>8} {format_ms(r.p90_ms):>8} "
            f"{format_ms(r.p99_ms):>8} {format_ms(r.max_ms):>8} {r.missed:>7} {r.behind:>7} "
            f"{format_ms(r.clock_offset_ms):>7}"
        )
    lines.append("")
    lines.append("count: (page, change) pairs shown; missed: pairs never shown (coalesced or lost);")
    lines.append(f"behind: of those, newer than anything the page showed by {SETTLE_TIMEOUT_S:g} s after the "
                 "last commit;")
    lines.append("clock±: largest offset measured between a page's clock and the bench's.")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=DEFAULT_CHANGES, help="changes per round")
    parser.add_argument("--interval-ms", type=float, default=DEFAULT_INTERVAL_MS,
                        help="time between two changes")
    parser.add_argument("--pages", default=DEFAULT_PAGES,
                        help="comma-separated page counts, one round each (default %(default)s)")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT,
                        help="the Beacon checkout to serve from (default: this script's)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite",
                        help="the embedded default, or a new database on the local PostgreSQL")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args(argv)
    args.root = args.root.resolve()
    try:
        args.page_counts = [int(p) for p in args.pages.split(",") if p.strip()]
    except ValueError:
        parser.error("--pages takes comma-separated integers, e.g. 1,10")
    if args.changes < 1 or args.interval_ms < 0 or not args.page_counts or min(args.page_counts) < 1:
        parser.error("--changes and every page count must be at least 1, --interval-ms at least 0")
    return args


def _exit_on_sigterm(_signum, _frame) -> None:
    raise SystemExit(128 + signal.SIGTERM)  # unwinds through the finally blocks: server and browser stop


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    load_project(args.root)
    results = run(args.root, args.changes, args.interval_ms, args.page_counts, args.database)
    facts = environment_facts()
    if args.json:
        print(json.dumps({**facts, "changes": args.changes, "interval_ms": args.interval_ms,
                          "rounds": [asdict(r) for r in results]}, indent=2))
    else:
        print(format_table(facts, args.changes, args.interval_ms, results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
