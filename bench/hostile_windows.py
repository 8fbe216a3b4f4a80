"""Costly windows at will: 200 open pages, each holding a distinct substring search with a badge
filter over a 20,000-contact client, and what they cost everybody else's banner.

`python bench/hostile_windows.py [--contacts 20000] [--tasks 50000] [--windows 200] [--rounds 6]
[--database sqlite|postgres] [--json] [--root DIR]` (--root: measure another checkout's listener).

Acme is seeded as `beacon seed volume --client Acme --contacts N --tasks M` seeds it (the same
function). The listener and the registry run in this process, as the integration tests run them
(tests/integration/test_feed_budget.py): the pages are subscriptions of the registry, each holding
its window as a tab's live link holds it after its first read. No web server and no websocket:
what is measured is the listener, whose one loop serves every page of a backend process (the
websocket's own cost is bench/fanout.py's).

Each round: a task on contact X (assigned, cancelled the next round) touches every hostile window
(each search matches X, each filter is on badges); once the listener has begun that batch, the
platform admin publishes a status message for Acme. Measured: status commit -> the message in a
normal Acme page's subscription (the banner view); how long the listener's rounds took (each call
of ChangeFeed.publish: one batch before issue 19's budget, one round of it after); task commit ->
the last hostile page holding its re-read window. The same rounds run first with only the normal
page open, then with the hostile pages too.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _support as S  # noqa: E402

CLIENT = "Acme"  # the demo client the volume seed tops up
CLIENT_ADMIN = "ops@acme.demo"  # assigns and cancels X's task
FILTERS_PER_SEARCH = 4  # every badge filter of the page: Agent Working, Draft Ready, Failed, no badge
SHORTEST_SEARCH = 3  # characters: a search typed on purpose, not a stray key
BATCH_START_TIMEOUT_S = 30.0  # the task's commit -> the listener begins its batch
BANNER_TIMEOUT_S = 300.0  # before issue 19's budget a banner waited for every hostile window: tens of s
WINDOWS_TIMEOUT_S = 600.0  # the task's commit -> every hostile page has its window again
SETTLE_S = 0.5  # between rounds: wake-ups that trail a commit (SQLite's follow-up re-reads) pass


class TimedFeed:
    """Mixed into the checkout's ChangeFeed (its class is only known once --root is loaded): each
    call of publish timed, and an event set when a batch carrying changes begins."""

    def setup_timing(self) -> None:
        self.publish_calls: list[tuple[float, float, bool]] = []  # (monotonic start, ms, had work)
        self.batch_began = asyncio.Event()

    async def publish(self, stale, changes=(), seq=None):  # noqa: ANN001 - the checkout's own signature
        if changes:
            self.batch_began.set()
        # Work: changes, or (with the budget) windows left by the last round; else publish returns at once.
        work = bool(changes) or bool(getattr(self, "windows_waiting", None))
        started = time.monotonic()
        try:
            return await super().publish(stale, changes, seq)
        finally:
            self.publish_calls.append((started, (time.monotonic() - started) * 1000, work))


def target_contact(client_id: int):
    """X: the first volume contact by name without a badge (its first task makes it Agent Working)."""
    from app.db import read_session
    from app.views.contacts import ContactsWindow, contact_facts_of, read_contacts_page

    with read_session() as session:
        page = read_contacts_page(session, ContactsWindow(client_id=client_id, search=".volume.example"))
        free = next(row.id for row in page.rows if row.id not in page.badges)
        return contact_facts_of(session, [free])[free]


def hostile_windows(client_id: int, x, count: int) -> list:
    """`count` distinct windows, each a substring of X's email or company with a badge filter:
    every one matches X, so X's task touches them all, and each read scans the client's contacts."""
    from app.rules.work import BADGE_DRAFT_READY, BADGE_FAILED, BADGE_WORKING
    from app.views.contacts import NO_BADGE, ContactsWindow

    texts = [x.email.split("@")[0].lower(), x.company.lower(), x.name.lower()]
    searches = sorted({t[i:j] for t in texts for i in range(len(t)) for j in range(i + SHORTEST_SEARCH, len(t) + 1)
                       if " " not in t[i:j]},  # as typed: a window normalizes spaces away
                      key=lambda s: (len(s), s))
    needed = -(-count // FILTERS_PER_SEARCH)
    if len(searches) < needed:
        raise RuntimeError(f"only {len(searches)} searches match X ({x.email}); {count} windows need {needed}")
    filters = (BADGE_WORKING, BADGE_DRAFT_READY, BADGE_FAILED, NO_BADGE)
    return [ContactsWindow(client_id=client_id, search=search, badge=badge)
            for search in searches[:needed] for badge in filters][:count]


def first_reads(windows: list) -> list:
    """Each window read once, as a page reads it before its live link holds it."""
    from app.db import read_session
    from app.views.contacts import read_contacts_page

    with read_session() as session:
        return [read_contacts_page(session, window) for window in windows]


class Page:
    """One open page: its subscription, and when each of its views last arrived."""

    def __init__(self, subscription) -> None:
        self.subscription = subscription
        self.arrivals: dict[str, tuple[float, int, Any]] = {}  # kind -> (epoch ms, seq, view)
        self.changed = asyncio.Event()
        self.task = asyncio.create_task(self._follow())

    async def _follow(self) -> None:
        while True:
            views = await self.subscription.next_views()
            received = S.now_ms()
            for kind, (seq, view) in views.items():
                self.arrivals[kind] = (received, seq, view)
            self.changed.set()

    def stop(self) -> None:
        self.task.cancel()


async def wait_for(pages: list[Page], done, timeout_s: float) -> bool:
    """Until done(page) holds for every page (each page's arrivals wake the check)."""
    async def one(page: Page) -> None:
        while not done(page):
            page.changed.clear()
            await page.changed.wait()

    try:
        await asyncio.wait_for(asyncio.gather(*(one(p) for p in pages)), timeout_s)
        return True
    except TimeoutError:
        return False


async def run_rounds(feed, rounds: int, normal: Page, hostile: list[Page], clock, task_state: dict) -> list[dict]:
    from app.feed.listener import latest_seq
    from app.services.auth import actor_for_email
    from app.services.system_status import publish_system_status
    from app.services.tasks import assign_task, cancel_task
    from app.views.live import TENANT_VIEW
    from app.views.windows import CONTACTS_WINDOW

    admin, manager = actor_for_email(S.ADMIN_EMAIL), actor_for_email(CLIENT_ADMIN)
    results = []
    for r in range(rounds):
        marker = f"hostile-windows-{len(hostile)}-{r}"
        feed.batch_began.clear()
        calls_before = len(feed.publish_calls)
        if task_state["task_id"] is None:
            task_state["task_id"], task_ms = await asyncio.to_thread(
                clock.run, assign_task, manager, task_state["x"].id, task_state["agent_id"])
        else:
            (_, task_ms), task_state["task_id"] = await asyncio.to_thread(
                clock.run, cancel_task, manager, task_state["task_id"]), None
        task_seq = await asyncio.to_thread(latest_seq)
        began = True
        try:
            await asyncio.wait_for(feed.batch_began.wait(), BATCH_START_TIMEOUT_S)
        except TimeoutError:
            began = False
        _, status_ms = await asyncio.to_thread(clock.run, publish_system_status, admin, S.client_id_of(CLIENT),
                                               "active", marker, "info")

        def shows_marker(page: Page, marker: str = marker) -> bool:
            tenant = page.arrivals.get(TENANT_VIEW)
            return tenant is not None and tenant[2].service.shown_message.message == marker

        banner_ok = await wait_for([normal], shows_marker, BANNER_TIMEOUT_S)
        banner_ms = normal.arrivals[TENANT_VIEW][0] - status_ms if banner_ok else None

        def window_again(page: Page, task_seq: int = task_seq) -> bool:
            got = page.arrivals.get(CONTACTS_WINDOW)
            return got is not None and got[1] >= task_seq

        windows_ok = await wait_for(hostile, window_again, WINDOWS_TIMEOUT_S) if hostile else True
        last_window_ms = (max(p.arrivals[CONTACTS_WINDOW][0] for p in hostile) - task_ms
                          if hostile and windows_ok else None)
        await feed.wait_until_applied(await asyncio.to_thread(latest_seq), WINDOWS_TIMEOUT_S)
        await asyncio.sleep(SETTLE_S)
        calls = [ms for _start, ms, work in feed.publish_calls[calls_before:] if work]
        results.append({
            "round": r + 1, "task": "assign" if task_state["task_id"] else "cancel", "batch_began": began,
            "banner_ms": banner_ms, "last_window_ms": last_window_ms,
            "windows_served": sum(window_again(p) for p in hostile), "listener_calls": len(calls), "calls_ms": calls,
            "longest_call_ms": max(calls, default=None), "listener_busy_ms": sum(calls), "load": S.load_now()})
        S.log(f"round {r + 1} ({len(hostile)} hostile): banner {S.ms(banner_ms)} ms, last window "
              f"{S.ms(last_window_ms)} ms, {len(calls)} listener calls, longest {S.ms(max(calls, default=None))} ms")
    return results


def lost_windows(hostile: list[Page], windows: list) -> int:
    """Hostile pages whose newest window differs from a fresh read of it (stale or never delivered)."""
    from app.views.windows import CONTACTS_WINDOW

    fresh = first_reads(windows)
    return sum(page.arrivals.get(CONTACTS_WINDOW, (0, 0, (None, None)))[2][1] != read
               for page, read in zip(hostile, fresh, strict=True))


async def measure(args) -> dict[str, Any]:
    from app.feed import listener
    from app.feed.registry import SessionRegistry
    from app.feed.signals import wake_source_for_settings
    from app.feed.stats import feed_stats
    from app.views.contacts import ContactsWindow
    from app.views.pages import views_for_page
    from app.views.windows import CONTACTS_WINDOW

    class Feed(TimedFeed, listener.ChangeFeed):
        pass

    client_id = S.client_id_of(CLIENT)
    audience = f"client:{client_id}"
    topics = views_for_page("/contacts", audience, "client_admin")
    sessions = SessionRegistry()
    feed = Feed(sessions, wake_source_for_settings())
    feed.setup_timing()
    running = asyncio.create_task(feed.run())
    out: dict[str, Any] = {"budget_s": getattr(listener, "WINDOW_READ_BUDGET_SECONDS", None)}
    pages: list[Page] = []
    try:
        await feed.wait_until_applied(0, BATCH_START_TIMEOUT_S)
        x = await asyncio.to_thread(target_contact, client_id)
        task_state = {"x": x, "task_id": None, "agent_id": await asyncio.to_thread(agent_of, client_id)}
        out["x"] = {"id": x.id, "email": x.email, "company": x.company}
        normal_window = ContactsWindow(client_id=client_id)
        normal_sub = sessions.subscribe(audience, topics=topics)
        (normal_read,) = await asyncio.to_thread(first_reads, [normal_window])
        normal_sub.hold_window(CONTACTS_WINDOW, normal_window, normal_read.shown_ids)
        normal = Page(normal_sub)
        pages.append(normal)
        with S.CommitClock() as clock:
            S.log(f"{args.rounds} rounds with only a normal page open")
            out["without"] = await run_rounds(feed, args.rounds, normal, [], clock, task_state)
            windows = hostile_windows(client_id, x, args.windows)
            S.log(f"reading {len(windows)} hostile windows once (each page's first read)")
            started = time.monotonic()
            reads = await asyncio.to_thread(first_reads, windows)
            out["first_reads_s"] = time.monotonic() - started
            out["hostile_searches"] = sorted({w.search for w in windows})
            hostile = []
            for window, page in zip(windows, reads, strict=True):
                sub = sessions.subscribe(audience, topics=topics)
                sub.hold_window(CONTACTS_WINDOW, window, page.shown_ids)
                hostile.append(Page(sub))
            pages += hostile
            stats_before = feed_stats.as_dict()
            S.log(f"{args.rounds} rounds with {len(hostile)} hostile pages open too")
            out["with"] = await run_rounds(feed, args.rounds, normal, hostile, clock, task_state)
            out["feed_stats"] = {k: v for k, v in feed_stats.as_dict().items()
                                 if k in ("batches_over_budget", "windows_waiting", "longest_batch_ms")}
            out["feed_stats_before"] = {k: stats_before.get(k) for k in out["feed_stats"]}
            out["lost"] = await asyncio.to_thread(lost_windows, hostile, windows)
            if task_state["task_id"] is not None:  # leave X as it was
                from app.services.auth import actor_for_email
                from app.services.tasks import cancel_task

                await asyncio.to_thread(cancel_task, actor_for_email(CLIENT_ADMIN), task_state["task_id"])
    finally:
        for page in pages:
            page.stop()
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    return out


def agent_of(client_id: int) -> int:
    from sqlmodel import select

    from app.db import read_session
    from app.models import AIAgent

    with read_session() as session:
        return session.exec(select(AIAgent.id).where(AIAgent.client_id == client_id,
                                                     AIAgent.name == "Outreach Agent")).one()


def run(args) -> dict[str, Any]:
    from app.seed.volume import seed_volume

    with S.bench_database(args.database) as (_tmp, _url):
        S.log(f"seeding {CLIENT} with {args.contacts} contacts and {args.tasks} tasks")
        seeded = seed_volume(CLIENT, args.contacts, args.tasks)
        out = asyncio.run(measure(args))
        out["seed_seconds"] = seeded.seconds
    return out


def summary(rounds: list[dict], key: str) -> list[float | None]:
    values = [v for r in rounds if r[key] is not None for v in (r[key] if isinstance(r[key], list) else [r[key]])]
    return [S.percentile(values, 50), S.percentile(values, 99), max(values, default=None)]


def report(args, facts: dict[str, Any], out: dict[str, Any]) -> list[str]:
    budget = out["budget_s"]
    spec = "<44 >9.1f >9.1f >9.1f ^1 >9.1f >9.1f >9.1f"
    rows = [("status commit -> normal page's banner view", "banner_ms"),
            ("listener: each batch/round (publish call)", "calls_ms"),
            ("listener: longest of a bench round", "longest_call_ms"),
            ("listener: busy per bench round (sum)", "listener_busy_ms"),
            ("task commit -> last hostile page's window", "last_window_ms")]
    with_, without = out["with"], out["without"]
    lines = [
        *S.facts_header(f"Beacon hostile windows: {args.windows} costly /contacts windows vs the banner", facts),
        (f"database {args.database}; {CLIENT} seeded with {args.contacts} contacts, {args.tasks} tasks in "
         f"{out['seed_seconds']:.1f} s; window read budget: "
         + ("none (this checkout has no WINDOW_READ_BUDGET_SECONDS)" if budget is None else f"{budget * 1000:.0f} ms")),
        (f"X = {out['x']['email']} ({out['x']['company']}); {len(out['hostile_searches'])} searches x "
         f"{FILTERS_PER_SEARCH} badge filters, e.g. {out['hostile_searches'][:3]}; the {args.windows} first reads "
         f"took {out['first_reads_s']:.1f} s "
         f"({out['first_reads_s'] * 1000 / max(1, args.windows):.0f} ms a window)"), "",
        S.row("<44 >29 ^1 >29", "ms, over rounds", "without hostile windows", "|",
              f"with {args.windows} hostile windows"),
        S.row("<44 >9 >9 >9 ^1 >9 >9 >9", "", "p50", "p99", "max", "|", "p50", "p99", "max"),
        *(S.row(spec, label, *summary(without, key), "|", *summary(with_, key)) for label, key in rows), "",
        S.row("<6 <8 >10 >12 >10 >12 >10 >9 >6", "round", "task", "hostile", "banner ms", "calls", "longest ms",
              "busy ms", "served", "load"),
        *(S.row("<6 <8 >10 >12.1f >10 >12.1f >10.1f >9 >6", r["round"], r["task"], n, r["banner_ms"],
                r["listener_calls"], r["longest_call_ms"], r["listener_busy_ms"],
                f"{r['windows_served']}/{n}", r["load"])
          for n, rounds in ((0, without), (args.windows, with_)) for r in rounds), "",
        (f"hostile pages whose newest window differs from a fresh read at the end (stale or lost): {out['lost']}; "
         f"batches that began before the status commit: {sum(r['batch_began'] for r in without + with_)} of "
         f"{len(without) + len(with_)}"),
        ("health's feed part over the hostile rounds: " + ", ".join(
            f"{k} {out['feed_stats_before'].get(k)} -> {v}" for k, v in out["feed_stats"].items())
         if out["feed_stats"] else "health's feed part: this checkout reports no budget figures"), "",
        "banner: the status commit (after the listener began the task's batch) -> the normal page's subscription",
        "holds the tenant view with the new message; calls: ChangeFeed.publish calls with work in the round (one",
        "batch before the budget, one round of a batch after it; each batch/round: over every such call of every",
        "bench round); busy: their sum; served: hostile pages holding a window read after the task's commit;",
        "task commit -> last hostile page: when the last of them got it.",
    ]
    return lines


if __name__ == "__main__":
    S.main(S.parser(__doc__, ("--contacts", int, 20_000, "the client's volume contacts"),
                    ("--tasks", int, 50_000, "the client's volume tasks"),
                    ("--windows", int, 200, "hostile pages, each holding a distinct costly window"),
                    ("--rounds", int, 6, "task change + status publish pairs, with and without the hostile pages"),
                    database=True),
           run, report, "contacts", "windows", "rounds")
