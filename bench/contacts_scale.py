"""/contacts at scale: a SMALL tenant next to a LARGE one, on one server, in one run.

A fresh database (SQLite, or --database postgres) with the demo data; `seed_volume` (what `beacon
seed volume` runs) makes Acme LARGE; Globex (3 contacts) is the SMALL tenant; one server, one
backend worker, so the only difference between the two columns is the tenant's size. This process
writes (assign_task / cancel_task as ops@<client>.demo): each change takes the change log's path.
A preflight change must first reach an open page (a dead change feed fails the run).

1. change -> badge: one Chromium page per tenant on /contacts page 1; --changes assignments on
   page-1 contacts without a badge, each cancelled CHANGE_INTERVAL_MS later; a MutationObserver
   stamps each badge change (latency = DOM stamp - commit stamp, clock± measured); a change not
   shown before the next one of its kind on that contact is missed. The assign latency is split
   at the ContactsState message's arrival in the page's JS.
2. bytes per change: websocket frames of that page and of a dashboard page, attributed to the
   newest commit before Playwright dispatched them; mean / max, the largest frame and its vars.
3. first cards and search: --loads loads of /contacts (navigation start -> first card; goto() ->
   card visible); search typed TYPE_DELAY_MS per key, last keystroke -> exactly the matching cards
   (the input is debounced SEARCH_DEBOUNCE_MS: raw and raw - debounce are printed); queries: a
   name, and for the large tenant a unique one (the email up to '@').
4. open windows: --windows light clients of the large tenant on /contacts; 1 in PAGE_ONE_SHARE
   stays on page 1 (shows contact X), the others move (next pages, searches not matching X, their
   page 2, badge filters). Then --rounds changes on X: time until each page-1 client has X's new
   badge, and ContactsState deltas to the others (should be none). --feed-rounds more changes
   while /api/v1/health is read back to back give the change's batch figures (queries, windows
   held / re-read, pages re-read / patched); a single read would show an empty wake-up's batch.
5. memory: server tree RSS before and after --windows clients of each tenant: KB per open page.

Bounded: every wait has a deadline; --time-limit stops the run (SIGALRM), server stopped,
database dropped. Run: `source scripts/env.sh && python bench/contacts_scale.py [--quick]
[--database postgres] [--root DIR]` (--root: serve another checkout, e.g. a `git archive` of a
commit; `app` and `tests` are imported from there too). About 4-5 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ helpers, wherever we are run from

import _support as S  # noqa: E402

SMALL_CLIENT = "Globex"  # demo seed: 3 contacts
LARGE_CLIENT = "Acme"  # demo seed's 4 contacts + the volume seed
AGENT_NAME = "Outreach Agent"  # seeded for every client

DEFAULTS = {"contacts": 20_000, "tasks": 50_000, "changes": 50, "windows": 300, "rounds": 10, "feed_rounds": 4,
            "loads": 5, "searches": 4, "time_limit": 1500}
QUICK = {"contacts": 2_000, "tasks": 5_000, "changes": 10, "windows": 60, "rounds": 4, "feed_rounds": 2, "loads": 2,
         "searches": 2, "time_limit": 900}
HELP = {"contacts": "large tenant's volume contacts", "tasks": "large tenant's volume tasks",
        "changes": "part 1's assignments per tenant", "windows": "parts 4-5: light clients per tenant",
        "rounds": "part 4's changes", "feed_rounds": "part 4's extra changes read with /api/v1/health polling",
        "loads": "part 3's page loads per tenant", "searches": "part 3's searches per query kind per tenant",
        "time_limit": "seconds after which the run stops itself"}

CHANGE_INTERVAL_MS = 200  # between two commits of part 1 (assign, then its cancel, then the next assign)
SETTLE_TIMEOUT_S = 15.0  # after part 1's last commit, how long the page gets to show it
QUIET_S = 1.0  # no websocket frame for this long: the page's backlog is drained
QUIET_TIMEOUT_S = 15.0
TAIL_S = 1.0  # frames counted this long after the last change showed
CLOCK_TOLERANCE_MS = 5.0  # a DOM stamp this much before its commit still counts (clock offset)
SEARCH_DEBOUNCE_MS = 150  # app/pages/contacts.py SEARCH_DEBOUNCE_MS (keep the two equal)
TYPE_DELAY_MS = 40  # between two keystrokes: well under the debounce, as a person types
SEARCH_TIMEOUT_MS = 20_000
PAGE_ONE_SHARE = 10  # part 4: one client in this many stays on page 1 (shows X)
PAGES_SPAN = 10  # part 4: unfiltered clients spread over pages 2..PAGES_SPAN+1
CONNECT_CONCURRENCY = 25  # as bench/fanout.py
CONFIGURE_CONCURRENCY = 20  # clients moving their windows at once
LIVE_TIMEOUT_S = 120
WINDOW_TIMEOUT_S = 60  # one client's event -> its window re-read
ROUND_TIMEOUT_S = 10.0  # part 4: every page-1 client must have the change by then
ROUND_QUIET_S = 1.5  # part 4: after the last page-1 client had it, stray deltas are counted this long
ROUND_PAUSE_S = 0.5
PREFLIGHT_TIMEOUT_S = 15.0  # the first change must reach an open page within this
FEED_POLL_S = 2.0  # part 4's polled rounds: /api/v1/health read back to back this long from the commit
SETTLE_S = 3.0  # before memory readings
SIGN_INS = 10  # server-side sessions the light clients share per tenant

CARD_ANY = "[data-testid=contact-card]"
CANCEL_HEAD = 'cancel->"" p50'  # part 1's second column group: the cancel commit -> badge gone


# Part 1: when each websocket message that carries ContactsState reaches the page's JS (installed
# before the page's scripts: the socket.io client's WebSocket is this wrapper's, and the listener
# added here runs before the client's own handler).
WS_LOG_JS = r"""(() => {
  const Orig = window.WebSocket;
  if (!Orig || Orig.__bench) return;
  const log = (window.__benchWs = []);
  function Wrapped(...args) {
    const ws = new Orig(...args);
    ws.addEventListener('message', (e) => {
      if (typeof e.data === 'string' && e.data.includes('contacts_state') && log.length < 20000) {
        log.push([performance.timeOrigin + performance.now(), e.data.length]);
      }
    });
    return ws;
  }
  Wrapped.prototype = Orig.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Wrapped[k] = Orig[k];
  Wrapped.__bench = true;
  window.WebSocket = Wrapped;
})();"""

# Part 3: ms from navigation start (performance.timeOrigin) to the first contact card in the DOM.
FIRST_CARD_JS = r"""(() => {
  const s = (window.__benchNav = {firstCard: null});
  const check = () => {
    if (s.firstCard === null && document.querySelector('[data-testid=contact-card]')) {
      s.firstCard = performance.now();
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, {subtree: true, childList: true});
})();"""

# Part 3: the last keystroke in the search field, and when exactly the expected cards show.
SEARCH_JS = r"""() => {
  const s = (window.__benchSearch = {lastInput: null, found: null, target: null, expected: 0});
  const now = () => performance.timeOrigin + performance.now();
  document.addEventListener('input', (e) => {
    if (e.target && e.target.id === 'contacts-search') { s.lastInput = now(); s.found = null; }
  }, true);
  new MutationObserver(() => {
    if (s.found !== null || s.lastInput === null || s.target === null) return;
    const cards = document.querySelectorAll('[data-testid=contact-card]');
    if (cards.length !== s.expected) return;
    for (const c of cards) {
      if (c.getAttribute('data-contact-id') === String(s.target)) { s.found = now(); return; }
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
}"""


# --- the tenants -------------------------------------------------------------------------------

@dataclass
class Tenant:
    label: str  # "small" / "large"
    name: str
    email: str
    client_id: int
    agent_id: int
    contacts: int  # the tenant's contacts
    tasks: int


def tenant(label: str, name: str) -> Tenant:
    from sqlmodel import func, select

    from app.db import read_session
    from app.models import AgentTask, AIAgent, Client, Contact

    with read_session() as session:
        client_id = session.exec(select(Client.id).where(Client.name == name)).one()
        agent_id = session.exec(select(AIAgent.id).where(AIAgent.client_id == client_id,
                                                         AIAgent.name == AGENT_NAME)).one()
        contacts = session.exec(select(func.count()).select_from(Contact).where(Contact.client_id == client_id)).one()
        tasks = session.exec(select(func.count()).select_from(AgentTask).where(AgentTask.client_id == client_id)).one()
    return Tenant(label, name, f"ops@{name.lower()}.demo", client_id, agent_id, int(contacts), int(tasks))


def window_page(client_id: int, search: str = "", badge: str = "", offset: int = 0):
    """The app's own read of a /contacts window (rows and total), for expectations."""
    from app.db import read_session
    from app.views.contacts import ContactsWindow, read_contacts_page

    with read_session() as session:
        return read_contacts_page(session, ContactsWindow(client_id=client_id, search=search, badge=badge,
                                                          offset=offset))


# --- parts 1-3: Chromium --------------------------------------------------------------------------

def largest_breakdown(counter: S.FrameCounter, top: int = 3) -> list[tuple[str, int]]:
    """The largest frame's biggest state vars: (state.var, JSON bytes)."""
    text = counter.largest_payload
    try:
        _name, data = json.loads(text[text.index("["):])
    except (ValueError, TypeError):
        return []
    sizes = []
    for state, values in ((data or {}).get("delta") or {}).items():
        for var, value in values.items():
            short = f"{state.rsplit('.', 1)[-1].split('____')[-1]}.{var.removesuffix(S.VAR_SUFFIX)}"
            sizes.append((short, len(json.dumps(value, separators=(",", ":")).encode())))
    return sorted(sizes, key=lambda item: -item[1])[:top]


def open_signed_in(browser, url: str, email: str, path: str, cursor: list[int], init_script: str = ""):
    counters = []
    page = S.open_page(browser, url, email, path, init_script,
                       before_navigation=lambda p: counters.append(S.FrameCounter(p, cursor)))
    return page.context, page, counters[0]


def wait_quiet(pump, counters: list[S.FrameCounter]) -> bool:
    return S.wait_quiet(pump, counters, QUIET_S, QUIET_TIMEOUT_S)


def badge_targets(t: Tenant, count: int) -> list[int]:
    """Page 1's contacts (by name) without a badge: an assignment turns theirs to Agent Working."""
    page = window_page(t.client_id)
    free = [r.id for r in page.rows if r.id not in page.badges]
    if not free:
        raise RuntimeError(f"{t.name}: no contact without a badge on page 1")
    return free[:count]


def run_badges(t: Tenant, url: str, browser, clock: S.CommitClock, changes: int) -> dict[str, Any]:
    """Parts 1 and 2 for one tenant."""
    from app.services.auth import actor_for_email
    from app.services.tasks import assign_task, cancel_task

    actor = actor_for_email(t.email)
    cursor = [-1]
    contacts_ctx, contacts, contacts_frames = open_signed_in(browser, url, t.email, "/contacts", cursor,
                                                               WS_LOG_JS)
    dash_ctx, dashboard, dash_frames = open_signed_in(browser, url, t.email, "/", cursor)
    try:
        targets = badge_targets(t, changes)
        for contact in targets:
            contacts.wait_for_selector(f'{CARD_ANY}[data-contact-id="{contact}"]')
        shown = contacts.locator(CARD_ANY).count()
        ids = [str(c) for c in targets]
        initial = contacts.evaluate(S.BADGE_LOG_JS, ids)
        if any(initial.values()):
            raise RuntimeError(f"{t.name}: the targets must start without a badge, the page shows {initial}")
        offset = max(abs(S.clock_offset_ms(p)) for p in (contacts, dashboard))
        wait_quiet(contacts, [contacts_frames, dash_frames])
        load = S.load_now()
        for counter in (contacts_frames, dash_frames):
            counter.counting = True

        S.log(f"part 1 [{t.label}]: {changes} assignments on {len(targets)} page-1 contacts, each cancelled "
              f"{CHANGE_INTERVAL_MS} ms later")
        expected: list[dict[str, Any]] = []  # {contact, text, committed (epoch ms), step}
        start = time.monotonic()
        for i in range(changes):
            contact = targets[i % len(targets)]
            for slot, step in ((2 * i, "assign"), (2 * i + 1, "cancel")):
                delay_ms = (start + slot * CHANGE_INTERVAL_MS / 1000 - time.monotonic()) * 1000
                if delay_ms > 1:
                    contacts.wait_for_timeout(delay_ms)  # Playwright dispatches frames meanwhile
                cursor[0] = slot
                if step == "assign":
                    task_id, stamp = clock.run(assign_task, actor, contact, t.agent_id)
                    text = "Agent Working"
                else:
                    _, stamp = clock.run(cancel_task, actor, task_id)
                    text = ""
                expected.append({"contact": str(contact), "text": text, "committed": stamp, "step": step})
        last = expected[-1]
        try:
            contacts.wait_for_function(
                S.BADGE_CLEARED_JS, arg=[last["contact"], last["committed"] - CLOCK_TOLERANCE_MS], timeout=SETTLE_TIMEOUT_S * 1000)
        except Exception as error:  # noqa: BLE001 - what the page did not show counts as missed
            S.log(f"  the page did not show the last cancel: {type(error).__name__}")
        contacts.wait_for_timeout(TAIL_S * 1000)
        wait_quiet(contacts, [contacts_frames, dash_frames])
        for counter in (contacts_frames, dash_frames):
            counter.counting = False
        logs = contacts.evaluate("() => window.__benchBadges")
        ws_log = contacts.evaluate("() => window.__benchWs || []")
        load_end = S.load_now()
    finally:
        contacts_ctx.close()
        dash_ctx.close()

    # Match each commit with the first later badge change to its text on that contact; a match
    # must come before the next commit of the same step on the same contact (else: missed).
    S.set_deadlines(expected)
    latencies: dict[str, list[float]] = {"assign": [], "cancel": []}
    arrival: list[float] = []  # assign commit -> the first ContactsState message after it reaches the page
    render: list[float] = []  # that message -> the badge text in the DOM
    message_times = sorted(m[0] for m in ws_log)
    missed = {"assign": 0, "cancel": 0}
    unexpected = 0
    for contact in ids:
        hits, used = S.match_badges([x for x in expected if x["contact"] == contact], logs[contact],
                                    CLOCK_TOLERANCE_MS)
        for e, latency, _ in hits:
            if latency is None:
                missed[e["step"]] += 1
                continue
            latencies[e["step"]].append(latency)
            on_screen = e["committed"] + latency
            if e["step"] == "assign":
                message = next((m for m in message_times if m >= e["committed"] - CLOCK_TOLERANCE_MS), None)
                if message is not None and message <= on_screen + CLOCK_TOLERANCE_MS:
                    arrival.append(message - e["committed"])
                    render.append(on_screen - message)
        unexpected += used.count(False)

    commits = len(expected)
    per = {}
    for name, counter in (("contacts", contacts_frames), ("dashboard", dash_frames)):
        buckets = [counter.buckets.get(i, [0, 0, 0]) for i in range(commits)]
        sizes = [b[0] for b in buckets]
        per[name] = {"mean_bytes": statistics.mean(sizes), "max_bytes": max(sizes),
                     "median_bytes": statistics.median(sizes),
                     "mean_event_frames": statistics.mean(b[2] for b in buckets),
                     "max_event_frames": max(b[2] for b in buckets),
                     "largest_frame": counter.largest, "largest_vars": largest_breakdown(counter),
                     "total_bytes": sum(sizes),
                     "assign_mean_bytes": statistics.mean(sizes[0::2]),
                     "cancel_mean_bytes": statistics.mean(sizes[1::2])}
    return {"tenant": t.label, "contacts_shown": shown, "targets": len(targets), "changes": changes,
            "commits": commits, "assign": S.stats(latencies["assign"]), "cancel": S.stats(latencies["cancel"]),
            "arrival": S.stats(arrival), "render": S.stats(render), "contacts_messages": len(ws_log),
            "missed_assign": missed["assign"], "missed_cancel": missed["cancel"], "unexpected": unexpected,
            "clock_offset_ms": offset, "bytes": per, "load_start": load, "load_end": load_end}


def search_queries(t: Tenant, count: int) -> list[dict[str, Any]]:
    """Name queries (the tenant's first contacts by name, every one different) and, when no name
    singles a contact out, unique queries (the email up to '@'); each with its matches."""
    rows = window_page(t.client_id).rows
    queries: list[dict[str, Any]] = []
    names_seen: set[str] = set()
    for row in rows:
        if len([q for q in queries if q["kind"] == "name"]) >= count:
            break
        if row.name.lower() in names_seen:
            continue
        names_seen.add(row.name.lower())
        page = window_page(t.client_id, search=row.name)
        queries.append({"kind": "name", "text": row.name, "target": row.id, "matches": page.total,
                        "expected_cards": len(page.rows)})
    if any(q["matches"] != 1 for q in queries):
        for row in rows[:count]:
            text = row.email.split("@")[0] + "@"
            page = window_page(t.client_id, search=text)
            if page.total == 1:
                queries.append({"kind": "unique", "text": text, "target": row.id, "matches": 1, "expected_cards": 1})
    return queries


def run_loads_and_search(t: Tenant, url: str, browser, loads: int, searches: int) -> dict[str, Any]:
    """Part 3 for one tenant."""
    cursor = [-1]
    context, first, _ = open_signed_in(browser, url, t.email, "/", cursor)
    first.close()
    page = context.new_page()
    page.add_init_script(FIRST_CARD_JS)
    load = S.load_now()
    in_page: list[float] = []
    goto_visible: list[float] = []
    try:
        S.log(f"part 3 [{t.label}]: {loads} loads of /contacts, {searches} searches of each kind")
        for _ in range(loads):
            started = time.monotonic()
            page.goto(url + "/contacts", wait_until="commit")
            page.wait_for_selector(CARD_ANY, state="visible")
            goto_visible.append((time.monotonic() - started) * 1000)
            in_page.append(page.evaluate("() => window.__benchNav.firstCard"))
            page.wait_for_selector(S.FOLLOWING)
        full = min(t.contacts, 100)
        page.wait_for_function("(n) => document.querySelectorAll('[data-testid=contact-card]').length === n",
                               arg=full)
        page.evaluate(SEARCH_JS)
        field_ = page.get_by_label("Search contacts", exact=True)
        results: list[dict[str, Any]] = []
        for q in search_queries(t, searches):
            page.evaluate("(q) => { const s = window.__benchSearch; s.lastInput = null; s.found = null;"
                          " s.target = q.target; s.expected = q.expected_cards; }", q)
            field_.click()
            field_.press_sequentially(q["text"], delay=TYPE_DELAY_MS)
            try:
                page.wait_for_function("() => window.__benchSearch.found !== null", timeout=SEARCH_TIMEOUT_MS)
                marks = page.evaluate("() => ({lastInput: window.__benchSearch.lastInput,"
                                      " found: window.__benchSearch.found})")
                raw = marks["found"] - marks["lastInput"]
            except Exception as error:  # noqa: BLE001 - reported as not found
                S.log(f"  search {q['text']!r} did not show its {q['expected_cards']} card(s): {type(error).__name__}")
                raw = None
            results.append({**q, "raw_ms": raw})
            page.evaluate("() => { window.__benchSearch.target = null; }")
            field_.fill("")
            page.wait_for_function("(n) => document.querySelectorAll('[data-testid=contact-card]').length === n",
                                   arg=full, timeout=SEARCH_TIMEOUT_MS)
    finally:
        context.close()
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in ("name", "unique"):
        mine = [r for r in results if r["kind"] == kind]
        if not mine:
            continue
        raws = [r["raw_ms"] for r in mine if r["raw_ms"] is not None]
        by_kind[kind] = {"queries": [r["text"] for r in mine], "matches": [r["matches"] for r in mine],
                         "raw": S.stats(raws), "failed": len(mine) - len(raws)}
    return {"tenant": t.label, "first_card_in_page": S.stats(in_page), "goto_to_visible": S.stats(goto_visible),
            "search": by_kind, "load_start": load, "load_end": S.load_now()}


def browser_parts(args, url: str, tenants: list[Tenant], clock: S.CommitClock) -> dict[str, Any]:
    out: dict[str, Any] = {"badges": [], "loads": []}
    with S.chromium() as browser:
        for t in tenants:
            out["badges"].append(run_badges(t, url, browser, clock, args.changes))
        for t in tenants:
            out["loads"].append(run_loads_and_search(t, url, browser, args.loads, args.searches))
    return out


# --- parts 4-5: lightweight clients ------------------------------------------------------------

@dataclass(eq=False)
class ContactsClient(S.LightClient):
    """A light client on /contacts that can move its window (ContactsState's events)."""

    route: str = "/contacts"

    async def send(self, handler: str, payload: dict[str, Any]) -> None:
        from app.state.contacts import ContactsState

        await super().send(ContactsState.get_full_name(), handler, payload)

    def shows(self, search: str, badge: str, offset: int) -> bool:
        c = self.contacts
        return (c.get("loaded") is True and not c.get("reading") and c.get("search", "") == search
                and c.get("badge_filter", "") == badge and c.get("offset", 0) == offset)

    async def wait_window(self, search: str, badge: str, offset: int) -> None:
        done = await S.wait_until(lambda: self.shows(search, badge, offset) or self.disconnected, WINDOW_TIMEOUT_S)
        if not done or self.disconnected:
            raise TimeoutError(f"window ({search!r}, {badge!r}, {offset}) not shown; has "
                               f"({self.contacts.get('search')!r}, {self.contacts.get('badge_filter')!r}, "
                               f"{self.contacts.get('offset')}, reading {self.contacts.get('reading')})")

    def row_badge(self, contact_id: int) -> str | None:
        """The badge the client shows on that card (None when the card is not shown); badges
        travel apart from the cards (ContactsState.badges, only the cards that have one)."""
        if not any(row.get("id") == contact_id for row in self.contacts.get("rows") or ()):
            return None
        return (self.contacts.get("badges") or {}).get(str(contact_id), "")


def window_plans(t: Tenant, x_id: int, count: int) -> list[tuple[str, list[tuple[str, dict]], tuple[str, str, int]]]:
    """(group, events, expected window) per client: 1 in PAGE_ONE_SHARE on page 1, the others elsewhere."""
    from app.seed import volume as volume_seed
    from app.views.contacts import NO_BADGE, ContactFacts, matches_search

    x = next(r for r in window_page(t.client_id).rows if r.id == x_id)
    facts = ContactFacts(id=x.id, client_id=t.client_id, name=x.name, email=x.email, company=x.company)
    terms: list[str] = []
    for term in (*volume_seed.FIRST_NAMES, *volume_seed.LAST_NAMES, *volume_seed.COMPANIES):
        if term not in terms and not matches_search(term, facts):
            terms.append(term)
    deep = [term for term in terms if window_page(t.client_id, search=term).total > 100]  # have a page 2
    page_one = max(1, count // PAGE_ONE_SHARE)
    rest = count - page_one
    sizes = [rest // 4 + (1 if k < rest % 4 else 0) for k in range(4)]
    plans = [("page 1", [], ("", "", 0)) for _ in range(page_one)]
    badges = ["Failed", "Draft Ready", NO_BADGE]
    for j in range(sizes[0]):
        pages = 1 + j % PAGES_SPAN
        plans.append(("other page", [("next_page", {})] * pages, ("", "", 100 * pages)))
    for j in range(sizes[1]):
        term = terms[j % len(terms)]
        plans.append(("search", [("set_search", {"value": term})], (term, "", 0)))
    for j in range(sizes[2]):
        term = (deep or terms)[j % len(deep or terms)]
        plans.append(("search p2", [("set_search", {"value": term}), ("next_page", {})],
                      (term, "", 100 if deep else 0)))
    for j in range(sizes[3]):
        badge, term = badges[j % len(badges)], terms[(j // len(badges)) % len(terms)]
        plans.append(("badge+search", [("set_badge_filter", {"value": badge}), ("set_search", {"value": term})],
                      (term, badge, 0)))
    return plans


async def connect(crowd: S.Crowd, tokens: list[str], count: int) -> tuple[list[ContactsClient], list[str], float]:
    clients = crowd.clients(tokens, count)
    started = time.monotonic()
    failures = await S.connect_clients(clients, CONNECT_CONCURRENCY, LIVE_TIMEOUT_S)
    elapsed = time.monotonic() - started
    # the first window arrived (rows of page 1)
    await S.wait_until(lambda: all(c.shows("", "", 0) for c in clients if c.live.is_set()), WINDOW_TIMEOUT_S)
    return clients, failures, elapsed


async def configure(clients: list[ContactsClient], plans) -> list[str]:
    gate = asyncio.Semaphore(CONFIGURE_CONCURRENCY)
    failures: list[str] = []

    async def one(index: int, client: ContactsClient, plan) -> None:
        group, events, _final = plan
        client.plan = group
        async with gate:
            try:
                search, badge, offset = "", "", 0
                for handler, payload in events:
                    if handler == "next_page" and offset + 100 >= int(client.contacts.get("total") or 0):
                        continue  # no next page: the page would not send it (the button is disabled)
                    await client.send(handler, payload)
                    if handler == "set_search":
                        search, offset = payload["value"], 0
                    elif handler == "set_badge_filter":
                        badge, offset = payload["value"], 0
                    elif handler == "next_page":
                        offset += 100
                    await client.wait_window(search, badge, offset)
            except Exception as error:  # noqa: BLE001 - reported
                failures.append(f"{index} ({group}): {type(error).__name__}: {error}"[:240])

    await asyncio.gather(*(one(i, c, p) for i, (c, p) in enumerate(zip(clients, plans, strict=True))))
    return failures


async def poll_feed(server, api_token: str, before_batches: int, seconds: float) -> list[dict[str, Any]]:
    """/api/v1/health back to back for `seconds`: every feed snapshot of a batch that carried changes.

    Needed because the listener also runs a batch on every wake-up that finds no change (with
    windows held), and each overwrites feed.last_*: read once after the change, the figures are
    usually those of an empty batch. The change log holds only our change, so a batch with
    last_changes > 0 is the change's."""
    snapshots: dict[int, dict[str, Any]] = {}
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        hp = await asyncio.to_thread(S.health, server, api_token)
        feed = (hp or {}).get("feed") or {}
        if feed.get("batches", 0) > before_batches and feed.get("last_changes", 0) > 0:
            snapshots[feed["batches"]] = feed
    return [snapshots[k] for k in sorted(snapshots)]


async def run_rounds(server, api_token: str, clients: list[ContactsClient], t: Tenant, x_id: int,
                     rounds: int, clock: S.CommitClock, poll: bool = False, first: int = 0,
                     task_id: int | None = None) -> tuple[list[dict[str, Any]], int | None]:
    from app.services.auth import actor_for_email
    from app.services.tasks import assign_task, cancel_task

    actor = actor_for_email(t.email)
    watchers = [c for c in clients if c.plan == "page 1"]
    others = [c for c in clients if c.plan != "page 1"]
    results = []
    for r in range(first, first + rounds):
        step = "assign" if task_id is None else "cancel"
        want = "Agent Working" if step == "assign" else ""
        seen: dict[int, float] = {}
        strays: dict[int, int] = {}
        before = await asyncio.to_thread(S.health, server, api_token)

        def on_watcher(client: ContactsClient, received: float, changed: dict) -> None:
            if "contacts" in changed and id(client) not in seen and client.row_badge(x_id) == want:
                seen[id(client)] = received

        def on_other(client: ContactsClient, received: float, changed: dict) -> None:
            if "contacts" in changed:
                strays[id(client)] = strays.get(id(client), 0) + 1

        for c in watchers:
            c.watch = on_watcher
        for c in others:
            c.watch = on_other
        await asyncio.sleep(ROUND_PAUSE_S)
        load = S.load_now()
        before_batches = ((before or {}).get("feed") or {}).get("batches", 0)
        poller = (asyncio.create_task(poll_feed(server, api_token, before_batches, FEED_POLL_S))
                  if poll else None)
        if step == "assign":
            task_id, stamp = await asyncio.to_thread(clock.run, assign_task, actor, x_id, t.agent_id)
        else:
            _, stamp = await asyncio.to_thread(clock.run, cancel_task, actor, task_id)
            task_id = None
        await S.wait_until(lambda: len(seen) >= len(watchers), ROUND_TIMEOUT_S, 0.01)
        await asyncio.sleep(ROUND_QUIET_S)
        carried = await poller if poller is not None else []
        for c in clients:
            c.watch = None
        after = await asyncio.to_thread(S.health, server, api_token)
        latencies = [v * 1000 - stamp for v in seen.values()]
        feed_after = (after or {}).get("feed") or {}
        if carried:  # the change's batch(es): summed when the change took more than one
            feed = {k: sum(b.get(k, 0) for b in carried) for k in
                    ("last_changes", "last_queries", "last_windows_reread", "last_pages_reread", "last_pages_patched")}
            feed["last_windows_held"] = carried[-1].get("last_windows_held")
            feed["change_batches"] = len(carried)
        else:
            feed = {}
        result = {
            "round": r + 1, "step": step, "polled": poll, "watchers": len(watchers), "received": len(seen),
            "p50_ms": S.percentile(latencies, 50), "p99_ms": S.percentile(latencies, 99),
            "max_ms": max(latencies) if latencies else None, "latencies": latencies,
            "others": len(others), "others_with_delta": len(strays), "other_deltas": sum(strays.values()),
            "batches": feed_after.get("batches", 0) - before_batches if feed_after else None,
            "feed": feed, "load": load,
        }
        S.log(f"round {r + 1} ({step}): {len(seen)}/{len(watchers)} page-1 clients, max {S.ms(result['max_ms'])} ms;"
              f" {result['other_deltas']} contacts deltas to the others; feed {feed}")
        results.append(result)
    return results, task_id


async def light_parts(args, server, tenants: dict[str, Tenant], tokens: dict[str, list[str]],
                      api_token: str, x_id: int, clock: S.CommitClock) -> dict[str, Any]:
    out: dict[str, Any] = {"memory": {}}
    async with S.Crowd(args.root, server, ContactsClient) as crowd:
        await crowd.warm_up(tokens["large"][0], LIVE_TIMEOUT_S, SETTLE_S)

        # Part 5: the small tenant's pages, then the large tenant's, each measured as fresh growth
        # (the small ones stay connected meanwhile: memory they would free on leaving would be
        # reused by the large ones and hide their cost).
        groups_by_label: dict[str, list[ContactsClient]] = {}
        for label in ("small", "large"):
            t = tenants[label]
            before = S.sample_tree(server.process.pid)
            S.log(f"part 5 [{label}]: connecting {args.windows} clients to /contacts as {t.email}")
            group, failures, elapsed = await connect(crowd, tokens[label], args.windows)
            groups_by_label[label] = group
            live = [c for c in group if c.live.is_set() and not c.disconnected]
            await asyncio.sleep(SETTLE_S)
            connected = S.sample_tree(server.process.pid)
            out["memory"][label] = {
                "clients": len(live), "connect_failures": failures[:5], "failed": len(failures),
                "connect_s": elapsed, "before": asdict(before), "connected": asdict(connected),
                "per_page_kb": (connected.rss_bytes - before.rss_bytes) / max(1, len(live)) / 1024,
                "per_page_worker_kb": (connected.worker_rss_bytes - before.worker_rss_bytes) / max(1, len(live)) / 1024,
                "load": S.load_now()}
            S.check_alive(server, f"with {label} clients connected")

        # Part 4: the large tenant's pages move their windows; memory once more.
        t = tenants["large"]
        large = groups_by_label["large"]
        mem = out["memory"]["large"]
        plans = window_plans(t, x_id, len(large))
        S.log(f"part 4: moving {sum(1 for p in plans if p[0] != 'page 1')} windows "
              f"({len({p[2] for p in plans})} distinct windows in all)")
        started = time.monotonic()
        out["configure_failures"] = await configure(large, plans)
        out["configure_s"] = time.monotonic() - started
        await asyncio.sleep(SETTLE_S)
        moved = S.sample_tree(server.process.pid)
        live = max(1, mem["clients"])
        mem["moved"] = asdict(moved)
        mem["per_page_moved_kb"] = (moved.rss_bytes - mem["before"]["rss_bytes"]) / live / 1024
        mem["per_page_moved_worker_kb"] = (moved.worker_rss_bytes - mem["before"]["worker_rss_bytes"]) / live / 1024
        groups: dict[str, dict[str, Any]] = {}
        for c, (group_name, _events, window) in zip(large, plans, strict=True):
            g = groups.setdefault(group_name, {"clients": 0, "show_x": 0, "on_window": 0, "windows": set()})
            g["clients"] += 1
            g["show_x"] += c.row_badge(x_id) is not None
            g["on_window"] += c.shows(*window)
            g["windows"].add(window)
        out["groups"] = {k: {**v, "windows": len(v["windows"])} for k, v in groups.items()}
        out["distinct_windows"] = len({p[2] for p in plans})

        # Only the large tenant's pages during the rounds.
        await S.disconnect_clients(groups_by_label["small"])
        await asyncio.sleep(SETTLE_S)
        hp = await asyncio.to_thread(S.health, server, api_token)
        out["health_before_rounds"] = hp and {k: hp.get(k) for k in ("open_sessions", "open_windows")}
        timed, task_id = await run_rounds(server, api_token, large, t, x_id, args.rounds, clock)
        polled, task_id = await run_rounds(server, api_token, large, t, x_id, args.feed_rounds, clock,
                                           poll=True, first=args.rounds, task_id=task_id)
        if task_id is not None:  # leave X as it was
            from app.services.auth import actor_for_email
            from app.services.tasks import cancel_task

            await asyncio.to_thread(cancel_task, actor_for_email(t.email), task_id)
        out["rounds"] = timed + polled
        S.check_alive(server, "after the rounds")
        return out


async def preflight(args, server, t: Tenant, token: str, x_id: int, clock: S.CommitClock) -> float:
    """One change must reach one open page before anything is measured: a server whose change feed
    is not running would otherwise pass for one where nothing arrives. Returns its latency (ms)."""
    from app.services.auth import actor_for_email
    from app.services.tasks import assign_task, cancel_task

    async with S.Crowd(args.root, server, ContactsClient) as crowd:
        client = crowd.clients([token], 1)[0]
        failures = await S.connect_clients([client], 1, LIVE_TIMEOUT_S)
        if failures:
            raise RuntimeError(f"preflight: the page did not connect: {failures}")
        actor = actor_for_email(t.email)
        task_id, stamp = await asyncio.to_thread(clock.run, assign_task, actor, x_id, t.agent_id)
        await S.wait_until(lambda: client.row_badge(x_id) == "Agent Working", PREFLIGHT_TIMEOUT_S)
        arrived = time.time()
        await asyncio.to_thread(cancel_task, actor, task_id)
        if client.row_badge(x_id) != "Agent Working":
            problems = S.server_log_problems(server.log_text())
            raise RuntimeError(
                f"preflight: a task assigned on contact {x_id} did not reach an open /contacts page in "
                f"{PREFLIGHT_TIMEOUT_S:g} s: the server's change feed is not delivering. Server log errors: "
                + " | ".join(problems["first"]))
        return arrived * 1000 - stamp


# --- the run -----------------------------------------------------------------------------------

def run(args) -> dict[str, Any]:
    from app.seed.volume import seed_volume

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="beacon-contacts-scale-") as tmp, \
            S.bench_database(args.database, Path(tmp)) as url:
        S.log(f"seeding {LARGE_CLIENT} with {args.contacts} contacts and {args.tasks} tasks")
        out["seed_seconds"] = seed_volume(LARGE_CLIENT, args.contacts, args.tasks).seconds
        tenants = {"small": tenant("small", SMALL_CLIENT), "large": tenant("large", LARGE_CLIENT)}
        out["tenants"] = {k: asdict(v) for k, v in tenants.items()}
        tokens = {label: S.sign_in_tokens(SIGN_INS, t.email) for label, t in tenants.items()}
        api_token = S.admin_api_token()
        x_id = badge_targets(tenants["large"], 1)[0]
        clock = S.CommitClock()
        try:
            with S.served(args.root, Path(tmp), url, drop_env=("REFLEX_REDIS_URL", "GRANIAN_WORKERS")) as server:
                out["preflight_ms"] = asyncio.run(preflight(args, server, tenants["large"], tokens["large"][0],
                                                            x_id, clock))
                S.log(f"preflight: a change reached an open page in {out['preflight_ms']:.0f} ms")
                out["browser"] = browser_parts(args, server.url, [tenants["small"], tenants["large"]], clock)
                S.check_alive(server, "after the browser parts")
                out["light"] = asyncio.run(light_parts(args, server, tenants, tokens, api_token, x_id, clock))
                S.check_alive(server, "after the light-client parts")
                out["server_processes"] = S.sample_tree(server.process.pid).processes
                out["server_log"] = S.server_log_problems(server.log_text())
        finally:
            clock.close()
    return out


# --- report ------------------------------------------------------------------------------------

f = S.ms


def kb(value: float) -> str:
    return f"{value / 1024:.1f}"


def format_report(args, facts: dict[str, Any], out: dict[str, Any]) -> str:
    tenants = out["tenants"]
    small, large = tenants["small"], tenants["large"]
    label = {"small": f"small ({small['name']})", "large": f"large ({large['name']})"}
    lines = S.facts_header("Beacon /contacts at scale: a small tenant next to a large one, one server", facts)
    lines += [
        (f"database {args.database}, 1 backend worker (REFLEX_REDIS_URL unset), server processes "
         f"{out['server_processes']}; volume seed {args.contacts} contacts / {args.tasks} tasks in "
         f"{out['seed_seconds']:.1f} s" + ("  [--quick]" if args.quick else "")),
        (f"small: {small['name']} {small['contacts']} contacts, {small['tasks']} tasks; large: {large['name']} "
         f"{large['contacts']} contacts, {large['tasks']} tasks (same database); preflight: a first change "
         f"reached an open page in {out['preflight_ms']:.0f} ms"),
        "",
        (f"1. task assigned (commit, bench process) -> card badge \"Agent Working\" in the DOM of /contacts; "
         f"1 Chromium page, {args.changes} assignments, each cancelled {CHANGE_INTERVAL_MS} ms later; ms"),
        (f"{'tenant':<16} {'cards':>5} {'contacts':>8} {'n':>4} {'p50':>7} {'p90':>7} {'p99':>7} {'max':>7} "
         f"{'missed':>6} | {CANCEL_HEAD:>14} {'p99':>7} {'max':>7} {'missed':>6} {'clock±':>6} {'load':>11}"),
    ]
    for b in out["browser"]["badges"]:
        a, c = b["assign"], b["cancel"]
        lines.append(
            f"{label[b['tenant']]:<16} {b['contacts_shown']:>5} {b['targets']:>8} {a['n']:>4} {f(a['p50']):>7} "
            f"{f(a['p90']):>7} {f(a['p99']):>7} {f(a['max']):>7} {b['missed_assign']:>6} | {f(c['p50']):>14} "
            f"{f(c['p99']):>7} {f(c['max']):>7} {b['missed_cancel']:>6} {f(b['clock_offset_ms']):>6} "
            f"{b['load_start']:>5}-{b['load_end']:<5}")
    lines.append(f"{'  split of the assign latency':<40} {'commit -> message in page JS: p50':>34} {'p90':>7} {'max':>7} | "
                 f"{'message -> badge in DOM: p50':>28} {'p90':>7} {'max':>7}")
    for b in out["browser"]["badges"]:
        a, r = b["arrival"], b["render"]
        lines.append(f"  {label[b['tenant']]:<38} {f(a['p50']):>34} {f(a['p90']):>7} {f(a['max']):>7} | "
                     f"{f(r['p50']):>28} {f(r['p90']):>7} {f(r['max']):>7}   (n {a['n']})")
    lines.append("cards: cards on the page; contacts: distinct page-1 contacts used (round-robin); unexpected badge "
                 "changes: " + ", ".join(f"{b['tenant']} {b['unexpected']}" for b in out["browser"]["badges"]))
    lines += [
        "",
        (f"2. websocket bytes received per change (commit: assign or cancel, {2 * args.changes} per tenant), "
         "during part 1"),
        (f"{'tenant':<16} {'page':<11} {'mean B':>8} {'median B':>9} {'max B':>8} {'assign B':>9} {'cancel B':>9} "
         f"{'event frames':>13} {'largest frame B':>16} {'total kB':>9}"),
    ]
    for b in out["browser"]["badges"]:
        for page, p in b["bytes"].items():
            lines.append(
                f"{label[b['tenant']]:<16} {('/contacts' if page == 'contacts' else '/ (dash)'):<11} "
                f"{p['mean_bytes']:>8.0f} {p['median_bytes']:>9.0f} {p['max_bytes']:>8.0f} "
                f"{p['assign_mean_bytes']:>9.0f} {p['cancel_mean_bytes']:>9.0f} "
                f"{p['mean_event_frames']:>6.2f} ({p['max_event_frames']} max) {p['largest_frame']:>9} "
                f"{kb(p['total_bytes']):>9}")
    for b in out["browser"]["badges"]:
        for page, p in b["bytes"].items():
            vars_ = ", ".join(f"{name} {size} B" for name, size in p["largest_vars"])
            lines.append(f"  largest frame, {label[b['tenant']]} {page}: {vars_}")
    lines.append("bytes: UTF-8 payload of every frame received (socket.io event frames and pings); event frames: "
                 "'42...' per commit, mean (max); a frame goes to the newest commit before Playwright dispatched it")
    lines += [
        "",
        f"3. /contacts, signed in: first card on screen ({args.loads} loads) and search; ms",
        (f"{'tenant':<16} {'nav start -> 1st card in DOM: median':>36} {'min':>7} {'max':>7} | "
         f"{'goto() -> card visible: median':>30} {'min':>7} {'max':>7} {'load':>11}"),
    ]
    for lo in out["browser"]["loads"]:
        a, g = lo["first_card_in_page"], lo["goto_to_visible"]
        lines.append(f"{label[lo['tenant']]:<16} {f(a['median']):>36} {f(a['min']):>7} {f(a['max']):>7} | "
                     f"{f(g['median']):>30} {f(g['min']):>7} {f(g['max']):>7} "
                     f"{lo['load_start']:>5}-{lo['load_end']:<5}")
    lines.append(f"{'tenant':<16} {'query':<7} {'matches':>9} {'n':>3} {'raw median':>11} {'min':>7} {'max':>7} "
                 f"{'- debounce median':>18} {'min':>7} {'max':>7} {'failed':>6}  typed (e.g.)")
    for lo in out["browser"]["loads"]:
        for kind, s in lo["search"].items():
            r = s["raw"]

            def minus(v: float | None) -> float | None:
                return None if v is None else v - SEARCH_DEBOUNCE_MS

            matches = sorted(set(s["matches"]))
            lines.append(
                f"{label[lo['tenant']]:<16} {kind:<7} {'/'.join(map(str, matches)):>9} {r['n']:>3} {f(r['median']):>11} "
                f"{f(r['min']):>7} {f(r['max']):>7} {f(minus(r['median'])):>18} {f(minus(r['min'])):>7} "
                f"{f(minus(r['max'])):>7} {s['failed']:>6}  {s['queries'][0]!r}")
    lines.append(f"search: last keystroke ('input' event) -> the page shows exactly the matching cards (count and the "
                 f"target); typed {TYPE_DELAY_MS} ms/key; debounce {SEARCH_DEBOUNCE_MS} ms")
    lines.append("name: the contact's name (the large tenant's volume names repeat: several matches); unique: its email "
                 "up to '@' (1 match)")

    light = out["light"]
    lines += [
        "",
        (f"4. {args.windows} open /contacts windows of the large tenant (light socket.io clients); "
         f"{light['distinct_windows']} distinct windows; moved in {light['configure_s']:.1f} s, "
         f"{len(light['configure_failures'])} failures; health: {light.get('health_before_rounds')}"),
        f"{'group':<14} {'clients':>7} {'windows':>7} {'on window':>9} {'show X':>7}",
    ]
    for g, v in light["groups"].items():
        lines.append(f"{g:<14} {v['clients']:>7} {v['windows']:>7} {v['on_window']:>9} {v['show_x']:>7}")
    for failure in light["configure_failures"][:5]:
        lines.append(f"  failure: {failure}")
    lines.append(
        f"{'round':>5} {'change':<7} {'polled':<6} {'got':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
        f"{'others w/ delta':>15} {'deltas':>6} {'batches':>7} | {'changes':>7} {'queries':>7} {'held':>5} "
        f"{'reread':>6} {'pg reread':>9} {'patched':>7} {'load':>5}")
    timed_lat: list[float] = []
    for r in light["rounds"]:
        fd = r["feed"] or {}
        if not r["polled"]:
            timed_lat += r["latencies"]

        def g(key: str) -> str:
            return str(fd.get(key, "-"))

        lines.append(
            f"{r['round']:>5} {r['step']:<7} {('yes' if r['polled'] else 'no'):<6} "
            f"{r['received']:>3}/{r['watchers']:<3} {f(r['p50_ms']):>7} "
            f"{f(r['p99_ms']):>7} {f(r['max_ms']):>7} {r['others_with_delta']:>7}/{r['others']:<7} "
            f"{r['other_deltas']:>6} {str(r['batches']):>7} | {g('last_changes'):>7} {g('last_queries'):>7} "
            f"{g('last_windows_held'):>5} {g('last_windows_reread'):>6} {g('last_pages_reread'):>9} "
            f"{g('last_pages_patched'):>7} {r['load']:>5}")
    sa = S.stats(timed_lat)
    lines.append(f"rounds not polled, page-1 clients: p50 {f(sa['p50'])} / p99 {f(sa['p99'])} / max {f(sa['max'])} ms "
                 f"over {sa['n']} deliveries")
    lines += [
        (f"got: page-1 clients holding X's new badge within {ROUND_TIMEOUT_S:g} s (commit -> delta on the socket); "
         f"others w/ delta: other clients that received any ContactsState delta (within {ROUND_QUIET_S:g} s after);"),
        ("batches: listener batches (feed.batches) from just before the change to after it; changes..patched: "
         "feed.last_* of the batch that carried the change,"),
        (f"caught by reading /api/v1/health back to back for {FEED_POLL_S:g} s from the commit (polled rounds only: "
         "the polling loads the server, so their latencies are not in the summary;"),
        ("one read after the change shows an EMPTY batch's figures: the listener runs a batch on every wake-up when "
         "windows are held, even with no change)."),
        "",
    ]
    mem = light["memory"]
    lines += [
        "",
        f"5. backend memory per open /contacts page ({args.windows} light clients per tenant)",
        (f"{'tenant':<16} {'pages':>5} {'cards':>5} {'tree RSS before MB':>18} {'after MB':>9} {'KB/page':>8} "
         f"{'worker KB/page':>14} {'after moving MB':>15} {'KB/page':>8} {'worker KB/page':>14} {'load':>5}"),
    ]
    for lab in ("small", "large"):
        m = mem[lab]
        cards = min(tenants[lab]["contacts"], 100)
        moved = m.get("moved")
        moved_mb = S.mb(moved["rss_bytes"]) if moved else "-"
        moved_kb = f"{m['per_page_moved_kb']:.0f}" if moved else "-"
        moved_worker_kb = f"{m['per_page_moved_worker_kb']:.0f}" if moved else "-"
        lines.append(
            f"{label[lab]:<16} {m['clients']:>5} {cards:>5} {S.mb(m['before']['rss_bytes']):>18} "
            f"{S.mb(m['connected']['rss_bytes']):>9} {m['per_page_kb']:>8.0f} {m['per_page_worker_kb']:>14.0f} "
            f"{moved_mb:>15} {moved_kb:>8} {moved_worker_kb:>14} {m['load']:>5}")
    lines.append("KB/page: (tree RSS after - before) / pages; the small tenant's pages stay open while the large "
                 "tenant's connect (each figure is fresh growth);")
    lines.append("after moving: the windows of part 4 in place (large only), from the same 'before'; "
                 f"failed connects: small {mem['small']['failed']}, large {mem['large']['failed']}")
    log_ = out["server_log"]
    lines += ["", (f"server log: {log_['error_lines']} error/traceback lines, "
                   f"{log_['disconnected_client_warnings']} disconnected-client warnings")]
    lines += [f"  | {line[:200]}" for line in log_["first"]]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    for name, text in HELP.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=None, help=f"{text} ({DEFAULTS[name]})")
    parser.add_argument("--quick", action="store_true", help="a small smoke run: " + ", ".join(
        f"{k} {v}" for k, v in QUICK.items()))
    S.add_common_args(parser)
    args = parser.parse_args(argv)
    for name, default in DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, QUICK[name] if args.quick else default)
    if min(args.changes, args.windows, args.rounds, args.loads, args.searches, args.time_limit) < 1:
        parser.error("--changes, --windows, --rounds, --loads, --searches and --time-limit must be at least 1")
    if args.contacts < 200:
        parser.error("--contacts must be at least 200 (the windows of part 4 need pages)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def _out_of_time(_signum, _frame) -> None:
        raise SystemExit(f"contacts_scale: --time-limit {args.time_limit} s reached")

    signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(args.time_limit)
    try:
        S.bench_main(args, run, format_report, postgres=args.database == "postgres")
    finally:
        signal.alarm(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
