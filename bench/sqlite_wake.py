"""Cross-process wake-up on SQLite: commit in ANOTHER process (plain sqlite3) -> this process's
change-feed listener has read it; a lost wake-up waits for the re-check (FEED_RECHECK_SECONDS).

The writer pauses every --pause-every commits: a change followed by a pause (or the last) has
only its own wake-up. `python bench/sqlite_wake.py [--changes 1000] [--json] [--root DIR]`.
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _support as S  # noqa: E402

SETTLE_TIMEOUT_S = 30.0  # the listener reads the log's current end (then watches) before any write
RECHECK_HIT_S = 1.0  # a change that waited this long was picked up by the re-check, not a wake
MARGIN_S = 5.0  # after the writer ends: wait at most the re-check period plus this for the last seq
WRITER_DEADLINE_S = 300.0

# The other process: plain sqlite3 (its default synchronous=FULL); CLOCK_MONOTONIC is system-wide.
WRITER = r"""
import json, random, sqlite3, sys, time

path, count, min_ms, max_ms, pause_every, pause_ms, deadline_s = sys.argv[1:8]
count, min_ms, max_ms, deadline_s = int(count), float(min_ms), float(max_ms), float(deadline_s)
pause_every, pause_ms = int(pause_every), float(pause_ms)
conn = sqlite3.connect(path, timeout=10, isolation_level=None)
contacts = [r[0] for r in conn.execute("SELECT id FROM contacts ORDER BY id")]
messages = [r[0] for r in conn.execute("SELECT id FROM system_messages ORDER BY id")]
rng = random.Random(20240601)
stop_at = time.monotonic() + deadline_s
commits = []
for i in range(count):
    if time.monotonic() > stop_at:
        break
    paused = pause_every > 0 and i > 0 and i % pause_every == 0
    time.sleep((pause_ms if paused else rng.uniform(min_ms, max_ms)) / 1000)
    conn.execute("BEGIN IMMEDIATE")
    if messages and i % 10 == 9:
        conn.execute("UPDATE system_messages SET updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now') "
                     "WHERE id = ?", (messages[i % len(messages)],))
    else:
        conn.execute("UPDATE contacts SET company = ? WHERE id = ?",
                     (f"wake-bench {i}", contacts[i % len(contacts)]))
    seq = conn.execute("SELECT max(seq) FROM change_log").fetchone()[0]
    conn.execute("COMMIT")
    commits.append((seq, time.clock_gettime(time.CLOCK_MONOTONIC)))
conn.close()
json.dump(commits, sys.stdout)
"""


async def measure(database: str, args) -> dict:
    from app.feed.listener import FEED_RECHECK_SECONDS, ChangeFeed
    from app.feed.registry import SessionRegistry
    from app.feed.signals import wake_source_for_settings
    from app.views.live import EVERY_VIEW

    seen_at: dict[int, float] = {}
    reads = 0

    class StampingFeed(ChangeFeed):
        def read_changes(self, after_seq):
            batch = super().read_changes(after_seq)
            now = time.clock_gettime(time.CLOCK_MONOTONIC)
            for change in batch:
                seen_at.setdefault(change.seq, now)
            return batch

        async def apply_new_changes(self) -> None:  # every read of the log, found something or not
            nonlocal reads
            reads += 1
            await super().apply_new_changes()

    sessions = SessionRegistry()
    feed = StampingFeed(sessions, wake_source_for_settings())
    # Sessions of one tenant and of the platform admins: the listener builds views as in production.
    subscriptions = [sessions.subscribe(audience, topics=EVERY_VIEW)
                     for audience in (f"client:{S.client_id_of()}", "all")]

    async def drain(subscription) -> None:  # a page taking its views as they come
        while True:
            await subscription.next_views()

    tasks = [asyncio.create_task(drain(s)) for s in subscriptions] + [asyncio.create_task(feed.run())]
    await S.wait_until(lambda: feed.last_seq > 0, SETTLE_TIMEOUT_S)  # it found the log's end: it is watching
    reads = 0
    try:
        started = time.monotonic()
        writer = await asyncio.create_subprocess_exec(
            sys.executable, "-c", WRITER, database, *(str(v) for v in (
                args.changes, args.min_ms, args.max_ms, args.pause_every, args.pause_ms, WRITER_DEADLINE_S)),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(writer.communicate(), WRITER_DEADLINE_S + 30)
        if writer.returncode != 0:
            raise RuntimeError(f"writer failed ({writer.returncode}): {err.decode()[-2000:]}")
        written_s = time.monotonic() - started
        commits = [(int(seq), float(at)) for seq, at in json.loads(out)]
        last_seq = max(seq for seq, _ in commits)
        await S.wait_until(lambda: last_seq in seen_at, FEED_RECHECK_SECONDS + MARGIN_S, 0.05)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    latencies = [(seen_at[seq] - at) * 1000 for seq, at in commits if seq in seen_at]
    isolated = {i for i in range(len(commits))
                if i == len(commits) - 1 or (args.pause_every > 0 and (i + 1) % args.pause_every == 0)}
    s = S.stats(latencies)
    return {
        "changes": len(commits), "spacing_ms": [args.min_ms, args.max_ms], "writer_synchronous": "default (FULL)",
        "recheck_s": FEED_RECHECK_SECONDS, "writer_seconds": round(written_s, 2), "log_reads": reads,
        **{f"{k}_ms": math.nan if s[k] is None else round(s[k], 1) for k in ("p50", "p90", "p99", "max", "min")},
        "waited_1s_or_more": sum(1 for v in latencies if v >= RECHECK_HIT_S * 1000),
        "missing": sum(1 for seq, _ in commits if seq not in seen_at), "isolated": len(isolated),
        "isolated_waited_1s_or_more": sum(1 for i in isolated if commits[i][0] not in seen_at
                                          or seen_at[commits[i][0]] - commits[i][1] >= RECHECK_HIT_S)}


def run(args) -> dict:
    with S.bench_database("sqlite") as (_tmp, url):
        return {**asyncio.run(measure(url.removeprefix("sqlite:///"), args)), "root": str(args.root)}


def report(args, facts, r) -> list[str]:
    pauses = f"a {args.pause_ms:g} ms pause every {args.pause_every}" if args.pause_every > 0 else "no pauses"
    return [f"root {r['root']}",
            (f"{r['changes']} plain-SQL commits by another process, {args.min_ms:g}-{args.max_ms:g} ms apart, {pauses} "
             f"(writer synchronous: {r['writer_synchronous']}); listener re-check every {r['recheck_s']:g} s; "
             f"load average at start {S.LOAD_AT_START}"),
            (f"commit -> listener has it: p50 {r['p50_ms']} ms  p90 {r['p90_ms']} ms  p99 {r['p99_ms']} ms  "
             f"max {r['max_ms']} ms"),
            (f"waited >= {RECHECK_HIT_S:g} s (a lost wake-up): {r['waited_1s_or_more']} (of the {r['isolated']} "
             f"followed by a pause or last: {r['isolated_waited_1s_or_more']}); never seen: {r['missing']}; "
             f"log reads: {r['log_reads']}")]


if __name__ == "__main__":
    S.main(S.parser(__doc__, ("--changes", int, 1000, "commits"), ("--min-ms", float, 5.0, "shortest spacing"),
                    ("--max-ms", float, 20.0, "longest spacing"),
                    ("--pause-every", int, 100, "pause after every this many commits (0: never)"),
                    ("--pause-ms", float, 1500.0, "the pause")), run, report, "changes", ok=lambda r: r["missing"] == 0)
