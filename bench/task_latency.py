"""Worker-to-screen latency and burst behaviour of Beacon's live task badges and approvals.

Set-up: a fresh SQLite database (demo data) and one server (`reflex run --env prod`, cwd
--root). --pages Chromium pages, each its own context, signed in as the Acme client admin on
/contacts. This process plays the task worker itself with the real services (so it can stamp each
commit): `system_actor("bench-worker")` claims and completes, the Acme admin assigns and approves;
every change takes the cross-process wake-up. Commit times come from `app.db.on_change_committed`;
page times from a MutationObserver (performance.timeOrigin + performance.now()); the offset
between the two clocks is measured on every page (clock±).

Part 1, commit -> badge: --tasks tasks, round-robin over the 4 Acme contacts, one at a time:
assign, claim_next_task, complete_task, approve_draft, each commit STEP_INTERVAL_MS after the
previous one. A pending task already shows "Agent Working" (work_rules.contact_badge), so that is
timed from the ASSIGN commit and the claim must change no badge (a badge change no step explains
is `unexpected`); "Draft Ready" from the complete commit, "cleared" from the approve commit. A
step not shown before the same step of the contact's next task is `missed`; `lost` when no later
step of that contact was shown either (else it was coalesced).

Part 2, burst: --burst tasks are assigned (the pages show them and fall quiet), a /approvals page
joins, and after IDLE_BASELINE_S (the idle frame-gap baseline) BURST_THREADS threads claim and
complete them all on a BURST_SECONDS schedule. Per page, until QUIET_TAIL_S after the final state:
renders (MutationObserver callbacks touching a badge, card, draft card or the pending count) and
their records; websocket frames, event frames and kB; settle (last burst commit -> the exact final
state the database implies: pending count, every badge, min(count, DRAFTS_SHOWN) pending draft
cards on /approvals); the longest requestAnimationFrame gap (and the idle one). The server log is
scanned for errors at the end.

Run: `source scripts/env.sh && python bench/task_latency.py [--pages 3] [--tasks 50]
[--burst 100] [--root DIR] [--json]`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _support as S  # noqa: E402

DEFAULT_PAGES = 3  # a few colleagues of one client watching /contacts
DEFAULT_TASKS = 50  # 150 timed steps per page: enough for a p90, a rough p99
DEFAULT_BURST = 100  # the size of the burst the worker completes at once

ASSIGNER_EMAIL = "ops@acme.demo"  # the seeded Acme client admin assigns and approves
WORKER_NAME = "bench-worker"  # named in the audit rows the worker's steps write
ASSIGN_AGENT = "Outreach Agent"  # part 1's agent (seeded for every client)
STEP_INTERVAL_MS = 200  # between two commits of part 1: far above a live push, so none coalesce
BURST_SECONDS = 1.0  # the burst's target duration: --burst completions in about one second
BURST_THREADS = 2  # SQLite serialises writers; two threads overlap one's Python work with the other's
BURST_TIMEOUT_S = 60  # the burst threads must be done by then (a stuck writer fails the run)
IDLE_BASELINE_S = 1.0  # frame gaps of the quiet pages, measured just before the burst
SETTLE_TIMEOUT_S = 30.0  # after the last commit, how long pages get to show the final state
PREP_TIMEOUT_MS = 60_000  # after assigning the burst's tasks, pages must show them, then fall quiet
QUIET_S = 1.0  # before the burst, the pages have received no frame for this long (backlog drained)
QUIET_TAIL_S = 1.0  # keep counting renders/frames this long after the final state (stragglers)
CLOCK_TOLERANCE_MS = 5.0  # a DOM stamp this much before its commit is still that commit's (clocks)
PUMP_MS = 20  # while burst threads run, the main thread lets Playwright dispatch events this often
MAX_SNAPSHOTS = 20_000  # bound on each page's log of observed states during the burst

CARD = "[data-testid=contact-card][data-contact-id=\"{id}\"]"


# Part 2: renders, mutation records, observed states (deduplicated) and the rAF loop's longest gap.
BURST_OBSERVER_JS = r"""({ids, maxSnapshots}) => {
  const watched = '[data-testid=task-badge],[data-testid=contact-card],[data-testid=draft-card],' +
                  '[data-testid=pending-approvals-count]';
  const now = () => performance.timeOrigin + performance.now();
  const badge = (id) => {
    const b = document.querySelector(`[data-testid=contact-card][data-contact-id="${id}"] [data-testid=task-badge]`);
    return b ? b.textContent.trim() : '';
  };
  const state = () => {
    const count = document.querySelector('[data-testid=pending-approvals-count]');
    return JSON.stringify([count ? count.textContent.trim() : null, ids.map(badge),
      document.querySelectorAll('[data-testid=draft-card][data-status=pending]').length]);
  };
  const touches = (node) => {
    const el = node.nodeType === 1 ? node : node.parentElement;
    return !!el && (!!el.closest(watched) || (node.nodeType === 1 && !!el.querySelector(watched)));
  };
  const s = (window.__benchBurst = {renders: 0, records: 0, states: [], maxGap: 0, maxGapAt: 0,
                                    frames: 0, running: true, last: state()});
  s.reset = () => {
    const out = {maxGap: s.maxGap, frames: s.frames};
    s.renders = 0; s.records = 0; s.maxGap = 0; s.maxGapAt = 0; s.frames = 0;
    s.last = state(); s.states = [[s.last, now()]];
    return out;
  };
  new MutationObserver((records) => {
    let relevant = 0;
    for (const r of records) {
      if (touches(r.target) || [...r.addedNodes, ...r.removedNodes].some(touches)) relevant++;
    }
    if (!relevant) return;
    s.renders++; s.records += relevant;
    const current = state();
    if (current !== s.last && s.states.length < maxSnapshots) { s.last = current; s.states.push([current, now()]); }
  }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
  let prev = performance.now();
  const tick = () => {
    const t = performance.now();
    if (t - prev > s.maxGap) { s.maxGap = t - prev; s.maxGapAt = performance.timeOrigin + t; }
    prev = t; s.frames++;
    if (s.running) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""

# True when the page shows `expected` ([count text, [badges], pending draft cards]).
SHOWS_STATE_JS = "(expected) => window.__benchBurst && window.__benchBurst.last === expected"


@dataclass
class BurstPage:
    page: str  # "contacts-1".. or "approvals"
    renders: int
    mutation_records: int
    ws_frames: int
    ws_event_frames: int
    ws_kb: float  # payload received over the websocket during the window
    settle_ms: float | None  # None: never showed the final state by the deadline
    final_state_ok: bool
    last_state: str
    max_frame_gap_ms: float
    idle_max_frame_gap_ms: float
    frames: int


@dataclass
class BurstResult:
    tasks: int
    threads: int
    duration_s: float  # first claim commit -> last complete commit
    rate_per_s: float  # completions per second
    commits: int
    pending_drafts: int
    expected_badges: dict[str, str]
    expected_cards: int
    pages: list[BurstPage] = field(default_factory=list)


# --- helpers -----------------------------------------------------------------------------------

def open_live_page(browser, url: str, path: str):
    """Signed in as the Acme admin, live on `path`, its websocket frames counted."""
    counters = []
    page = S.open_page(browser, url, S.VIEWER_EMAIL, path,
                       before_navigation=lambda p: counters.append(S.FrameCounter(p)))
    return page, counters[0]


def acme_facts(acme: int) -> tuple[list[int], dict[str, int]]:
    """Acme's contact ids (by name, as the page lists them) and its AI agents by name."""
    from sqlmodel import select

    from app.db import read_session
    from app.models import AIAgent, Contact

    with read_session() as session:
        contacts = [c.id for c in session.exec(select(Contact).where(Contact.client_id == acme)
                                               .order_by(Contact.name))]
        agents = {a.name: a.id for a in session.exec(select(AIAgent).where(AIAgent.client_id == acme))}
    return contacts, agents


def expected_from_db(acme: int, contact_ids: list[int]) -> tuple[int, dict[str, str]]:
    """Acme's pending draft count and each contact's badge as the DB implies it."""
    from sqlmodel import col, func, select

    from app.db import read_session
    from app.models import AgentTask, Draft, DraftStatus
    from app.rules import work as work_rules

    with read_session() as session:
        pending = session.exec(select(func.count()).select_from(Draft).where(
            Draft.client_id == acme, Draft.status == DraftStatus.PENDING.value)).one()
        with_draft = set(session.exec(select(Draft.contact_id).where(
            Draft.client_id == acme, Draft.status == DraftStatus.PENDING.value)).all())
        badges = {}
        for contact in contact_ids:
            newest = session.exec(select(AgentTask.status).where(AgentTask.contact_id == contact)
                                  .order_by(col(AgentTask.id).desc()).limit(1)).first()
            badges[str(contact)] = work_rules.contact_badge(work_rules.ContactWork(
                newest_task_status=newest, has_pending_draft=contact in with_draft))
    return int(pending), badges


def wait_quiet(pump_page, counters) -> bool:
    return S.wait_quiet(pump_page, counters, QUIET_S, PREP_TIMEOUT_MS / 1000)


# --- part 1 ------------------------------------------------------------------------------------

def run_latency(pages: list, contact_ids: list[int], agents: dict[str, int], task_count: int,
                assigner, worker, clock: S.CommitClock) -> dict[str, Any]:
    from app.services import drafts, tasks

    ids = [str(c) for c in contact_ids]
    for page in pages:
        initial = page.evaluate(S.BADGE_LOG_JS, ids)
        if any(initial.values()):
            raise RuntimeError(f"part 1 must start with no badges, the page shows {initial}")
    offset = max(abs(S.clock_offset_ms(page)) for page in pages)

    expected: list[dict] = []  # {contact, text (the badge it must show), step, committed (ms)}
    start, n = time.monotonic(), 0

    def on_schedule(operation, *args):
        nonlocal n
        delay = start + n * STEP_INTERVAL_MS / 1000 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        n += 1
        return clock.run(operation, *args)

    S.log(f"part 1: {task_count} tasks, 4 commits each, {STEP_INTERVAL_MS} ms apart")
    for i in range(task_count):
        contact = str(contact_ids[i % len(contact_ids)])
        task_id, t_assign = on_schedule(tasks.assign_task, assigner, int(contact), agents[ASSIGN_AGENT])
        claimed, _t_claim = on_schedule(tasks.claim_next_task, worker)  # no badge change expected
        if claimed is None or claimed.id != task_id:
            raise RuntimeError(f"task {i}: claimed {claimed and claimed.id}, expected {task_id}")
        draft_id, t_complete = on_schedule(tasks.complete_task, worker, task_id, f"Bench {i}", "Body")
        _, t_approve = on_schedule(drafts.approve_draft, assigner, draft_id)
        expected += [{"contact": contact, "text": text, "step": step, "committed": at} for text, step, at in
                     (("Agent Working", "Agent Working", t_assign), ("Draft Ready", "Draft Ready", t_complete),
                      ("", "cleared", t_approve))]
    S.set_deadlines(expected)

    # Bounded: every page gets what remains of one deadline to show the last step (the last
    # approve's "cleared": the newest commit, so a "" stamped after it can only be that one).
    last = expected[-1]
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    for page in pages:
        try:
            page.wait_for_function(S.BADGE_CLEARED_JS, arg=[last["contact"], last["committed"] - CLOCK_TOLERANCE_MS],
                                   timeout=max(1.0, (deadline - time.monotonic()) * 1000))
        except Exception as error:  # noqa: BLE001 - what a page did not show counts as missed
            S.log(f"a page did not show the last step: {type(error).__name__}")
    logs = [page.evaluate("() => window.__benchBadges") for page in pages]
    S.log("  badge changes seen per page: " + ", ".join(
        str(sum(len(changes) for changes in log.values())) for log in logs) + f" (expected {len(expected)} each)")

    by_step: dict[str, list[float]] = {"Agent Working": [], "Draft Ready": [], "cleared": []}
    missed = dict.fromkeys(by_step, 0)
    lost = dict.fromkeys(by_step, 0)
    unexpected = 0
    for observed_by_contact in logs:
        for contact in ids:
            hits, used = S.match_badges([e for e in expected if e["contact"] == contact],
                                        observed_by_contact[contact], CLOCK_TOLERANCE_MS)
            # the commit time of the newest step this page showed for this contact
            newest_shown = max((e["committed"] for e, latency, _ in hits if latency is not None), default=-1.0)
            for e, latency, _ in hits:
                if latency is None:
                    missed[e["step"]] += 1
                    lost[e["step"]] += e["committed"] > newest_shown  # not overtaken by a later step shown
                else:
                    by_step[e["step"]].append(latency)
            unexpected += used.count(False)
    # per step: n, p50..max (ms); missed: (page, step) pairs never shown (coalesced with a later step,
    # or lost); lost: of the missed, no later step of that contact shown either (the page fell behind)
    return {"pages": len(pages), "tasks": task_count, "interval_ms": STEP_INTERVAL_MS, "clock_offset_ms": offset,
            "steps": [{"step": step, **S.stats(values), "missed": missed[step], "lost": lost[step]}
                      for step, values in by_step.items()],
            "unexpected": unexpected}  # badge changes no step explains (the claim, for one, should cause none)


# --- part 2 ------------------------------------------------------------------------------------

def state_key(count: int, badges: list[str], cards: int) -> str:
    """The page observer's state string (JSON.stringify of [count text, badges, cards])."""
    return json.dumps([str(count), badges, cards], separators=(",", ":"))


def start_burst(worker_names: list[str], burst: int,
                clock: S.CommitClock) -> tuple[list[threading.Thread], list[BaseException], int]:
    """Start one thread per worker name claiming+completing `burst` tasks on a BURST_SECONDS schedule.

    Returns the threads, the list their errors go to, and the index of the burst's first commit
    in clock.stamps. The caller waits (keeping Playwright's event dispatch going meanwhile).
    """
    from app.services import tasks
    from app.rules.actors import system_actor

    lock = threading.Lock()
    next_index = iter(range(burst))
    errors: list[BaseException] = []
    start = time.monotonic()

    def work(name: str) -> None:
        actor = system_actor(name)
        try:
            while True:
                with lock:
                    i = next(next_index, None)
                if i is None:
                    return
                delay = start + i * BURST_SECONDS / burst - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                claimed = tasks.claim_next_task(actor)
                if claimed is None:
                    raise RuntimeError(f"burst completion {i}: nothing left to claim")
                tasks.complete_task(actor, claimed.id, f"Burst {i}", f"Burst draft {i}")
        except BaseException as error:  # noqa: BLE001 - reported by the caller
            errors.append(error)

    first_commit = len(clock.stamps)  # read before any burst thread runs
    threads = [threading.Thread(target=work, args=(name,), daemon=True) for name in worker_names]
    for thread in threads:
        thread.start()
    return threads, errors, first_commit


def run_burst(browser, url: str, pages: list, counters: list, contact_ids: list[int],
              agents: dict[str, int], burst: int, assigner, acme: int, clock: S.CommitClock) -> BurstResult:
    from app.services import tasks
    from app.views.lists import LIST_PAGE_SIZE as DRAFTS_SHOWN

    ids = [str(c) for c in contact_ids]
    agent_ids = sorted(agents.values())
    S.log(f"part 2: assigning {burst} tasks")
    for i in range(burst):
        tasks.assign_task(assigner, contact_ids[i % len(contact_ids)], agent_ids[i % len(agent_ids)])
    approvals, approvals_counter = open_live_page(browser, url, "/approvals")
    all_pages = [*pages, approvals]
    names = [f"contacts-{n + 1}" for n in range(len(pages))] + ["approvals"]
    for page in pages:  # the assignments are on screen before anything is measured
        page.wait_for_function(
            "(ids) => ids.every((id) => { const b = document.querySelector("
            "`[data-testid=contact-card][data-contact-id=\"${id}\"] [data-testid=task-badge]`);"
            " return b && b.textContent.trim() === 'Agent Working'; })", arg=ids, timeout=PREP_TIMEOUT_MS)
    all_counters = [*counters, approvals_counter]
    if not wait_quiet(all_pages[0], all_counters):
        S.log(f"  the pages still received frames {PREP_TIMEOUT_MS / 1000:g} s after the assignments")
    for page in all_pages:
        page.evaluate(BURST_OBSERVER_JS, {"ids": ids, "maxSnapshots": MAX_SNAPSHOTS})
    all_pages[0].wait_for_timeout(IDLE_BASELINE_S * 1000)
    idle = [page.evaluate("() => window.__benchBurst.reset()") for page in all_pages]
    frames_before = [c.snapshot() for c in all_counters]

    S.log(f"part 2: completing {burst} tasks in ~{BURST_SECONDS:g} s with {BURST_THREADS} threads")
    threads, errors, first_commit = start_burst(
        [f"{WORKER_NAME}-{n + 1}" for n in range(BURST_THREADS)], burst, clock)
    deadline = time.monotonic() + BURST_TIMEOUT_S
    while any(t.is_alive() for t in threads) and time.monotonic() < deadline:
        all_pages[0].wait_for_timeout(PUMP_MS)  # Playwright keeps dispatching websocket events
    if any(t.is_alive() for t in threads) or errors:
        raise RuntimeError(f"the burst did not finish: {errors or 'timed out'}")
    burst_stamps = clock.stamps[first_commit:]
    if len(burst_stamps) != 2 * burst:
        raise RuntimeError(f"burst: expected {2 * burst} commits, saw {len(burst_stamps)}")
    first, last = burst_stamps[0], burst_stamps[-1]

    pending, badges = expected_from_db(acme, contact_ids)
    contacts_state = state_key(pending, [badges[i] for i in ids], 0)
    approvals_state = state_key(pending, [""] * len(ids), min(pending, DRAFTS_SHOWN))
    expected_states = [contacts_state] * len(pages) + [approvals_state]

    settle_deadline = time.monotonic() + SETTLE_TIMEOUT_S
    for name, page, state in zip(names, all_pages, expected_states):
        try:
            page.wait_for_function(SHOWS_STATE_JS, arg=state,
                                   timeout=max(1.0, (settle_deadline - time.monotonic()) * 1000))
        except Exception as error:  # noqa: BLE001 - reported as never settled
            S.log(f"{name} did not show the final state: {type(error).__name__}")
    all_pages[0].wait_for_timeout(QUIET_TAIL_S * 1000)

    result = BurstResult(tasks=burst, threads=BURST_THREADS, duration_s=(last - first) / 1000,
                         rate_per_s=burst / max((last - first) / 1000, 1e-9), commits=len(burst_stamps),
                         pending_drafts=pending, expected_badges=badges,
                         expected_cards=min(pending, DRAFTS_SHOWN))
    for name, page, counter, before, idle_page, state in zip(
            names, all_pages, all_counters, frames_before, idle, expected_states):
        observed = page.evaluate("() => { const s = window.__benchBurst; s.running = false;"
                                 " return {renders: s.renders, records: s.records, states: s.states,"
                                 " maxGap: s.maxGap, frames: s.frames, last: s.last}; }")
        frames, events, received = counter.snapshot()
        states = observed["states"]
        ok = observed["last"] == state
        # The final state's arrival: the last time the page's state changed (to the final one).
        settle = (states[-1][1] - last) if ok and states else None
        result.pages.append(BurstPage(
            page=name, renders=observed["renders"], mutation_records=observed["records"],
            ws_frames=frames - before[0], ws_event_frames=events - before[1], ws_kb=(received - before[2]) / 1024,
            settle_ms=None if settle is None else max(settle, 0.0), final_state_ok=ok,
            last_state=observed["last"], max_frame_gap_ms=observed["maxGap"],
            idle_max_frame_gap_ms=idle_page["maxGap"], frames=observed["frames"]))
    return result


# --- the run -----------------------------------------------------------------------------------

def run(args) -> dict:
    from app.rules.actors import system_actor
    from app.services.auth import actor_for_email

    with tempfile.TemporaryDirectory(prefix="beacon-task-bench-") as tmp, \
            S.bench_database("sqlite", Path(tmp)) as url:
        assigner = actor_for_email(ASSIGNER_EMAIL)
        worker = system_actor(WORKER_NAME)
        acme = S.client_id_of()
        contact_ids, agents = acme_facts(acme)
        clock = S.CommitClock()
        try:
            with S.served(args.root, Path(tmp), url) as server, S.chromium() as browser:
                pages, counters = [], []
                for n in range(args.pages):
                    page, counter = open_live_page(browser, server.url, "/contacts")
                    for contact in contact_ids:
                        page.wait_for_selector(CARD.format(id=contact))
                    pages.append(page)
                    counters.append(counter)
                    S.log(f"  page {n + 1}/{args.pages} live on /contacts")
                part1 = run_latency(pages, contact_ids, agents, args.tasks, assigner, worker, clock)
                S.check_alive(server, "during part 1")
                part2 = run_burst(browser, server.url, pages, counters, contact_ids, agents, args.burst,
                                  assigner, acme, clock)
                S.check_alive(server, "during part 2")
                problems = S.server_log_problems(server.log_text())
        finally:
            clock.close()
    return {"part1": part1, "part2": part2, "server_log": problems}


# --- report ------------------------------------------------------------------------------------

def format_report(args, facts: dict[str, Any], out: dict[str, Any]) -> str:
    lat, burst, problems = out["part1"], out["part2"], out["server_log"]
    ms = S.ms
    head = (f"date {facts['date']}   nproc {facts['nproc']}   load (1 min) {facts['loadavg_1m_start']} at start, "
            f"{facts['loadavg_1m']} at end   Reflex {facts['reflex']}")
    lines = [
        "Part 1 - worker commit -> task badge text in the DOM (commit in another process)",
        head,
        f"{lat['pages']} page(s) on /contacts, {lat['tasks']} tasks, one commit every {lat['interval_ms']:g} ms; ms",
        "",
        f"{'step (timed from)':<32} {'count':>6} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8} {'missed':>7} {'lost':>5}",
    ]
    origin = {"Agent Working": "Agent Working (assign)", "Draft Ready": "Draft Ready (complete)",
              "cleared": "cleared (approve)"}
    for s in lat["steps"]:
        lines.append(f"{origin[s['step']]:<32} {s['n']:>6} {ms(s['p50']):>8} {ms(s['p90']):>8} "
                     f"{ms(s['p99']):>8} {ms(s['max']):>8} {s['missed']:>7} {s['lost']:>5}")
    claim_note = "Note: a pending task already shows \"Agent Working\", so the claim commit changes no badge."
    lines.append(f"missed: (page, step) never shown (coalesced with the next step, or lost: nothing later "
                 f"shown); unexpected badge changes: {lat['unexpected']}; clock± {ms(lat['clock_offset_ms'])} ms")
    lines += [claim_note, ""]
    lines.append(f"Part 2 - burst: {burst.tasks} tasks claimed+completed by {burst.threads} threads in "
                 f"{burst.duration_s:.2f} s ({burst.rate_per_s:.0f}/s, {burst.commits} commits)")
    lines.append(head)
    lines.append(f"final state: {burst.pending_drafts} pending drafts; badges "
                 f"{sorted(set(burst.expected_badges.values()))}; /approvals lists {burst.expected_cards} "
                 "pending draft cards")
    lines.append("")
    lines.append(f"{'page':<12} {'renders':>8} {'records':>8} {'ws frames':>10} {'ws events':>10} {'ws kB':>8} "
                 f"{'settle ms':>10} {'final ok':>9} {'max gap':>8} {'idle gap':>9}")
    for p in burst.pages:
        lines.append(f"{p.page:<12} {p.renders:>8} {p.mutation_records:>8} {p.ws_frames:>10} {p.ws_event_frames:>10} "
                     f"{p.ws_kb:>8.0f} "
                     f"{ms(p.settle_ms):>10} {'yes' if p.final_state_ok else 'NO':>9} "
                     f"{ms(p.max_frame_gap_ms):>8} {ms(p.idle_max_frame_gap_ms):>9}")
    for p in burst.pages:
        if not p.final_state_ok:
            lines.append(f"  {p.page} last showed {p.last_state}")
    lines += [
        "",
        "renders: MutationObserver callbacks touching a badge, contact card, draft card or the pending count;",
        "records: their mutation records; ws frames/events/kB: all frames / socket.io event frames / payload received;",
        f"settle: last burst commit -> the page shows the exact final state (deadline {SETTLE_TIMEOUT_S:g} s);",
        (f"max gap: longest requestAnimationFrame gap during the burst window; idle gap: same over "
         f"{IDLE_BASELINE_S:g} s before it."),
        (f"server log: {problems['error_lines']} error line(s), "
         f"{problems['disconnected_client_warnings']} disconnected-client warning(s)"),
    ]
    lines += [f"  {line[:200]}" for line in problems["first"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=DEFAULT_PAGES, help="pages on /contacts (default %(default)s)")
    parser.add_argument("--tasks", type=int, default=DEFAULT_TASKS, help="part 1's tasks (default %(default)s)")
    parser.add_argument("--burst", type=int, default=DEFAULT_BURST, help="part 2's tasks (default %(default)s)")
    S.add_common_args(parser)
    args = parser.parse_args(argv)
    if args.pages < 1 or args.tasks < 1 or args.burst < 1:
        parser.error("--pages, --tasks and --burst must be at least 1")
    S.bench_main(args, run, format_report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
