"""Commit-to-screen latency: a system message's commit (this process) -> its text in each page's banner.

`make bench`, or `python bench/latency.py [--changes 200] [--interval-ms 50] [--pages 1,10]
[--database sqlite|postgres] [--json] [--root DIR]`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _support as S  # noqa: E402

WARMUP_MARKER = "bench-warmup"  # not "bench-<digits>", so the observers never count it
WARMUP_TIMEOUT_MS = 15_000
SETTLE_TIMEOUT_S = 15.0  # after the last commit, how long pages get to show the last change
BANNER = "[data-testid=system-banner]"

BANNER_TEXT_JS = "document.querySelector('[data-testid=system-banner]')?.textContent ?? ''"


def withdraw_all(admin) -> None:
    from app.services.system_status import withdraw_system_message
    from app.views.status import list_messages

    for message in list_messages(admin):
        withdraw_system_message(admin, message.id)


def run_round(browser, url: str, count: int, args, publish, admin) -> dict:
    withdraw_all(admin)  # each round starts from no messages in force
    pages = []
    try:
        for n in range(count):
            pages.append(S.open_page(browser, url))
            S.log(f"  page {n + 1}/{count} live")
        clock_offset = max(abs(S.clock_offset_ms(page)) for page in pages)
        for page in pages:
            S.watch(page, "banner", BANNER_TEXT_JS)
        publish(WARMUP_MARKER)  # every page shows it, then drops it: each follows the feed now
        for page in pages:
            page.locator(BANNER).filter(has_text=WARMUP_MARKER).wait_for(timeout=WARMUP_TIMEOUT_MS)
        withdraw_all(admin)
        for page in pages:
            page.wait_for_selector(BANNER, state="detached", timeout=WARMUP_TIMEOUT_MS)

        S.log(f"  publishing {args.changes} changes, {args.interval_ms:g} ms apart")
        with S.CommitClock() as clock:
            for i, _ in zip(range(args.changes), S.paced(args.interval_ms / 1000), strict=False):  # paced: endless
                clock.run(publish, f"bench-{i}")
        S.wait_shown(pages, "banner", f"bench-{args.changes - 1}", 0, SETTLE_TIMEOUT_S, part=True)
        seen_by_page = []
        for page in pages:  # when each marker "bench-<i>" first showed
            seen_by_page.append({})
            for text, at in S.watched(page, "banner"):
                for i in re.findall(r"bench-(\d+)", text):
                    seen_by_page[-1].setdefault(i, at)
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
                missed, behind = missed + 1, behind + (i > newest_shown)
                missed_changes.add(i)
    return {"pages": count, **S.stats(latencies), "missed": missed, "behind": behind, "clock_offset_ms": clock_offset,
            "missed_changes": sorted(missed_changes)}


def run(args) -> dict:
    from app.services.auth import actor_for_email
    from app.services.system_status import publish_system_status, update_system_message
    from app.views.status import list_messages

    with S.bench_database(args.database) as (tmp, url):
        admin, acme = actor_for_email(S.ADMIN_EMAIL), S.client_id_of()

        def publish(text: str) -> None:
            """The first change of a round publishes a message; the others edit its text."""
            if live := list_messages(admin, acme):
                update_system_message(admin, live[0].id, text, "info", None)
            else:
                publish_system_status(admin, acme, "active", text, "info")

        with S.served(args.root, tmp, url) as server, S.chromium() as browser:
            results = []
            for count in args.page_counts:
                S.log(f"round: {count} page(s)")
                results.append(run_round(browser, server.url, count, args, publish, admin))
    return {"changes": args.changes, "interval_ms": args.interval_ms, "rounds": results}


def report(args, facts, out) -> list[str]:
    spec = ">5 >6 >8.1f >8.1f >8.1f >8.1f >7 >7 >7.1f"
    return [
        "Beacon commit-to-screen latency (commit in another process -> banner text in the DOM)",
        f"date {facts['date']}   nproc {facts['nproc']}   load {facts['loadavg_1m']}   Reflex {facts['reflex']}",
        f"{args.changes} changes per round, {args.interval_ms:g} ms apart; latency in ms", "",
        S.row(spec, "pages", "count", "p50", "p90", "p99", "max", "missed", "behind", "clock±"),
        *(S.row(spec, *(r[k] for k in ("pages", "n", "p50", "p90", "p99", "max", "missed", "behind",
                                       "clock_offset_ms")))
          for r in out["rounds"]), "",
        "count: (page, change) pairs shown; missed: pairs never shown (coalesced or lost);",
        f"behind: of those, newer than anything the page showed by {SETTLE_TIMEOUT_S:g} s after the last commit;",
        "clock±: largest offset measured between a page's clock and the bench's."]


def check(p, args) -> None:
    args.page_counts = [int(n) for n in args.pages.split(",") if n.strip().isdigit()]
    if args.interval_ms < 0 or not args.page_counts or min(args.page_counts) < 1:
        p.error("every page count must be at least 1, --interval-ms at least 0")


if __name__ == "__main__":
    S.main(S.parser(__doc__, ("--changes", int, 200, "changes per round"), ("--interval-ms", float, 50,
           "time between two changes"), ("--pages", str, "1,10", "page counts, one round each"), database=True),
           run, report, "changes", check=check)
