"""On SQLite, every commit by ANOTHER process wakes the change feed: none waits for the re-check.

The listener's periodic re-check (FEED_RECHECK_SECONDS) is only a safety net; here it is set
to a minute, so a lost wake-up shows as a change not read within WAIT_SECONDS (a clear failure)
instead of as a latency that a flaky threshold would have to judge.

The writer is a separate Python process using plain sqlite3 (default synchronous=FULL, as a
script or the sqlite3 shell would). A lost wake-up matters when nothing else follows the change,
so the first test commits in lockstep: each commit waits until the listener has read the one
before it, which makes every one of them depend on its own wake-up. The second test is a fast
unsynchronised stream whose last commit, again, has only its own wake-up.
"""

import asyncio
import sys

import pytest

from app.feed import listener
from app.feed.listener import ChangeFeed
from app.feed.registry import SessionRegistry
from app.feed.signals import wake_source_for_settings
from tests.support.loops import run_async

COMMITS = 200
WAIT_SECONDS = 20  # far below the re-check below: only a lost wake-up takes this long
RECHECK_SECONDS = 60.0

# One transaction per commit, as a script would; prints each commit's highest seq once committed.
# argv: database path, commits, lockstep (1: read a line from stdin before each commit).
WRITER = r"""
import random, sqlite3, sys

path, count, lockstep = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
rng = random.Random(7)
conn = sqlite3.connect(path, timeout=10, isolation_level=None)
contacts = [r[0] for r in conn.execute("SELECT id FROM contacts ORDER BY id")]
for i in range(count):
    if lockstep:
        if not sys.stdin.readline():
            break
    else:
        import time
        time.sleep(rng.uniform(0.001, 0.005))
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE contacts SET company = ? WHERE id = ?", (f"wake test {i}", contacts[i % len(contacts)]))
    seq = conn.execute("SELECT max(seq) FROM change_log").fetchone()[0]
    conn.execute("COMMIT")
    print(seq, flush=True)
conn.close()
"""


@pytest.fixture
def long_recheck(monkeypatch):
    monkeypatch.setattr(listener, "FEED_RECHECK_SECONDS", RECHECK_SECONDS)


async def with_feed(body):
    """Run `body(read_through)` beside a listener; `read_through(seq)` waits until it read seq."""
    feed = ChangeFeed(SessionRegistry(), wake_source_for_settings())

    async def read_through(seq: int, what: str) -> None:
        try:
            await feed.wait_until_applied(seq, WAIT_SECONDS)
        except TimeoutError:
            raise AssertionError(f"{what}: seq {seq} not read within {WAIT_SECONDS} s (the listener had read "
                                 f"through {feed.last_seq}): its wake-up was lost") from None

    task = asyncio.create_task(feed.run())
    await feed.wait_until_applied(0, WAIT_SECONDS)  # it has found the end of the log and watches
    try:
        return await body(read_through)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def start_writer(path: str, lockstep: bool) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c", WRITER, path, str(COMMITS), "1" if lockstep else "0",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)


def test_each_commit_by_another_process_wakes_the_listener(database, long_recheck):
    path = database.split(":///", 1)[1]

    async def body(read_through):
        writer = await start_writer(path, lockstep=True)
        try:
            for i in range(COMMITS):
                writer.stdin.write(b"go\n")
                await writer.stdin.drain()
                line = await asyncio.wait_for(writer.stdout.readline(), WAIT_SECONDS)
                assert line, "the writer process ended early"
                await read_through(int(line), f"commit {i + 1} of {COMMITS}")
            writer.stdin.close()
            assert await asyncio.wait_for(writer.wait(), WAIT_SECONDS) == 0
        finally:
            if writer.returncode is None:
                writer.kill()
                await writer.wait()

    run_async(with_feed(body))


def test_the_last_commit_of_a_fast_stream_by_another_process_is_read(database, long_recheck):
    path = database.split(":///", 1)[1]

    async def body(read_through):
        writer = await start_writer(path, lockstep=False)
        try:
            out, _ = await asyncio.wait_for(writer.communicate(), WAIT_SECONDS)
        finally:
            if writer.returncode is None:
                writer.kill()
                await writer.wait()
        seqs = [int(line) for line in out.split()]
        assert writer.returncode == 0 and len(seqs) == COMMITS
        await read_through(seqs[-1], f"the last of {COMMITS} commits")

    run_async(with_feed(body))
