"""/contacts at scale: a SMALL tenant (Globex) next to a LARGE one (Acme + `beacon seed volume`), one server.

Parts: 1 commit -> badge, 2 bytes per change, 3 first cards and search (Chromium); 4 open windows
and 5 memory per page (light clients). `python bench/contacts_scale.py [--quick]
[--database postgres] [--root DIR]` (--root: serve another checkout). About 4-5 minutes on 2 cores.
"""

from __future__ import annotations

import asyncio
import json
import signal
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _support as S  # noqa: E402

SMALL_CLIENT, LARGE_CLIENT = "Globex", "Acme"  # demo seed: 3 contacts; 4 + the volume seed
AGENT_NAME = "Outreach Agent"  # seeded for every client
OPTIONS = {  # name: (default, --quick, help)
    "contacts": (20_000, 2_000, "large tenant's volume contacts"),
    "tasks": (50_000, 5_000, "large tenant's volume tasks"),
    "changes": (50, 10, "part 1's assignments per tenant"), "windows": (300, 60, "parts 4-5: light clients per tenant"),
    "rounds": (10, 4, "part 4's changes"),
    "feed_rounds": (4, 2, "part 4's extra changes read with /api/v1/health polling"),
    "loads": (5, 2, "part 3's page loads per tenant"),
    "searches": (4, 2, "part 3's searches per query kind per tenant"),
    "time_limit": (1500, 900, "seconds after which the run stops itself")}
CHANGE_INTERVAL_MS = 200  # between two commits of part 1 (assign, then its cancel, then the next assign)
SETTLE_TIMEOUT_S = 15.0  # after part 1's last commit, how long the page gets to show it
QUIET_S, QUIET_TIMEOUT_S = 1.0, 15.0  # no websocket frame for QUIET_S: the page's backlog is drained
TAIL_S = 1.0  # frames counted this long after the last change showed
SEARCH_DEBOUNCE_MS = 150  # app/pages/contacts.py SEARCH_DEBOUNCE_MS (keep the two equal)
TYPE_DELAY_MS = 40  # between two keystrokes: well under the debounce, as a person types
SEARCH_TIMEOUT_MS = 20_000
PAGE_ONE_SHARE = 10  # part 4: one client in this many stays on page 1 (shows X)
PAGES_SPAN = 10  # part 4: unfiltered clients spread over pages 2..PAGES_SPAN+1
CONNECT_CONCURRENCY, CONFIGURE_CONCURRENCY = 25, 20
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
CARDS_ARE_JS = "(n) => document.querySelectorAll('[data-testid=contact-card]').length === n"

# Part 1: when each message carrying ContactsState reaches the page's JS (wraps WebSocket before the page's scripts).
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
  const observer = new MutationObserver(() => {
    if (s.firstCard === null && document.querySelector('[data-testid=contact-card]')) {
      s.firstCard = performance.now();
      observer.disconnect();
    }
  });
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


@dataclass
class Tenant:
    label: str  # "small" / "large"
    name: str
    email: str
    client_id: int
    agent_id: int
    contacts: int
    tasks: int


def tenant(label: str, name: str) -> Tenant:
    from sqlmodel import func, select

    from app.db import read_session
    from app.models import AgentTask, AIAgent, Contact

    client_id = S.client_id_of(name)
    with read_session() as session:
        agent_id = session.exec(select(AIAgent.id).where(AIAgent.client_id == client_id,
                                                         AIAgent.name == AGENT_NAME)).one()
        contacts, tasks = (session.exec(select(func.count()).select_from(m).where(m.client_id == client_id)).one()
                           for m in (Contact, AgentTask))
    return Tenant(label, name, f"ops@{name.lower()}.demo", client_id, agent_id, int(contacts), int(tasks))


def window_page(client_id: int, search: str = "", badge: str = "", offset: int = 0):
    """The app's own read of a /contacts window (rows and total), for expectations."""
    from app.db import read_session
    from app.views.contacts import ContactsWindow, read_contacts_page

    with read_session() as session:
        return read_contacts_page(session, ContactsWindow(client_id=client_id, search=search, badge=badge,
                                                          offset=offset))


def badge_targets(t: Tenant, count: int) -> list[int]:
    """Page 1's contacts (by name) without a badge: an assignment turns theirs to Agent Working."""
    page = window_page(t.client_id)
    if not (free := [r.id for r in page.rows if r.id not in page.badges]):
        raise RuntimeError(f"{t.name}: no contact without a badge on page 1")
    return free[:count]


# --- parts 1-3: Chromium --------------------------------------------------------------------------

def largest_breakdown(counter: S.FrameCounter, top: int = 3) -> list[tuple[str, int]]:
    """The largest frame's biggest state vars: (state.var, JSON bytes)."""
    text = counter.largest_payload
    try:
        _name, data = json.loads(text[text.index("["):])
    except (ValueError, TypeError):
        return []
    sizes = [(f"{state.rsplit('.', 1)[-1].split('____')[-1]}.{var.removesuffix(S.VAR_SUFFIX)}",
              len(json.dumps(value, separators=(",", ":")).encode()))
             for state, values in ((data or {}).get("delta") or {}).items() for var, value in values.items()]
    return sorted(sizes, key=lambda item: -item[1])[:top]


def run_badges(t: Tenant, url: str, browser, clock: S.CommitClock, changes: int) -> dict[str, Any]:
    """Parts 1 and 2 for one tenant: assignments on page-1 contacts, each cancelled soon after."""
    from app.services.auth import actor_for_email
    from app.services.tasks import assign_task, cancel_task

    actor, cursor = actor_for_email(t.email), [-1]
    contacts, contacts_frames = S.open_page(browser, url, t.email, "/contacts", WS_LOG_JS, cursor, frames=True)
    dashboard, dash_frames = S.open_page(browser, url, t.email, "/", cursor=cursor, frames=True)
    counters = [contacts_frames, dash_frames]
    try:
        targets = badge_targets(t, changes)
        for contact in targets:
            contacts.wait_for_selector(f'{CARD_ANY}[data-contact-id="{contact}"]')
        shown = contacts.locator(CARD_ANY).count()
        if any((initial := S.watch_badges(contacts, [str(c) for c in targets])).values()):
            raise RuntimeError(f"{t.name}: the targets must start without a badge, the page shows {initial}")
        offset = max(abs(S.clock_offset_ms(p)) for p in (contacts, dashboard))
        S.wait_quiet(contacts, counters, QUIET_S, QUIET_TIMEOUT_S)
        load = S.load_now()
        for counter in counters:
            counter.counting = True
        S.log(f"part 1 [{t.label}]: {changes} assignments on {len(targets)} page-1 contacts, each cancelled later")
        expected: list[dict[str, Any]] = []
        tick = S.paced(CHANGE_INTERVAL_MS / 1000, lambda s: contacts.wait_for_timeout(s * 1000))  # frames dispatched
        for slot in range(2 * changes):
            contact = targets[slot // 2 % len(targets)]
            cursor[0] = next(tick)
            if slot % 2 == 0:
                task_id, stamp = clock.run(assign_task, actor, contact, t.agent_id)
            else:
                _, stamp = clock.run(cancel_task, actor, task_id)
            expected.append({"contact": str(contact), "text": "" if slot % 2 else "Agent Working",
                             "committed": stamp, "step": "cancel" if slot % 2 else "assign"})
        hits = list(S.badge_latencies([contacts], expected, SETTLE_TIMEOUT_S))
        contacts.wait_for_timeout(TAIL_S * 1000)
        S.wait_quiet(contacts, counters, QUIET_S, QUIET_TIMEOUT_S)
        for counter in counters:
            counter.counting = False
        ws_log = contacts.evaluate("() => window.__benchWs || []")
        load_end = S.load_now()
    finally:
        contacts.context.close()
        dashboard.context.close()

    latencies: dict[str, list[float]] = {"assign": [], "cancel": []}
    missed = {"assign": 0, "cancel": 0}
    arrival: list[float] = []  # assign commit -> the first ContactsState message after it reaches the page
    render: list[float] = []  # that message -> the badge text in the DOM
    message_times = sorted(m[0] for m in ws_log)
    for _page, e, latency in hits[:-1]:
        if latency is None:
            missed[e["step"]] += 1
            continue
        latencies[e["step"]].append(latency)
        on_screen = e["committed"] + latency
        if e["step"] == "assign":
            message = next((m for m in message_times if m >= e["committed"] - S.CLOCK_TOLERANCE_MS), None)
            if message is not None and message <= on_screen + S.CLOCK_TOLERANCE_MS:
                arrival.append(message - e["committed"])
                render.append(on_screen - message)
    per = {}
    for name, counter in (("contacts", contacts_frames), ("dashboard", dash_frames)):
        buckets = [counter.buckets.get(i, [0, 0, 0]) for i in range(len(expected))]
        sizes = [b[0] for b in buckets]
        per[name] = {"mean_bytes": statistics.mean(sizes), "max_bytes": max(sizes),
                     "median_bytes": statistics.median(sizes),
                     "mean_event_frames": statistics.mean(b[2] for b in buckets),
                     "max_event_frames": max(b[2] for b in buckets), "largest_frame": counter.largest,
                     "largest_vars": largest_breakdown(counter), "total_bytes": sum(sizes),
                     "assign_mean_bytes": statistics.mean(sizes[0::2]),
                     "cancel_mean_bytes": statistics.mean(sizes[1::2])}
    return {"tenant": t.label, "contacts_shown": shown, "targets": len(targets), "changes": changes,
            "commits": len(expected), "assign": S.stats(latencies["assign"]), "cancel": S.stats(latencies["cancel"]),
            "arrival": S.stats(arrival), "render": S.stats(render), "contacts_messages": len(ws_log),
            "missed_assign": missed["assign"], "missed_cancel": missed["cancel"], "unexpected": hits[-1][1],
            "clock_offset_ms": offset, "bytes": per, "load_start": load, "load_end": load_end}


def search_queries(t: Tenant, count: int) -> list[dict[str, Any]]:
    """Name queries (the first contacts by name, each different) and, when no name singles a
    contact out, unique queries (the email up to '@'); each with its matches."""
    rows = window_page(t.client_id).rows
    queries: list[dict[str, Any]] = []
    for row in rows:
        if len(queries) >= count:
            break
        if row.name.lower() not in {q["text"].lower() for q in queries}:
            page = window_page(t.client_id, search=row.name)
            queries.append({"kind": "name", "text": row.name, "target": row.id, "matches": page.total,
                            "expected_cards": len(page.rows)})
    if any(q["matches"] != 1 for q in queries):
        for row in rows[:count]:
            text = row.email.split("@")[0] + "@"
            if window_page(t.client_id, search=text).total == 1:
                queries.append({"kind": "unique", "text": text, "target": row.id, "matches": 1, "expected_cards": 1})
    return queries


def run_loads_and_search(t: Tenant, url: str, browser, loads: int, searches: int) -> dict[str, Any]:
    """Part 3 for one tenant."""
    first = S.open_page(browser, url, t.email)
    first.close()
    page = first.context.new_page()
    page.add_init_script(FIRST_CARD_JS)
    load, in_page, goto_visible, results = S.load_now(), [], [], []
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
        page.wait_for_function(CARDS_ARE_JS, arg=full)
        page.evaluate(SEARCH_JS)
        field_ = page.get_by_label("Search contacts", exact=True)
        for q in search_queries(t, searches):
            page.evaluate("(q) => { const s = window.__benchSearch; s.lastInput = null; s.found = null;"
                          " s.target = q.target; s.expected = q.expected_cards; }", q)
            field_.click()
            field_.press_sequentially(q["text"], delay=TYPE_DELAY_MS)
            try:
                page.wait_for_function("() => window.__benchSearch.found !== null", timeout=SEARCH_TIMEOUT_MS)
                raw = page.evaluate("() => window.__benchSearch.found - window.__benchSearch.lastInput")
            except Exception as error:  # noqa: BLE001 - reported as not found
                S.log(f"  search {q['text']!r} did not show its {q['expected_cards']} card(s): {type(error).__name__}")
                raw = None
            results.append({**q, "raw_ms": raw})
            page.evaluate("() => { window.__benchSearch.target = null; }")
            field_.fill("")
            page.wait_for_function(CARDS_ARE_JS, arg=full, timeout=SEARCH_TIMEOUT_MS)
    finally:
        page.context.close()
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in ("name", "unique"):
        if mine := [r for r in results if r["kind"] == kind]:
            raws = [r["raw_ms"] for r in mine if r["raw_ms"] is not None]
            by_kind[kind] = {"queries": [r["text"] for r in mine], "matches": [r["matches"] for r in mine],
                             "raw": S.stats(raws), "failed": len(mine) - len(raws)}
    return {"tenant": t.label, "first_card_in_page": S.stats(in_page), "goto_to_visible": S.stats(goto_visible),
            "search": by_kind, "load_start": load, "load_end": S.load_now()}


# --- parts 4-5: lightweight clients ------------------------------------------------------------

@dataclass(eq=False)
class ContactsClient(S.LightClient):
    """A light client on /contacts that can move its window (ContactsState's events)."""

    route: str = "/contacts"

    async def send(self, handler: str, payload: dict[str, Any]) -> None:
        await super().send(S.state_classes()["contacts"].get_full_name(), handler, payload)

    def shows(self, search: str, badge: str, offset: int) -> bool:
        c = self.contacts
        return (c.get("loaded") is True and not c.get("reading") and c.get("search", "") == search
                and c.get("badge_filter", "") == badge and c.get("offset", 0) == offset)

    async def wait_window(self, search: str, badge: str, offset: int) -> None:
        done = await S.wait_until(lambda: self.shows(search, badge, offset) or self.disconnected, WINDOW_TIMEOUT_S)
        if not done or self.disconnected:
            c = self.contacts
            raise TimeoutError(f"window ({search!r}, {badge!r}, {offset}) not shown; has ({c.get('search')!r}, "
                               f"{c.get('badge_filter')!r}, {c.get('offset')}, reading {c.get('reading')})")

    def row_badge(self, contact_id: int) -> str | None:
        """The badge shown on that card ("" none), None when the card is not shown."""
        if not any(row.get("id") == contact_id for row in self.contacts.get("rows") or ()):
            return None
        return (self.contacts.get("badges") or {}).get(str(contact_id), "")


def window_plans(t: Tenant, x_id: int, count: int) -> list[tuple[str, list[tuple[str, dict]], tuple[str, str, int]]]:
    """(group, events, expected window) per client: 1 in PAGE_ONE_SHARE on page 1, the others elsewhere."""
    from app.seed import volume as volume_seed
    from app.views.contacts import NO_BADGE, ContactFacts, matches_search

    x = next(r for r in window_page(t.client_id).rows if r.id == x_id)
    facts = ContactFacts(id=x.id, client_id=t.client_id, name=x.name, email=x.email, company=x.company)
    terms = list(dict.fromkeys(term for term in (*volume_seed.FIRST_NAMES, *volume_seed.LAST_NAMES,
                                                 *volume_seed.COMPANIES) if not matches_search(term, facts)))
    deep = [term for term in terms if window_page(t.client_id, search=term).total > 100] or None  # have a page 2
    page_one = max(1, count // PAGE_ONE_SHARE)
    rest = count - page_one
    sizes = [rest // 4 + (1 if k < rest % 4 else 0) for k in range(4)]
    badges = ["Failed", "Draft Ready", NO_BADGE]
    return [
        *(("page 1", [], ("", "", 0)) for _ in range(page_one)),
        *(("other page", [("next_page", {})] * (1 + j % PAGES_SPAN), ("", "", 100 * (1 + j % PAGES_SPAN)))
          for j in range(sizes[0])),
        *(("search", [("set_search", {"value": terms[j % len(terms)]})], (terms[j % len(terms)], "", 0))
          for j in range(sizes[1])),
        *(("search p2", [("set_search", {"value": term}), ("next_page", {})], (term, "", 100 if deep else 0))
          for term in ((deep or terms)[j % len(deep or terms)] for j in range(sizes[2]))),
        *(("badge+search", [("set_badge_filter", {"value": badge}), ("set_search", {"value": term})], (term, badge, 0))
          for badge, term in ((badges[j % 3], terms[(j // 3) % len(terms)]) for j in range(sizes[3])))]


async def configure(clients: list[ContactsClient], plans) -> list[str]:
    """Each client sends its plan's events as the page would, waiting for each window."""
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
                    else:
                        offset += 100
                    await client.wait_window(search, badge, offset)
            except Exception as error:  # noqa: BLE001 - reported
                failures.append(f"{index} ({group}): {type(error).__name__}: {error}"[:240])

    await asyncio.gather(*(one(i, c, p) for i, (c, p) in enumerate(zip(clients, plans, strict=True))))
    return failures


async def poll_feed(server, api_token: str, before_batches: int, seconds: float) -> list[dict[str, Any]]:
    """/api/v1/health back to back: every feed snapshot of a batch that carried changes (the listener
    also runs empty batches, each overwriting feed.last_*; the log holds only our change)."""
    snapshots: dict[int, dict[str, Any]] = {}
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        feed = ((await asyncio.to_thread(S.health, server, api_token)) or {}).get("feed") or {}
        if feed.get("batches", 0) > before_batches and feed.get("last_changes", 0) > 0:
            snapshots[feed["batches"]] = feed
    return [snapshots[k] for k in sorted(snapshots)]


async def run_rounds(server, api_token: str, clients: list[ContactsClient], t: Tenant, x_id: int,
                     rounds: int, clock: S.CommitClock, poll: bool = False, first: int = 0,
                     task_id: int | None = None) -> tuple[list[dict[str, Any]], int | None]:
    """Changes on X (assign, cancel, ...): page-1 clients must get them, the others nothing."""
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

        def on_watcher(client: ContactsClient, received: float, changed: dict,
                       seen: dict[int, float] = seen, want: str = want) -> None:
            if "contacts" in changed and id(client) not in seen and client.row_badge(x_id) == want:
                seen[id(client)] = received

        def on_other(client: ContactsClient, received: float, changed: dict, strays: dict[int, int] = strays) -> None:
            if "contacts" in changed:
                strays[id(client)] = strays.get(id(client), 0) + 1

        for c in clients:
            c.watch = on_watcher if c.plan == "page 1" else on_other
        await asyncio.sleep(ROUND_PAUSE_S)
        load = S.load_now()
        before_batches = ((before or {}).get("feed") or {}).get("batches", 0)
        poller = asyncio.create_task(poll_feed(server, api_token, before_batches, FEED_POLL_S)) if poll else None
        if step == "assign":
            task_id, stamp = await asyncio.to_thread(clock.run, assign_task, actor, x_id, t.agent_id)
        else:
            (_, stamp), task_id = await asyncio.to_thread(clock.run, cancel_task, actor, task_id), None
        await S.wait_until(lambda seen=seen: len(seen) >= len(watchers), ROUND_TIMEOUT_S, 0.01)
        await asyncio.sleep(ROUND_QUIET_S)
        carried = await poller if poller is not None else []
        for c in clients:
            c.watch = None
        feed_after = ((await asyncio.to_thread(S.health, server, api_token)) or {}).get("feed") or {}
        latencies = [v * 1000 - stamp for v in seen.values()]
        feed = {}
        if carried:  # the change's batch(es): summed when the change took more than one
            feed = {k: sum(b.get(k, 0) for b in carried) for k in
                    ("last_changes", "last_queries", "last_windows_reread", "last_pages_reread", "last_pages_patched")}
            feed |= {"last_windows_held": carried[-1].get("last_windows_held"), "change_batches": len(carried)}
        results.append({
            "round": r + 1, "step": step, "polled": poll, "watchers": len(watchers), "received": len(seen),
            "p50_ms": S.percentile(latencies, 50), "p99_ms": S.percentile(latencies, 99),
            "max_ms": max(latencies, default=None), "latencies": latencies,
            "others": len(others), "others_with_delta": len(strays), "other_deltas": sum(strays.values()),
            "batches": feed_after.get("batches", 0) - before_batches if feed_after else None,
            "feed": feed, "load": load})
        S.log(f"round {r + 1} ({step}): {len(seen)}/{len(watchers)} page-1 clients; feed {feed}")
    return results, task_id


async def light_parts(args, server, tenants: dict[str, Tenant], tokens: dict[str, list[str]],
                      api_token: str, x_id: int, clock: S.CommitClock) -> dict[str, Any]:
    out: dict[str, Any] = {"memory": {}}
    async with S.Crowd(args.root, server, ContactsClient) as crowd:
        await crowd.warm_up(tokens["large"][0], LIVE_TIMEOUT_S, SETTLE_S)
        # Part 5: the small tenant's pages, then the large tenant's, each measured as fresh growth
        # (the small ones stay: memory they freed would be reused by the large ones and hide their cost).
        groups: dict[str, list[ContactsClient]] = {}
        for label in ("small", "large"):
            before = S.sample_tree(server.process.pid)
            S.log(f"part 5 [{label}]: connecting {args.windows} clients to /contacts")
            group, failures, elapsed = await crowd.connect(tokens[label], args.windows, CONNECT_CONCURRENCY,
                                                           LIVE_TIMEOUT_S)
            await S.wait_until(lambda group=group: all(c.shows("", "", 0) for c in group if c.live.is_set()),
                               WINDOW_TIMEOUT_S)
            groups[label] = group
            live = [c for c in group if c.live.is_set() and not c.disconnected]
            await asyncio.sleep(SETTLE_S)
            connected = S.sample_tree(server.process.pid)
            kb, worker_kb = S.memory_growth(before, connected, len(live))
            out["memory"][label] = {
                "clients": len(live), "connect_failures": failures[:5], "failed": len(failures), "connect_s": elapsed,
                "before": before, "connected": connected, "per_page_kb": kb, "per_page_worker_kb": worker_kb,
                "load": S.load_now()}
            S.check_alive(server, f"with {label} clients connected")

        # Part 4: the large tenant's pages move their windows; memory once more.
        t, large, mem = tenants["large"], groups["large"], out["memory"]["large"]
        plans = window_plans(t, x_id, len(large))
        started = time.monotonic()
        out["configure_failures"] = await configure(large, plans)
        out["configure_s"] = time.monotonic() - started
        await asyncio.sleep(SETTLE_S)
        mem["moved"] = S.sample_tree(server.process.pid)
        mem["per_page_moved_kb"], mem["per_page_moved_worker_kb"] = S.memory_growth(mem["before"], mem["moved"],
                                                                                  mem["clients"])
        out["groups"] = {}
        for c, (group_name, _events, window) in zip(large, plans, strict=True):
            g = out["groups"].setdefault(group_name, {"clients": 0, "show_x": 0, "on_window": 0, "windows": set()})
            g["clients"] += 1
            g["show_x"] += c.row_badge(x_id) is not None
            g["on_window"] += c.shows(*window)
            g["windows"].add(window)
        out["groups"] = {k: {**v, "windows": len(v["windows"])} for k, v in out["groups"].items()}
        out["distinct_windows"] = len({p[2] for p in plans})

        await S.disconnect_clients(groups["small"])  # only the large tenant's pages during the rounds
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
    """One change must reach one open page first (a dead change feed would pass for a quiet one); its ms."""
    from app.services.auth import actor_for_email
    from app.services.tasks import assign_task, cancel_task

    async with S.Crowd(args.root, server, ContactsClient) as crowd:
        (client,), failures, _ = await crowd.connect([token], 1, 1, LIVE_TIMEOUT_S)
        if failures:
            raise RuntimeError(f"preflight: the page did not connect: {failures}")
        actor = actor_for_email(t.email)
        task_id, stamp = await asyncio.to_thread(clock.run, assign_task, actor, x_id, t.agent_id)
        await S.wait_until(lambda: client.row_badge(x_id) == "Agent Working", PREFLIGHT_TIMEOUT_S)
        arrived = time.time()
        await asyncio.to_thread(cancel_task, actor, task_id)
        if client.row_badge(x_id) != "Agent Working":
            raise RuntimeError(f"preflight: a task assigned on contact {x_id} did not reach an open /contacts page in "
                               f"{PREFLIGHT_TIMEOUT_S:g} s: the change feed is not delivering. Server log errors: "
                               + " | ".join(S.server_log_problems(server.log_text())["first"]))
        return arrived * 1000 - stamp


def run(args) -> dict[str, Any]:
    from app.seed.volume import seed_volume

    out: dict[str, Any] = {}
    with S.bench_database(args.database) as (tmp, url), S.CommitClock() as clock:
        S.log(f"seeding {LARGE_CLIENT} with {args.contacts} contacts and {args.tasks} tasks")
        out["seed_seconds"] = seed_volume(LARGE_CLIENT, args.contacts, args.tasks).seconds
        tenants = {"small": tenant("small", SMALL_CLIENT), "large": tenant("large", LARGE_CLIENT)}
        out["tenants"] = {k: asdict(v) for k, v in tenants.items()}
        tokens = {label: S.sign_in_tokens(SIGN_INS, t.email) for label, t in tenants.items()}
        api_token = S.admin_api_token()
        x_id = badge_targets(tenants["large"], 1)[0]
        with S.served(args.root, tmp, url, drop_env=("REFLEX_REDIS_URL", "GRANIAN_WORKERS")) as server:
            out["preflight_ms"] = asyncio.run(
                preflight(args, server, tenants["large"], tokens["large"][0], x_id, clock))
            S.log(f"preflight: a change reached an open page in {out['preflight_ms']:.0f} ms")
            with S.chromium() as browser:
                out["browser"] = {
                    "badges": [run_badges(t, server.url, browser, clock, args.changes) for t in tenants.values()],
                    "loads": [run_loads_and_search(t, server.url, browser, args.loads, args.searches)
                              for t in tenants.values()]}
            S.check_alive(server, "after the browser parts")
            out["light"] = asyncio.run(light_parts(args, server, tenants, tokens, api_token, x_id, clock))
            S.check_alive(server, "after the light-client parts")
            out["server_processes"] = S.sample_tree(server.process.pid).processes
            out["server_log"] = S.server_log_problems(server.log_text())
    return out


def format_report(args, facts: dict[str, Any], out: dict[str, Any]) -> list[str]:
    tenants, f, row = out["tenants"], S.ms, S.row
    small, large = tenants["small"], tenants["large"]
    label = {"small": f"small ({small['name']})", "large": f"large ({large['name']})"}
    badges, loads, light = out["browser"]["badges"], out["browser"]["loads"], out["light"]
    lines = S.facts_header("Beacon /contacts at scale: a small tenant next to a large one, one server", facts) + [
        (f"database {args.database}, 1 backend worker (REFLEX_REDIS_URL unset), server processes "
         f"{out['server_processes']}; volume seed {args.contacts} contacts / {args.tasks} tasks in "
         f"{out['seed_seconds']:.1f} s" + ("  [--quick]" if args.quick else "")),
        (f"small: {small['name']} {small['contacts']} contacts, {small['tasks']} tasks; large: {large['name']} "
         f"{large['contacts']} contacts, {large['tasks']} tasks (same database); preflight: a first change "
         f"reached an open page in {out['preflight_ms']:.0f} ms"), "",
        (f"1. task assigned (commit, bench process) -> card badge \"Agent Working\" in the DOM of /contacts; "
         f"1 Chromium page, {args.changes} assignments, each cancelled {CHANGE_INTERVAL_MS} ms later; ms")]
    spec = "<16 >5 >8 >4 >7.1f >7.1f >7.1f >7.1f >6 ^1 >14.1f >7.1f >7.1f >6 >6.1f >11"
    lines.append(row(spec, "tenant", "cards", "contacts", "n", "p50", "p90", "p99", "max", "missed",
                     "|", 'cancel->"" p50', "p99", "max", "missed", "clock±", "load"))
    for b in badges:
        a, c = b["assign"], b["cancel"]
        lines.append(row(spec, label[b["tenant"]], b["contacts_shown"], b["targets"], a["n"], a["p50"], a["p90"],
                         a["p99"], a["max"], b["missed_assign"], "|", c["p50"], c["p99"], c["max"], b["missed_cancel"],
                         b["clock_offset_ms"], f"{b['load_start']}-{b['load_end']}"))
    spec = "<40 >34.1f >7.1f >7.1f ^1 >28.1f >7.1f >7.1f"
    lines.append(row(spec, "  split of the assign latency", "commit -> message in page JS: p50",
                     "p90", "max", "|", "message -> badge in DOM: p50", "p90", "max"))
    for b in badges:
        a, r = b["arrival"], b["render"]
        lines.append(row(spec, "  " + label[b["tenant"]], a["p50"], a["p90"], a["max"], "|", r["p50"], r["p90"],
                         r["max"]) + f"   (n {a['n']})")
    lines += [
        "cards: cards on the page; contacts: distinct page-1 contacts used (round-robin); unexpected badge changes: "
        + ", ".join(f"{b['tenant']} {b['unexpected']}" for b in badges), "",
        f"2. websocket bytes received per change (commit: assign or cancel, {2 * args.changes} per tenant), "
        "during part 1"]
    spec = "<16 <11 >8.0f >9.0f >8.0f >9.0f >9.0f >6.2f <7 >9 >9.1f"
    lines.append(row("<16 <11 >8 >9 >8 >9 >9 >13 >16 >9", "tenant", "page", "mean B", "median B", "max B",
                     "assign B", "cancel B", "event frames", "largest frame B", "total kB"))
    for b in badges:
        for page, p in b["bytes"].items():
            lines.append(row(spec, label[b["tenant"]], "/contacts" if page == "contacts" else "/ (dash)",
                             p["mean_bytes"], p["median_bytes"], p["max_bytes"], p["assign_mean_bytes"],
                             p["cancel_mean_bytes"], p["mean_event_frames"], f"({p['max_event_frames']} max)",
                             p["largest_frame"], p["total_bytes"] / 1024))
    lines += [f"  largest frame, {label[b['tenant']]} {page}: " + ", ".join(f"{n} {s} B" for n, s in p["largest_vars"])
              for b in badges for page, p in b["bytes"].items()]
    lines += [
        "bytes: UTF-8 payload of every frame received (socket.io event frames and pings); event frames: "
        "'42...' per commit, mean (max); a frame goes to the newest commit before Playwright dispatched it", "",
        f"3. /contacts, signed in: first card on screen ({args.loads} loads) and search; ms"]
    spec = "<16 >36.1f >7.1f >7.1f ^1 >30.1f >7.1f >7.1f >11"
    lines.append(row(spec, "tenant", "nav start -> 1st card in DOM: median", "min", "max", "|",
                     "goto() -> card visible: median", "min", "max", "load"))
    for lo in loads:
        a, g = lo["first_card_in_page"], lo["goto_to_visible"]
        lines.append(row(spec, label[lo["tenant"]], a["median"], a["min"], a["max"], "|", g["median"], g["min"],
                         g["max"], f"{lo['load_start']}-{lo['load_end']}"))
    spec = "<16 <7 >9 >3 >11.1f >7.1f >7.1f >18.1f >7.1f >7.1f >6"
    lines.append(row(spec, "tenant", "query", "matches", "n", "raw median", "min", "max",
                     "- debounce median", "min", "max", "failed") + "  typed (e.g.)")
    for lo in loads:
        for kind, s in lo["search"].items():
            r = s["raw"]
            minus = [None if r[k] is None else r[k] - SEARCH_DEBOUNCE_MS for k in ("median", "min", "max")]
            lines.append(row(spec, label[lo["tenant"]], kind, "/".join(map(str, sorted(set(s["matches"])))), r["n"],
                             r["median"], r["min"], r["max"], *minus, s["failed"]) + f"  {s['queries'][0]!r}")
    lines += [
        f"search: last keystroke ('input' event) -> the page shows exactly the matching cards (count and the "
        f"target); typed {TYPE_DELAY_MS} ms/key; debounce {SEARCH_DEBOUNCE_MS} ms",
        "name: the contact's name (the large tenant's volume names repeat: several matches); unique: its email "
        "up to '@' (1 match)", "",
        (f"4. {args.windows} open /contacts windows of the large tenant (light socket.io clients); "
         f"{light['distinct_windows']} distinct windows; moved in {light['configure_s']:.1f} s, "
         f"{len(light['configure_failures'])} failures; health: {light.get('health_before_rounds')}"),
        row("<14 >7 >7 >9 >7", "group", "clients", "windows", "on window", "show X"),
        *(row("<14 >7 >7 >9 >7", g, v["clients"], v["windows"], v["on_window"], v["show_x"])
          for g, v in light["groups"].items()),
        *(f"  failure: {failure}" for failure in light["configure_failures"][:5])]
    spec = ">5 <7 <6 >7 >7.1f >7.1f >7.1f >15 >6 >7 ^1 >7 >7 >5 >6 >9 >7 >5"
    lines.append(row(spec, "round", "change", "polled", "got", "p50 ms", "p99 ms", "max ms",
                     "others w/ delta", "deltas", "batches", "|", "changes", "queries", "held", "reread", "pg reread",
                     "patched", "load"))
    for r in light["rounds"]:
        fd = r["feed"] or {}
        lines.append(row(spec, r["round"], r["step"], "yes" if r["polled"] else "no",
                         f"{r['received']}/{r['watchers']}", r["p50_ms"], r["p99_ms"], r["max_ms"],
                         f"{r['others_with_delta']}/{r['others']}", r["other_deltas"], str(r["batches"]), "|",
                         *(str(fd.get(k, "-")) for k in ("last_changes", "last_queries", "last_windows_held",
                                                         "last_windows_reread", "last_pages_reread",
                                                         "last_pages_patched")), r["load"]))
    sa = S.stats([v for r in light["rounds"] if not r["polled"] for v in r["latencies"]])
    mem = light["memory"]
    lines += [
        f"rounds not polled, page-1 clients: p50 {f(sa['p50'])} / p99 {f(sa['p99'])} / max {f(sa['max'])} ms "
        f"over {sa['n']} deliveries",
        (f"got: page-1 clients holding X's new badge within {ROUND_TIMEOUT_S:g} s (commit -> delta on the socket); "
         f"others w/ delta: other clients that received any ContactsState delta (within {ROUND_QUIET_S:g} s after);"),
        ("batches: listener batches (feed.batches) from just before the change to after it; changes..patched: "
         "feed.last_* of the batch that carried the change,"),
        (f"caught by reading /api/v1/health back to back for {FEED_POLL_S:g} s from the commit (polled rounds only: "
         "the polling loads the server, so their latencies are not in the summary;"),
        ("one read after the change shows an EMPTY batch's figures: the listener runs a batch on every wake-up when "
         "windows are held, even with no change)."), "", "",
        f"5. backend memory per open /contacts page ({args.windows} light clients per tenant)"]
    spec = "<16 >5 >5 >18 >9 >8.0f >14.0f >15 >8.0f >14.0f >5"
    lines.append(row(spec, "tenant", "pages", "cards", "tree RSS before MB", "after MB", "KB/page",
                     "worker KB/page", "after moving MB", "KB/page", "worker KB/page", "load"))
    for lab in ("small", "large"):
        m = mem[lab]
        moved = m.get("moved")
        lines.append(row(spec, label[lab], m["clients"], min(tenants[lab]["contacts"], 100),
                         S.mb(m["before"].rss_bytes), S.mb(m["connected"].rss_bytes), m["per_page_kb"],
                         m["per_page_worker_kb"], S.mb(moved.rss_bytes) if moved else "-", m.get("per_page_moved_kb"),
                         m.get("per_page_moved_worker_kb"), m["load"]))
    return lines + [
        "KB/page: (tree RSS after - before) / pages; the small tenant's pages stay open while the large "
        "tenant's connect (each figure is fresh growth);",
        "after moving: the windows of part 4 in place (large only), from the same 'before'; "
        f"failed connects: small {mem['small']['failed']}, large {mem['large']['failed']}", "",
        *S.log_report(out["server_log"])]


def check(p, args) -> None:
    for name, (default, quick, _text) in OPTIONS.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else default)
    S.at_least_one(p, args, "changes", "windows", "rounds", "loads", "searches", "time_limit")
    if args.contacts < 200:
        p.error("--contacts must be at least 200 (the windows of part 4 need pages)")

    def out_of_time(_signum, _frame) -> None:
        raise SystemExit(f"contacts_scale: --time-limit {args.time_limit} s reached")

    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(args.time_limit)  # the run ends with the process


if __name__ == "__main__":
    parser = S.parser(__doc__, database=True)
    for name, (default, quick, text) in OPTIONS.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, help=f"{text} ({default}; --quick {quick})")
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    S.main(parser, run, format_report, check=check)
