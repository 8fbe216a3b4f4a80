"""Cross-process wake-up on SQLite: how long a commit by ANOTHER process waits for the listener.

What is measured: for each change, the time from the moment another process's transaction
commit returned to the moment this process's change-feed listener has read that change from the
log (stamped as each batch is read: `ChangeFeed.read_changes`). A change that was not woken for waits for the
listener's safety re-check (FEED_RECHECK_SECONDS, 5 s), so a lost wake-up shows up as a latency
of about that much; the bench counts the changes that waited >= 1 s.

How: a fresh SQLite database, migrated and seeded as the tests do. In this process, a ChangeFeed
on the wake source the app would use (wake_source_for_settings: inotify on the database folder),
with sessions of one tenant and of the platform admins subscribed, so the listener builds views
between wake-ups as in production. A separate process (plain `sqlite3`, no Beacon code, its
default synchronous=FULL) commits --changes plain-SQL UPDATEs (contacts; every tenth a system
message), one transaction each, --min-ms..--max-ms apart, pausing --pause-ms every --pause-every
commits: in a steady stream the next commit hides a lost wake-up, so the change before a pause
(and the last one) shows it as a latency >= 1 s. The writer stamps CLOCK_MONOTONIC (system-wide,
comparable across processes) after each commit, with the change's seq. Bounded: the writer has a
deadline; then the bench waits at most the re-check period plus a margin for the last seq.

Run: `source scripts/env.sh && python bench/sqlite_wake.py [--changes 1000] [--root DIR] [--json]`.
--root runs the listener from another checkout (e.g. a copy with the previous signals.py).
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _support as S  # noqa: E402

DEFAULT_CHANGES = 1000
DEFAULT_MIN_MS = 5.0  # spacing between two commits of the writer, drawn uniformly in [min, max]
DEFAULT_MAX_MS = 20.0
# Every this many commits the writer pauses: a change followed by a pause is what a lost wake-up
# hurts (without the pause the writer's next commit wakes the listener 5-20 ms later and hides it).
DEFAULT_PAUSE_EVERY = 100
DEFAULT_PAUSE_MS = 1500.0
SETTLE_TIMEOUT_S = 30.0  # the listener reads the log's current end (then watches) before any write
RECHECK_HIT_S = 1.0  # a change that waited this long was picked up by the re-check, not a wake
MARGIN_S = 5.0  # after the writer ends: wait at most the re-check period plus this for the last seq
WRITER_DEADLINE_S = 300.0  # the writer gives up after this long, whatever is left

# The other process: plain sqlite3, as a script or the sqlite3 shell would write.
WRITER = r"""
import json, random, sqlite3, sys, time

path, count, min_ms, max_ms, pause_every, pause_ms, synchronous, deadline_s = sys.argv[1:9]
count, min_ms, max_ms, deadline_s = int(count), float(min_ms), float(max_ms), float(deadline_s)
pause_every, pause_ms = int(pause_every), float(pause_ms)
conn = sqlite3.connect(path, timeout=10, isolation_level=None)
if synchronous:
    conn.execute(f"PRAGMA synchronous={synchronous}")
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


def _round(value: float | None) -> float:
    return math.nan if value is None else round(value, 1)


async def measure(database: Path, args: argparse.Namespace) -> dict:
    from app.feed import listener
    from app.feed.listener import ChangeFeed
    from app.feed.registry import SessionRegistry
    from app.feed.signals import wake_source_for_settings

    if args.recheck is not None:
        listener.FEED_RECHECK_SECONDS = args.recheck
    recheck = listener.FEED_RECHECK_SECONDS

    seen_at: dict[int, float] = {}
    reads = 0

    class StampingFeed(ChangeFeed):
        def read_changes(self, after_seq):
            batch = super().read_changes(after_seq)
            now = time.clock_gettime(time.CLOCK_MONOTONIC)
            for change in batch:
                seen_at.setdefault(change.seq, now)
            return batch

    sessions = SessionRegistry()
    feed = StampingFeed(sessions, wake_source_for_settings())
    apply = feed.apply_new_changes

    async def counted_apply() -> None:  # every read of the log, found something or not
        nonlocal reads
        reads += 1
        await apply()

    feed.apply_new_changes = counted_apply
    from app.db import read_session
    from app.models import Client
    from sqlmodel import select

    with read_session() as session:
        client_id = session.exec(select(Client.id).where(Client.name == "Acme")).one()
    # The registry's subscribe() may take the topics a page follows; ask for every view if so.
    extra = {}
    if "topics" in inspect.signature(sessions.subscribe).parameters:
        from app.views.live import EVERY_VIEW

        extra["topics"] = EVERY_VIEW
    subscriptions = [sessions.subscribe(f"client:{client_id}", **extra), sessions.subscribe("all", **extra)]

    async def drain(subscription) -> None:  # a page taking its views as they come
        while True:
            await subscription.next_views()

    drains = [asyncio.create_task(drain(s)) for s in subscriptions]
    task = asyncio.create_task(feed.run())
    await S.wait_until(lambda: feed.last_seq > 0, SETTLE_TIMEOUT_S)  # it found the log's end: it is watching
    reads = 0
    try:
        started = time.monotonic()
        writer = await asyncio.create_subprocess_exec(
            sys.executable, "-c", WRITER, str(database), str(args.changes), str(args.min_ms),
            str(args.max_ms), str(args.pause_every), str(args.pause_ms), args.synchronous,
            str(WRITER_DEADLINE_S),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(writer.communicate(), WRITER_DEADLINE_S + 30)
        if writer.returncode != 0:
            raise RuntimeError(f"writer failed ({writer.returncode}): {err.decode()[-2000:]}")
        written_s = time.monotonic() - started
        commits = [(int(seq), float(at)) for seq, at in json.loads(out)]
        last_seq = max(seq for seq, _ in commits)
        await S.wait_until(lambda: last_seq in seen_at, recheck + MARGIN_S, 0.05)
        # Anything older than the last seq was read in the same or an earlier batch.
    finally:
        task.cancel()
        for drain_task in drains:
            drain_task.cancel()
        await asyncio.gather(task, *drains, return_exceptions=True)

    latencies_ms = [(seen_at[seq] - at) * 1000 for seq, at in commits if seq in seen_at]
    missing = [seq for seq, _ in commits if seq not in seen_at]
    # The changes nothing but their own wake-up could bring in time: those before a pause, and the last.
    isolated = {i for i in range(len(commits))
                if i == len(commits) - 1 or (args.pause_every > 0 and (i + 1) % args.pause_every == 0)}
    isolated_late = sum(1 for i in isolated if commits[i][0] not in seen_at
                        or seen_at[commits[i][0]] - commits[i][1] >= RECHECK_HIT_S)
    return {
        "changes": len(commits),
        "spacing_ms": [args.min_ms, args.max_ms],
        "writer_synchronous": args.synchronous or "default (FULL)",
        "recheck_s": recheck,
        "writer_seconds": round(written_s, 2),
        "log_reads": reads,
        "p50_ms": _round(S.percentile(latencies_ms, 50)),
        "p90_ms": _round(S.percentile(latencies_ms, 90)),
        "p99_ms": _round(S.percentile(latencies_ms, 99)),
        "max_ms": round(max(latencies_ms, default=math.nan), 1),
        "min_ms": round(min(latencies_ms, default=math.nan), 1),
        "waited_1s_or_more": sum(1 for ms in latencies_ms if ms >= RECHECK_HIT_S * 1000),
        "missing": len(missing),
        "isolated": len(isolated),
        "isolated_waited_1s_or_more": isolated_late,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=DEFAULT_CHANGES)
    parser.add_argument("--min-ms", type=float, default=DEFAULT_MIN_MS)
    parser.add_argument("--max-ms", type=float, default=DEFAULT_MAX_MS)
    parser.add_argument("--pause-every", type=int, default=DEFAULT_PAUSE_EVERY,
                        help="pause after every this many commits (0: never)")
    parser.add_argument("--pause-ms", type=float, default=DEFAULT_PAUSE_MS)
    parser.add_argument("--synchronous", default="",
                        help="the writer's PRAGMA synchronous (default: sqlite3's own, FULL)")
    parser.add_argument("--recheck", type=float, default=None,
                        help="override the listener's FEED_RECHECK_SECONDS (default: the code's)")
    parser.add_argument("--root", type=Path, default=S.DEFAULT_ROOT, help="the checkout whose listener runs")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    S.load_project(args.root)
    from tests.conftest import prepare_database

    with tempfile.TemporaryDirectory(prefix="beacon-wake-bench-") as folder:
        database = Path(folder) / "beacon.db"
        prepare_database(f"sqlite:///{database}")
        report = asyncio.run(measure(database, args))
    report["root"] = str(args.root.resolve())
    report["load_average_at_start"] = S.LOAD_AT_START
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"root {report['root']}")
        pauses = f"a {args.pause_ms:g} ms pause every {args.pause_every}" if args.pause_every > 0 else "no pauses"
        print(f"{report['changes']} plain-SQL commits by another process, {args.min_ms:g}-{args.max_ms:g} ms apart, "
              f"{pauses} (writer synchronous: "
              f"{report['writer_synchronous']}); listener re-check every {report['recheck_s']:g} s; "
              f"load average at start {S.LOAD_AT_START}")
        print(f"commit -> listener has it: p50 {report['p50_ms']} ms  p90 {report['p90_ms']} ms  "
              f"p99 {report['p99_ms']} ms  max {report['max_ms']} ms")
        print(f"waited >= {RECHECK_HIT_S:g} s (a lost wake-up): {report['waited_1s_or_more']} "
              f"(of the {report['isolated']} followed by a pause or last: {report['isolated_waited_1s_or_more']}); "
              f"never seen: {report['missing']}; log reads: {report['log_reads']}")
    return 0 if report["missing"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
