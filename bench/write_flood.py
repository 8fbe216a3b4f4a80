"""One user hogs SQLite's write lock: other writers' commit wait while a client admin's script
floods page actions that write (issue 19, point 3).

`python bench/write_flood.py [--seconds 20] [--tabs 4] [--in-flight 8] [--pace-ms 100] [--workers 1]
[--json] [--root DIR]` (--root: serve another checkout, e.g. the one before the write throttle).

One server as `make run` starts it (SQLite; one backend worker, or `--workers` with Redis). The
flooder is Acme's client admin, signed in on `--tabs` tabs (raw socket.io clients, as
tests/e2e/test_write_flood.py makes them), each keeping `--in-flight` events outstanding:
cancel_task and approve/reject on Globex's task and draft, cancel_task on its own task cancelled
already, close_chat on Globex's chat, in a loop. Each is refused; before issue 19 each took
SQLite's write lock (BEGIN IMMEDIATE) before its checks; after it each is checked in a read
session and, past PAGE_ACTION's allowance, refused by the throttle before the service runs.
Meanwhile two writers commit every `--pace-ms`, alternating: the HTTP API (the platform admin
publishes Globex's status: request -> answer) and a plain service call in this process (Globex's
admin assigns, then cancels, a task: call -> return). Their times are the commit wait as each
writer sees it: the wait for the write lock plus the call's own work, which a CPU busy with the
flood slows too; the service writer's wait at BEGIN IMMEDIATE is shown apart (the lock alone).
The same writers run first for `--seconds` with nobody flooding, then for `--seconds` during the
flood.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _support as S  # noqa: E402

FLOODER = "ops@acme.demo"  # a client admin: may cancel, approve and reject (its own client's work)
VICTIM_ADMIN = "ops@globex.demo"  # the plain service writer's user
VICTIM_CLIENT = "Globex"
FLOOD_ROUTE = "/"  # the dashboard: WorkState and WorkforceState are loaded there
LINK_TIMEOUT_S = 60.0  # a tab's connect and first views on a busy 2-core machine
FLOOD_START_TIMEOUT_S = 30.0  # the first answers to the flood's events
REPLY_WAIT_S = 1.0  # a tab whose events went unanswered this long sends the next one anyway
HTTP_TIMEOUT_S = 60.0  # longer than SQLite's busy timeout (10 s): a writer's failure is the server's answer


class FloodTab:
    """One tab of the flooder's script: sends the loop's events, `in_flight` of them unanswered at most."""

    def __init__(self, client: S.LightClient, events: list[tuple[str, str, dict]], in_flight: int) -> None:
        self.client, self.events, self.in_flight = client, events, in_flight
        self.sent = self.answered = self.too_many = 0
        self.answer = asyncio.Event()
        real = client._on_event

        def on_event(data: Any) -> None:
            real(data)
            self.answered += 1
            self.too_many += "Too many changes" in str(data)
            self.answer.set()

        client.sio.on("event", on_event, namespace="/_event")

    async def flood(self, stop: asyncio.Event) -> None:
        k = 0
        while not stop.is_set() and not self.client.disconnected:
            if self.sent - self.answered >= self.in_flight:
                self.answer.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.answer.wait(), REPLY_WAIT_S)
                if self.sent - self.answered >= self.in_flight and not stop.is_set():
                    self.answered = self.sent - self.in_flight + 1  # answers lost or merged: go on
                continue
            state, handler, payload = self.events[k % len(self.events)]
            await self.client.send(state, handler, payload)
            self.sent, k = self.sent + 1, k + 1


def flood_targets() -> dict[str, int]:
    """Globex's open task, pending draft and open chat, and Acme's task cancelled already."""
    from app.services.auth import actor_for_email
    from app.services.chats import create_chat
    from app.services.tasks import cancel_task
    from tests.support.factory import one_of_each

    globex = one_of_each(VICTIM_CLIENT, instructions="flood target", note="flood target", draft_subject="flood target")
    own = one_of_each("Acme", instructions="flood own", note="flood own", draft_subject="flood own")
    cancel_task(actor_for_email(FLOODER), own["task"])
    return {"globex_task": globex["task"], "globex_draft": globex["draft"], "own_task": own["task"],
            "globex_chat": create_chat(None, VICTIM_CLIENT, "flood target chat")}


def flood_events(targets: dict[str, int]) -> list[tuple[str, str, dict]]:
    from app.state.work import WorkState
    from app.state.workforce import WorkforceState

    work, workforce = WorkState.get_full_name(), WorkforceState.get_full_name()
    return [(work, "cancel_task", {"task_id": str(targets["globex_task"])}),
            (work, "approve", {"draft_id": str(targets["globex_draft"])}),
            (work, "reject", {"draft_id": str(targets["globex_draft"])}),
            (work, "cancel_task", {"task_id": str(targets["own_task"])}),
            (workforce, "close_chat", {"chat_id": str(targets["globex_chat"])})]


@contextlib.contextmanager
def lock_waits():
    """Yields a list that collects, in ms, how long each write transaction of this process waited
    at its BEGIN IMMEDIATE (app/db.py: SQLite's write lock is taken there): the wait for the lock
    alone, without the Python work of the call around it (which a busy CPU also slows)."""
    from sqlalchemy import event

    from app.db import get_engine

    engine, waits, began = get_engine(for_writes=True), [], {}

    def before(conn, _cursor, statement, *_args) -> None:
        if statement == "BEGIN IMMEDIATE":
            began[id(conn)] = time.perf_counter()

    def after(conn, _cursor, statement, *_args) -> None:
        if statement == "BEGIN IMMEDIATE" and id(conn) in began:
            waits.append((time.perf_counter() - began.pop(id(conn))) * 1000)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield waits
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


async def writers(server, api_token: str, seconds: float, pace_ms: float) -> dict[str, dict]:
    """The two writers, alternating, one commit every `pace_ms`, for `seconds`: their waits (and
    the service writer's wait for the lock alone, "lock")."""
    import httpx

    from app.services.auth import actor_for_email
    from app.services.tasks import assign_task, cancel_task
    from tests.support.factory import agent_id, contact_ids

    manager = actor_for_email(VICTIM_ADMIN)
    contact, agent = contact_ids(VICTIM_CLIENT)[-1], agent_id(VICTIM_CLIENT, "Outreach Agent")
    waits: dict[str, list[float]] = {"api": [], "service": []}
    failures: dict[str, list[str]] = {"api": [], "service": []}
    open_task: list[int] = []

    def service_write() -> None:
        if open_task:
            cancel_task(manager, open_task.pop())
        else:
            open_task.append(assign_task(manager, contact, agent))

    async with httpx.AsyncClient(base_url=server.url, timeout=HTTP_TIMEOUT_S,
                                 headers={"Authorization": f"Bearer {api_token}"}) as http, \
            contextlib.AsyncExitStack() as stack:
        waits["lock"] = stack.enter_context(lock_waits())
        failures["lock"] = []
        victim_client = S.client_id_of(VICTIM_CLIENT)
        deadline = time.monotonic() + seconds
        start = time.monotonic()
        for i in itertools.count():  # on a fixed schedule: a slow commit does not space the next ones out
            if (delay := start + i * pace_ms / 1000 - time.monotonic()) > 0:
                await asyncio.sleep(delay)
            if time.monotonic() > deadline:
                break
            which = "api" if i % 2 == 0 else "service"
            began = time.perf_counter()
            try:
                if which == "api":
                    answer = await http.post("/api/v1/system-status", json={
                        "client_id": victim_client, "status": "active", "message": f"flood bench {i}"})
                    if answer.status_code != 200:
                        raise RuntimeError(f"HTTP {answer.status_code}: {answer.text[:120]}")
                else:
                    await asyncio.to_thread(service_write)
                waits[which].append((time.perf_counter() - began) * 1000)
            except Exception as error:  # noqa: BLE001 - a writer that failed is a figure
                failures[which].append(f"{type(error).__name__}: {error}"[:160])
        if open_task:
            await asyncio.to_thread(service_write)
    return {w: {**S.stats(waits[w]), "failed": len(failures[w]), "failures": failures[w][:3]} for w in waits}


async def measure(args, server, targets: dict[str, int], tokens: list[str], api_token: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    events = flood_events(targets)
    S.log(f"writers for {args.seconds:g} s with nobody flooding")
    out["quiet"] = await writers(server, api_token, args.seconds, args.pace_ms)
    async with S.Crowd(args.root, server) as crowd:
        clients = crowd.clients(tokens, args.tabs, route=FLOOD_ROUTE)
        tabs = [FloodTab(client, events, args.in_flight) for client in clients]
        failures = await S.connect_clients(clients, args.tabs, LINK_TIMEOUT_S)
        if failures:
            raise RuntimeError(f"the flooder's tabs did not connect: {failures}")
        before = (await asyncio.to_thread(S.health, server, api_token) or {}).get("write_transactions", {})
        stop = asyncio.Event()
        flooding = [asyncio.create_task(tab.flood(stop)) for tab in tabs]
        try:
            if not await S.wait_until(lambda: all(t.answered for t in tabs), FLOOD_START_TIMEOUT_S):
                raise RuntimeError("the flood's events were never answered")
            started = time.monotonic()
            S.log(f"writers for {args.seconds:g} s during the flood "
                  f"({args.tabs} tabs, {args.in_flight} events in flight each)")
            out["flood"] = await writers(server, api_token, args.seconds, args.pace_ms)
            out["flood_seconds"] = time.monotonic() - started
        finally:
            stop.set()
            await asyncio.gather(*flooding, return_exceptions=True)
        after = (await asyncio.to_thread(S.health, server, api_token) or {}).get("write_transactions", {})
        out["flood_events"] = {"sent": sum(t.sent for t in tabs), "answered": sum(t.answered for t in tabs),
                               "too_many": sum(t.too_many for t in tabs)}
        out["flooder_write_transactions"] = ({k: after.get(k, 0) - before.get(k, 0) for k in after
                                              if k.startswith("user:")} if after else None)
    return out


def run(args) -> dict[str, Any]:
    with S.bench_database("sqlite") as (tmp, url):
        targets = flood_targets()
        tokens = S.sign_in_tokens(args.tabs, FLOODER)
        api_token = S.admin_api_token()
        flood_events(targets)  # the state classes' names, in the main thread (see _support.state_classes)
        if args.workers > 1:  # several workers share Reflex's states and the throttle's counters in Redis
            extra_env, drop_env = {"GRANIAN_WORKERS": str(args.workers), "REFLEX_REDIS_URL": args.redis_url}, ()
        else:
            extra_env, drop_env = {}, ("REFLEX_REDIS_URL", "GRANIAN_WORKERS")
        with S.served(args.root, tmp, url, extra_env, drop_env) as server:
            out = asyncio.run(measure(args, server, targets, tokens, api_token))
            S.check_alive(server, "after the flood")
            out["server_log"] = S.server_log_problems(server.log_text())
    return out


def report(args, facts: dict[str, Any], out: dict[str, Any]) -> list[str]:
    spec = "<40 >5 >9.1f >9.1f >9.1f >7 ^1 >5 >9.1f >9.1f >9.1f >7"
    label = {"api": "API publish (HTTP request -> answer)", "service": "service call (assign/cancel a task)",
             "lock": "  of which BEGIN IMMEDIATE (the lock)"}
    quiet, flood, events = out["quiet"], out["flood"], out["flood_events"]
    lines = [
        *S.facts_header("Beacon write flood: other writers' commit wait while one user floods page actions", facts),
        (f"SQLite, {args.workers} backend worker(s)"
         + (f" with REFLEX_REDIS_URL {args.redis_url}" if args.workers > 1 else "")
         + f"; flooder {FLOODER} on {args.tabs} tabs, {args.in_flight} events in flight each; "
         f"writers: one commit every {args.pace_ms:g} ms (API and service alternating), {args.seconds:g} s each phase"),
        "",
        S.row("<40 >43 ^1 >43", "commit wait, ms", "nobody flooding", "|", "during the flood"),
        S.row("<40 >5 >9 >9 >9 >7 ^1 >5 >9 >9 >9 >7", "writer", "n", "p50", "p99", "max", "failed", "|",
              "n", "p50", "p99", "max", "failed"),
        *(S.row(spec, label[w], quiet[w]["n"], quiet[w]["p50"], quiet[w]["p99"], quiet[w]["max"], quiet[w]["failed"],
                "|", flood[w]["n"], flood[w]["p50"], flood[w]["p99"], flood[w]["max"], flood[w]["failed"])
          for w in ("api", "service", "lock")),
        *(f"  {w} failure: {f}" for w in ("api", "service") for f in flood[w]["failures"]),
        "",
        (f"flood: {events['sent']} events sent in {out['flood_seconds']:.1f} s "
         f"({events['sent'] / out['flood_seconds']:.0f}/s), "
         f"{events['answered']} answers, {events['too_many']} of them \"Too many changes\""),
        ("write transactions the server opened per page user during the flood (health): "
         + (str(out["flooder_write_transactions"]) if out["flooder_write_transactions"] is not None
            else "not counted by this checkout") + (" (the worker that answered only)" if args.workers > 1 else "")),
        *S.log_report(out["server_log"]),
    ]
    return lines


if __name__ == "__main__":
    S.main(S.parser(__doc__, ("--seconds", float, 20.0, "each phase's length"),
                    ("--tabs", int, 4, "the flooder's websockets"),
                    ("--in-flight", int, 8, "events each tab keeps unanswered"),
                    ("--pace-ms", float, 100.0, "between two writers' commits"),
                    ("--workers", int, 1, "GRANIAN_WORKERS (more than 1: with Redis, as the README requires)"),
                    ("--redis-url", str, "redis://127.0.0.1:6379", "REFLEX_REDIS_URL when --workers > 1")),
           run, report, "tabs", "in_flight", "workers")
