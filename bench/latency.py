"""Commit-to-screen latency of Beacon's live updates.

For each change, the time from its commit to the new text in the DOM of an open page: the whole
live path (this process commits with publish_system_status / update_system_message -> the SQLite
WAL watcher, or PostgreSQL NOTIFY, wakes the server's listener -> tenant view built once, offered
to every session -> each session's background event -> websocket delta -> React renders the
banner in Chromium).

A fresh database and one server (`reflex run --env prod`, cwd --root). For each page count N
(--pages): N Chromium pages, each its own context, signed in as the Acme client admin on the
dashboard; a MutationObserver stamps the first time the banner shows each marker "bench-<i>"
(performance.timeOrigin + performance.now()). A warm-up change every page must show proves they
follow the feed; it is withdrawn. Then --changes edits of one message's text, --interval-ms
apart on a fixed schedule (every change carries a view of the same size);
`app.db.on_change_committed` stamps each commit. latency = DOM stamp - commit stamp per (page,
change); the offset between the page's clock and this one is measured (clock±). A change a page
never showed is missed (coalesced with a later one, or lost), not a latency.

Run: `make bench`, or `source scripts/env.sh && python bench/latency.py [--changes 200]
[--interval-ms 50] [--pages 1,10] [--database sqlite|postgres] [--json] [--root DIR]`.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _support as S  # noqa: E402

WARMUP_MARKER = "bench-warmup"  # not "bench-<digits>", so the observers never count it
WARMUP_TIMEOUT_MS = 15_000  # every page must show (then drop) the warm-up change within this
SETTLE_TIMEOUT_S = 15.0  # after the last commit, how long pages get to show the last change
BANNER = "[data-testid=system-banner]"

# Stamps the first time the banner shows each marker (the regex's first group is the change's index).
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
MARKER_PATTERN = re.escape("bench-") + r"(\d+)"


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


def withdraw_all_messages(admin) -> None:
    """Withdraw every message in force, through the service (each withdrawal is a change)."""
    from app.services.system_status import list_messages, withdraw_system_message

    for message in list_messages(admin):
        withdraw_system_message(admin, message.id)


def run_round(browser, url: str, count: int, args, publish, admin) -> RoundResult:
    withdraw_all_messages(admin)  # each round starts from no messages in force
    pages = []
    try:
        for n in range(count):
            pages.append(S.open_page(browser, url))
            S.log(f"  page {n + 1}/{count} live")
        clock_offset = max(abs(S.clock_offset_ms(page)) for page in pages)
        for page in pages:
            page.evaluate(OBSERVER_JS, MARKER_PATTERN)
        publish(WARMUP_MARKER)  # every page shows it, then drops it: each follows the feed now
        for page in pages:
            page.locator(BANNER).filter(has_text=WARMUP_MARKER).wait_for(timeout=WARMUP_TIMEOUT_MS)
        withdraw_all_messages(admin)
        for page in pages:
            page.wait_for_selector(BANNER, state="detached", timeout=WARMUP_TIMEOUT_MS)

        S.log(f"  publishing {args.changes} changes, {args.interval_ms:g} ms apart")
        clock = S.CommitClock()
        try:
            start = time.monotonic()
            for i in range(args.changes):
                delay = start + i * args.interval_ms / 1000 - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                publish(f"bench-{i}")
                if len(clock.stamps) != i + 1:
                    raise RuntimeError(f"change {i}: expected {i + 1} commits, saw {len(clock.stamps)}")
        finally:
            clock.close()
        deadline = time.monotonic() + SETTLE_TIMEOUT_S  # bounded: what remains of one deadline each
        for page in pages:
            try:
                page.wait_for_function("(k) => k in window.__benchSeen", arg=str(args.changes - 1),
                                       timeout=max(1.0, (deadline - time.monotonic()) * 1000))
            except Exception as error:  # noqa: BLE001 - a page that never shows it counts as missed
                S.log(f"a page did not show change {args.changes - 1}: {type(error).__name__}")
        seen_by_page = [page.evaluate("() => window.__benchSeen") for page in pages]
    finally:
        for page in pages:
            page.context.close()

    latencies: list[float] = []
    missed = behind = 0
    missed_changes: set[int] = set()
    for seen in seen_by_page:
        newest_shown = max((int(i) for i in seen), default=-1)
        for i, committed in enumerate(clock.stamps):
            if str(i) in seen:
                latencies.append(seen[str(i)] - committed)
            else:
                missed += 1
                behind += i > newest_shown
                missed_changes.add(i)
    return RoundResult(count, len(latencies), S.percentile(latencies, 50), S.percentile(latencies, 90),
                       S.percentile(latencies, 99), max(latencies, default=None), missed, behind, clock_offset,
                       sorted(missed_changes))


def run(args) -> dict:
    from app.services.auth import actor_for_email
    from app.services.system_status import list_messages, publish_system_status, update_system_message

    with tempfile.TemporaryDirectory(prefix="beacon-bench-") as tmp, S.bench_database(args.database, Path(tmp)) as url:
        admin = actor_for_email(S.ADMIN_EMAIL)
        acme = S.client_id_of()

        def publish(text: str) -> None:
            """The first change of a round publishes a message; the others edit its text."""
            live = list_messages(admin, acme)
            if live:
                update_system_message(admin, live[0].id, text, "info", None)
            else:
                publish_system_status(admin, acme, "active", text, "info")

        with S.served(args.root, Path(tmp), url) as server, S.chromium() as browser:
            results = []
            for count in args.page_counts:
                S.log(f"round: {count} page(s)")
                results.append(run_round(browser, server.url, count, args, publish, admin))
    return {"changes": args.changes, "interval_ms": args.interval_ms, "rounds": results}


def report(args, facts, out) -> str:
    ms = S.ms
    lines = [
        "Beacon commit-to-screen latency (commit in another process -> banner text in the DOM)",
        f"date {facts['date']}   nproc {facts['nproc']}   load {facts['loadavg_1m']}   Reflex {facts['reflex']}",
        f"{args.changes} changes per round, {args.interval_ms:g} ms apart; latency in ms",
        "",
        f"{'pages':>5} {'count':>6} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8} {'missed':>7} {'behind':>7} "
        f"{'clock±':>7}",
    ]
    for r in out["rounds"]:
        lines.append(f"{r.pages:>5} {r.count:>6} {ms(r.p50_ms):>8} {ms(r.p90_ms):>8} {ms(r.p99_ms):>8} "
                     f"{ms(r.max_ms):>8} {r.missed:>7} {r.behind:>7} {ms(r.clock_offset_ms):>7}")
    return "\n".join([*lines, "",
                      "count: (page, change) pairs shown; missed: pairs never shown (coalesced or lost);",
                      f"behind: of those, newer than anything the page showed by {SETTLE_TIMEOUT_S:g} s after the "
                      "last commit;", "clock±: largest offset measured between a page's clock and the bench's."])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=200, help="changes per round (enough for a p99)")
    parser.add_argument("--interval-ms", type=float, default=50, help="time between two changes")
    parser.add_argument("--pages", default="1,10", help="comma-separated page counts, one round each")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    S.add_common_args(parser)
    args = parser.parse_args(argv)
    try:
        args.page_counts = [int(p) for p in args.pages.split(",") if p.strip()]
    except ValueError:
        parser.error("--pages takes comma-separated integers, e.g. 1,10")
    if args.changes < 1 or args.interval_ms < 0 or not args.page_counts or min(args.page_counts) < 1:
        parser.error("--changes and every page count must be at least 1, --interval-ms at least 0")
    S.bench_main(args, run, report, postgres=args.database == "postgres")
    return 0


if __name__ == "__main__":
    sys.exit(main())
