"""What every bench shares: the project under test, its database and server (the e2e tests' own
starter, tests/support/server.py), pages in Chromium, the lightweight client, readings
(psutil, percentiles) and the report's facts.

The lightweight client is one signed-in browser tab over Reflex's own websocket protocol, as the
compiled frontend speaks it (.web/utils/state.js `connect()`, context.jsx `initialEvents()`):
socket.io on "/_event", query `token=<tab uuid>`, the `beacon_session` cookie in the websocket's
request headers, and the boot event (`<root state>.hydrate_and_load` with the route in
`router_data`) in the CONNECT auth payload; the server runs the page's on_load handlers and
pushes deltas as "event" messages `{delta: {<state full name>: {<var>_rx_state_: value}}}`. State
names come from the state classes (`get_full_name()`), schema and hashes from `<root>/.web`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import hashlib
import importlib.metadata
import json
import math
import os
import platform
import re
import signal
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

DEFAULT_ROOT = Path(__file__).resolve().parent.parent  # the checkout this script lives in
LOG_TAIL_CHARS = 3000  # how much of the server log to show when it fails
CONNECT_TIMEOUT_S = 30  # socket.io handshake + namespace CONNECT of one client
HTTP_TIMEOUT_S = 10  # one HTTP probe (/api/v1/health)
PAGE_TIMEOUT_MS = 60_000  # sign-in and first render of one page on a busy 2-CPU machine
QUIET_POLL_MS = 100  # how often wait_quiet looks at the frame counters
CLOCK_SAMPLES = 5  # round trips per page when measuring its clock offset; the fastest one wins

VIEWER_EMAIL = "ops@acme.demo"  # seeded Acme client admin: an Acme page
PASSWORD = "beacon-demo"  # seeded demo password
ADMIN_EMAIL = "admin@beacon.demo"  # seeded platform admin: the only role that may publish
CLIENT_NAME = "Acme"  # the tenant whose pages the benches watch
SESSION_COOKIE = "beacon_session"  # the HttpOnly sign-in cookie (app/web_session.py)
VAR_SUFFIX = "_rx_state_"  # Reflex suffixes every state var name with this on the wire
LOAD_AT_START = round(os.getloadavg()[0], 2)  # others' work on the machine skews every figure here
LEAK_WARNING = "Attempting to send delta to disconnected client"  # Reflex's log line (app.py)


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def now_ms() -> float:
    return time.time() * 1000


def load_now() -> float:
    return round(os.getloadavg()[0], 2)


# --- the project under test, its database and server ---------------------------------------------

def load_project(root: Path) -> None:
    """Import `app` and `tests` from `root` (the checkout being served), not wherever pip points."""
    sys.path.insert(0, str(root))
    import app
    import tests

    for package in (app, tests):
        if not Path(package.__file__).resolve().is_relative_to(root.resolve()):
            raise RuntimeError(f"imported {package.__name__} from {package.__file__}, not from {root}")
    state_keys()  # the state classes, imported in the main thread


def app_fingerprint(root: Path) -> str:
    """A short hash of the served checkout's app/ sources: which code the figures are for."""
    digest = hashlib.sha256()
    for path in sorted((root / "app").rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@contextlib.contextmanager
def bench_database(kind: str, workdir: Path) -> Iterator[str]:
    """A migrated, demo-seeded database of the bench's own (this process's services point at it):
    SQLite in its own folder (the server watches that folder for WAL writes), or a new PostgreSQL
    database, dropped afterwards."""
    from app.config import reset_settings_cache
    from tests.conftest import create_postgres_database, drop_postgres_database, prepare_database

    url = create_postgres_database() if kind == "postgres" else f"sqlite:///{workdir / 'db' / 'beacon.db'}"
    try:
        prepare_database(url)
        yield url
    finally:
        if kind == "postgres":
            drop_postgres_database(url)
        reset_settings_cache()


@contextlib.contextmanager
def served(root: Path, workdir: Path, database_url: str, extra_env: dict[str, str] | None = None,
           drop_env: tuple[str, ...] = ()):
    """`reflex run --env prod` from `root` through the e2e tests' starter; the log's tail on failure."""
    from tests.support.server import start_server, stop_server

    log(f"starting Beacon from {root} (a cold start builds the frontend first)")
    process, server = start_server(workdir, extra_env, database_url, prepare=False, root=root, drop_env=drop_env)
    log(f"server pid {process.pid} (bench pid {os.getpid()}) up at {server.url}")
    try:
        yield server
    except BaseException:
        log(f"server log (tail):\n{server.log_text()[-LOG_TAIL_CHARS:]}")
        raise
    finally:
        stop_server(process)


def check_alive(server, when: str) -> None:
    """Raise (with the log's tail) if the server is gone: figures measured after that are void."""
    code = server.process.poll()
    if code is not None:
        raise RuntimeError(f"the Beacon server exited {when} (exit code {code}):\n"
                           f"{server.log_text()[-LOG_TAIL_CHARS:]}")


def log_report(problems: dict[str, Any], label: str = "server log") -> list[str]:
    return [f"{label}: {problems['error_lines']} error/traceback lines, "
            f"{problems['disconnected_client_warnings']} disconnected-client warnings",
            *(f"  | {line[:200]}" for line in problems["first"])]


def server_log_problems(text: str, limit: int = 8) -> dict[str, Any]:
    """Errors and tracebacks in a server log (Reflex's leak warning is counted separately)."""
    lines = text.splitlines()
    bad = [ln for ln in lines if re.search(r"Traceback|\bERROR\b|Error:|Exception|CRITICAL", ln)
           and "Node.js" not in ln]
    return {"error_lines": len(bad), "first": bad[:limit],
            "disconnected_client_warnings": sum(LEAK_WARNING in ln for ln in lines)}


def sign_in_tokens(count: int, email: str = VIEWER_EMAIL, password: str = PASSWORD) -> list[str]:
    """`count` server-side sessions for `email` (each sign-in is one argon2 check, ~50 ms)."""
    from app.services.auth import sign_in

    return [sign_in(email, password)[0] for _ in range(count)]


def client_id_of(name: str = CLIENT_NAME) -> int:
    from sqlmodel import select

    from app.db import read_session
    from app.models import Client

    with read_session() as session:
        return session.exec(select(Client.id).where(Client.name == name)).one()


def admin_api_token() -> str:
    from app.services.auth import create_api_token

    return create_api_token(ADMIN_EMAIL, name="bench")


def health(server, api_token: str) -> dict[str, Any] | None:
    """/api/v1/health of whichever worker answers (open_sessions = that worker's registry size).

    None when this checkout has no such endpoint. Each call is one write (the API token's
    last_used_at), so the benches never call it inside a measured window.
    """
    import httpx

    try:
        response = httpx.get(f"{server.url}/api/v1/health", timeout=HTTP_TIMEOUT_S,
                             headers={"Authorization": f"Bearer {api_token}"})
        return response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None


def postgres_version() -> str:
    import psycopg

    from tests.conftest import POSTGRES_ADMIN_URL

    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except psycopg.Error:
        return "?"


class CommitClock:
    """Epoch-ms stamps of this process's commits that appended to the change log."""

    def __init__(self) -> None:
        import threading

        from app.db import on_change_committed

        self.stamps: list[float] = []
        self._lock = threading.Lock()
        self._remove = on_change_committed(self._stamp)

    def _stamp(self) -> None:
        with self._lock:
            self.stamps.append(now_ms())

    def close(self) -> None:
        self._remove()

    def run(self, operation: Callable, *args) -> tuple[Any, float]:
        """One service call that must commit exactly once; returns (its result, its commit ms)."""
        before = len(self.stamps)
        result = operation(*args)
        if len(self.stamps) != before + 1:
            raise RuntimeError(f"{operation.__name__}: expected 1 commit, saw {len(self.stamps) - before}")
        return result, self.stamps[-1]


# --- readings: processes (psutil), the machine, percentiles ----------------------------------------

@dataclass
class TreeSample:
    rss_bytes: int  # sum of RSS over the server's process tree
    worker_rss_bytes: int  # sum over the leaf processes (the backend workers)
    cpu_seconds: float  # user + system CPU of the live processes of the tree
    open_files: int  # file descriptors of the workers (each websocket is one)
    threads: int  # threads of the workers
    processes: int


def sample_tree(root_pid: int) -> TreeSample:
    import psutil

    root = psutil.Process(root_pid)
    procs = [root, *root.children(recursive=True)]
    rss = cpu = 0.0
    worker_rss = fds = threads = 0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            with proc.oneshot():
                memory, times = proc.memory_info().rss, proc.cpu_times()
                rss += memory
                cpu += times.user + times.system
                if not proc.children():  # a leaf: a backend worker
                    worker_rss += memory
                    fds += proc.num_fds()
                    threads += proc.num_threads()
    return TreeSample(int(rss), worker_rss, cpu, fds, threads, len(procs))


class CpuWindow:
    """CPU seconds of the server's tree and of this process, and how busy the machine was (anyone's
    work, and what the host stole), from creation to stop()."""

    FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")

    def __init__(self, server_pid: int) -> None:
        import psutil

        self.pid, self.psutil = server_pid, psutil
        self.server, self.bench, self.host = sample_tree(server_pid).cpu_seconds, self._own(), psutil.cpu_times()

    @staticmethod
    def _own() -> float:
        times = os.times()
        return times.user + times.system

    def stop(self) -> dict[str, Any]:
        host = self.psutil.cpu_times()
        delta = {f: getattr(host, f, 0) - getattr(self.host, f, 0) for f in self.FIELDS}
        total = max(1e-9, sum(delta.values()))
        return {"server_cpu_s": sample_tree(self.pid).cpu_seconds - self.server, "bench_cpu_s": self._own() - self.bench,
                "host": {"busy_pct": 100.0 * (total - delta["idle"] - delta["iowait"]) / total,
                         "steal_pct": 100.0 * delta["steal"] / total}}


def percentile(values: list[float], p: float) -> float | None:
    """The p-th percentile (statistics.quantiles, inclusive: never beyond the extremes)."""
    if len(values) < 2:
        return values[0] if values else None
    return statistics.quantiles(values, n=100, method="inclusive")[round(p) - 1]


def stats(values: list[float]) -> dict[str, float | None]:
    return {"n": len(values), "p50": percentile(values, 50), "p90": percentile(values, 90),
            "p99": percentile(values, 99), "max": max(values, default=None), "min": min(values, default=None),
            "median": statistics.median(values) if values else None}


CALIBRATION_ROUNDS = 3  # the fastest of a few runs of the fixed workload
# What the workload took on this 2-vCPU VM with nothing else running (measured 2026-11-22): the
# host itself varies by 2x from one second to the next, so every figure here carries that spread.
CALIBRATION_IDLE_MS = "75-150 ms on this machine"
CALIBRATION_AT_START: float | None = None


def calibrate_ms() -> float:
    """Milliseconds this machine takes right now for a fixed pure-Python workload (JSON of a view
    of 250 messages, 200 times). Only for comparing runs: a slower figure means a busier host."""
    view = {"other_messages": [{"id": str(i), "type": "info", "message": f"message {i}", "scope": "Acme",
                                "expires": "", "type_label": "Info"} for i in range(250)]}
    best = math.inf
    for _ in range(CALIBRATION_ROUNDS):
        start = time.perf_counter()
        for _ in range(200):
            json.loads(json.dumps(view))
        best = min(best, time.perf_counter() - start)
    return best * 1000


def environment_facts() -> dict[str, Any]:
    def version(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "-"

    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)), "loadavg_1m_start": LOAD_AT_START,
        "calibration_ms_start": CALIBRATION_AT_START, "calibration_ms_end": round(calibrate_ms(), 1),
        "loadavg_1m": load_now(), "python": platform.python_version(),
        **{key: version(name) for key, name in (("reflex", "reflex"), ("granian", "granian"),
                                                 ("python_socketio", "python-socketio"),
                                                 ("sqlalchemy", "sqlalchemy"), ("psycopg", "psycopg"))},
    }


def facts_header(title: str, facts: dict[str, Any]) -> list[str]:
    return [
        title + (f"   [app sources {facts['app_sources']}]" if facts.get("app_sources") else ""),
        (f"date {facts['date']}   nproc {facts['nproc']}   load average (1 min) at start "
         f"{facts['loadavg_1m_start']}, at end {facts['loadavg_1m']}"),
        (f"calibration (a fixed pure-Python workload; {CALIBRATION_IDLE_MS} with nothing else running): "
         f"at start {facts['calibration_ms_start']} ms, at end {facts['calibration_ms_end']} ms"),
        f"python {facts['python']}  reflex {facts['reflex']}  granian {facts['granian']}  "
        f"python-socketio {facts['python_socketio']}  sqlalchemy {facts['sqlalchemy']}  "
        f"psycopg {facts['psycopg']}" + (f"  postgresql {facts['postgresql']}" if facts.get("postgresql") else ""),
    ]


def mb(value: float | None) -> str:
    return "-" if value is None else f"{value / 1e6:.1f}"


def ms(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def add_common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT,
                        help="the Beacon checkout to serve from, the server's cwd (default: this script's)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")


def bench_main(args: argparse.Namespace, run: Callable[[argparse.Namespace], Any],
               report: Callable[[argparse.Namespace, dict[str, Any], Any], str], postgres: bool = False) -> Any:
    """Calibrate, load the project from --root, run, then print the report (or JSON) with the facts.
    SIGTERM unwinds through the finally blocks: servers stop, databases are dropped."""
    global CALIBRATION_AT_START
    CALIBRATION_AT_START = round(calibrate_ms(), 1)

    def _exit(_signum, _frame) -> None:
        raise SystemExit(128 + signal.SIGTERM)

    signal.signal(signal.SIGTERM, _exit)
    args.root = args.root.resolve()
    load_project(args.root)
    out = run(args)
    facts = {**environment_facts(), "app_sources": app_fingerprint(args.root)}
    if postgres:
        facts["postgresql"] = postgres_version()
    if args.json:
        data = out if isinstance(out, dict) else {"results": out}
        print(json.dumps({**facts, "args": {k: str(v) for k, v in vars(args).items()}, **data}, indent=2,
                         default=lambda o: asdict(o) if is_dataclass(o) else str(o)))
    else:
        print(report(args, facts, out))
    return out


# --- pages in Chromium -------------------------------------------------------------------------

# A page whose live link is up: connected, and its subscription names the worker serving it.
FOLLOWING = "[data-testid=connection-status][data-state=connected]:not([data-worker=''])"

# Every change of each watched card's badge text: window.__benchBadges[id] = [[text, t]], with t
# on the page's clock (performance.timeOrigin + performance.now()).
BADGE_LOG_JS = r"""(ids) => {
  const log = (window.__benchBadges = {});
  const last = {};
  const read = (id) => {
    const b = document.querySelector(`[data-testid=contact-card][data-contact-id="${id}"] [data-testid=task-badge]`);
    return b ? b.textContent.trim() : '';
  };
  for (const id of ids) { log[id] = []; last[id] = read(id); }
  new MutationObserver(() => {
    const now = performance.timeOrigin + performance.now();
    for (const id of ids) {
      const text = read(id);
      if (text !== last[id]) { last[id] = text; log[id].push([text, now]); }
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
  return last;
}"""
# True once the page's badge log shows the badge of `id` emptied at or after `t`.
BADGE_CLEARED_JS = "([id, t]) => window.__benchBadges[id].some(([text, at]) => text === '' && at >= t)"


@contextlib.contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser, url: str, email: str = VIEWER_EMAIL, path: str = "/", init_script: str = "",
              before_navigation: Callable | None = None):
    """A new browser context (its own cookies: another person), signed in, live on `path`.
    `before_navigation(page)` runs before the first navigation (every socket of the page is seen)."""
    context = browser.new_context()
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    if init_script:
        page.add_init_script(init_script)
    if before_navigation is not None:
        before_navigation(page)
    page.goto(url + "/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()
    if path != "/":
        page.goto(url + path)
    page.wait_for_selector(FOLLOWING)
    return page


def clock_offset_ms(page) -> float:
    """Page clock minus this process's clock, from the fastest of a few round trips."""
    best_rtt, offset = math.inf, 0.0
    for _ in range(CLOCK_SAMPLES):
        before = now_ms()
        in_page = page.evaluate("() => performance.timeOrigin + performance.now()")
        after = now_ms()
        if after - before < best_rtt:
            best_rtt, offset = after - before, in_page - (before + after) / 2
    return offset


class FrameCounter:
    """Websocket frames a page received (every socket it opened), counted on Playwright's side;
    while `counting`, also by the commit they followed (cursor[0]; -1: before any)."""

    def __init__(self, page, cursor: list[int] | None = None) -> None:
        self.frames = self.events = self.bytes = 0
        self.cursor = cursor or [-1]
        self.counting = False
        self.buckets: dict[int, list[int]] = {}  # commit index -> [bytes, frames, socket.io event frames]
        self.largest, self.largest_payload = 0, ""  # the largest frame while counting
        page.on("websocket", lambda ws: ws.on("framereceived", self._on_frame))

    def _on_frame(self, payload) -> None:
        size = len(payload.encode() if isinstance(payload, str) else payload)
        event = isinstance(payload, str) and payload.startswith("42")  # socket.io EVENT packet
        self.frames += 1
        self.bytes += size
        self.events += event
        if self.counting:
            bucket = self.buckets.setdefault(self.cursor[0], [0, 0, 0])
            bucket[0] += size
            bucket[1] += 1
            bucket[2] += event
            if size > self.largest:
                self.largest, self.largest_payload = size, payload if isinstance(payload, str) else ""

    def snapshot(self) -> tuple[int, int, int]:
        return self.frames, self.events, self.bytes


def wait_quiet(pump_page, counters: list[FrameCounter], quiet_s: float, timeout_s: float) -> bool:
    """Wait (bounded) until no page received a frame for `quiet_s`; Playwright dispatches meanwhile."""
    deadline = time.monotonic() + timeout_s
    last_total, last_change = -1, time.monotonic()
    while time.monotonic() < deadline:
        pump_page.wait_for_timeout(QUIET_POLL_MS)
        total = sum(c.frames for c in counters)
        if total != last_total:
            last_total, last_change = total, time.monotonic()
        elif time.monotonic() - last_change >= quiet_s:
            return True
    return False


def match_badges(expected: list[dict[str, Any]], observed: list[list], tolerance_ms: float):
    """Match each expected badge step of one contact ({text, committed (ms), deadline}) with the
    first later change of the page's badge log to its text, before the step's deadline. Returns
    ([(step, latency ms or None if missed, log index or None)], used): `used[k]` is False for a
    log entry no step explains."""
    used = [False] * len(observed)
    cursor = 0
    hits = []
    for e in expected:
        hit = next((k for k in range(cursor, len(observed))
                    if observed[k][0] == e["text"] and observed[k][1] >= e["committed"] - tolerance_ms), None)
        if hit is None or observed[hit][1] >= e["deadline"]:
            hits.append((e, None, None))
            continue
        used[hit] = True
        cursor = hit + 1
        hits.append((e, observed[hit][1] - e["committed"], hit))
    return hits, used


def set_deadlines(expected: list[dict[str, Any]]) -> None:
    """Each step must show before the same step of the same contact is committed again."""
    for k, e in enumerate(expected):
        e["deadline"] = next((x["committed"] for x in expected[k + 1:]
                              if x["contact"] == e["contact"] and x["step"] == e["step"]), math.inf)


# --- the lightweight client --------------------------------------------------------------------

@dataclass(frozen=True)
class Frontend:
    root_state: str  # "reflex___state____state"
    state_schema: str
    hashes: list[str]

    def key(self, state: str) -> str:
        return f"{self.root_state}.{state}"


def read_frontend(root: Path) -> Frontend:
    """What the browser sends on connect, read from `<root>/.web/utils/context.jsx`."""
    source = (root / ".web" / "utils" / "context.jsx").read_text()

    def value(name: str) -> Any:
        match = re.search(rf"export const {name} = (.+?)\n", source)
        if match is None:
            raise RuntimeError(f"{name} not found in the compiled frontend")
        return json.loads(match.group(1).rstrip(";"))

    return Frontend(value("state_name"), value("stateSchema"), value("initialStateHashes"))


@functools.cache
def state_classes() -> dict[str, type]:
    """The states the light clients follow, by short name (their wire names come from the classes).
    Imported once, in the main thread: a Reflex state class is created under the registration
    context of the thread importing it (a test's worker thread has none)."""
    from app.state.auth import AuthState
    from app.state.contacts import ContactsState
    from app.state.live import LiveLinkState
    from app.state.system import SystemState
    from app.state.workforce import WorkforceState

    return {"system": SystemState, "live": LiveLinkState, "auth": AuthState, "workforce": WorkforceState,
            "contacts": ContactsState}


@functools.cache
def state_keys() -> dict[str, str]:
    """The state's full name on the wire -> its short name."""
    return {cls.get_full_name(): name for name, cls in state_classes().items()}


def __getattr__(name: str) -> str:
    """SYSTEM_STATE, LIVE_STATE, AUTH_STATE, ... : a state's name under the root state, from its class."""
    short = name.removesuffix("_STATE").lower()
    if name.endswith("_STATE") and short in state_classes():
        return state_classes()[short].get_name()
    raise AttributeError(name)


def strip(values: dict[str, Any]) -> dict[str, Any]:
    return {k.removesuffix(VAR_SUFFIX): v for k, v in values.items()}


_strip = strip  # the name the e2e tests use


@dataclass(eq=False)
class LightClient:
    """One signed-in tab on `route`, over Reflex's websocket protocol (see the module docstring)."""

    url: str
    frontend: Frontend
    session_token: str
    http: Any  # a shared aiohttp.ClientSession
    route: str = "/"
    # Called as watch(client, received_at, {short state name: changed vars}) after each delta.
    watch: Callable[[LightClient, float, dict[str, dict[str, Any]]], None] | None = None
    client_token: str = field(default_factory=lambda: str(uuid.uuid4()))
    states: dict[str, dict[str, Any]] = field(default_factory=dict)  # short name -> vars merged so far
    worker: str = ""  # LiveLinkState.worker: set once follow_changes applied the initial view
    mode: str = ""
    messages: int = 0  # "event" messages received
    redirects: list[str] = field(default_factory=list)
    disconnected: bool = False
    plan: str = ""  # what the bench made of this tab

    def __post_init__(self) -> None:
        import socketio

        self.live = asyncio.Event()
        self.keys = state_keys()
        # The cookie goes in the websocket's request headers, as a browser sends it (a Cookie given
        # to connect(headers=...) would go to the shared session's cookie jar, which keeps none).
        cookie = {"headers": {"Cookie": f"{SESSION_COOKIE}={self.session_token}"}} if self.session_token else {}
        self.sio = socketio.AsyncClient(reconnection=False, http_session=self.http, handle_sigint=False,
                                        websocket_extra_options=cookie)
        self.sio.on("event", self._on_event, namespace="/_event")
        self.sio.on("disconnect", self._on_disconnect, namespace="/_event")

    def state(self, name: str) -> dict[str, Any]:
        return self.states.setdefault(name, {})

    system = property(lambda self: self.state("system"))
    auth = property(lambda self: self.state("auth"))
    workforce = property(lambda self: self.state("workforce"))
    contacts = property(lambda self: self.state("contacts"))

    async def connect(self) -> None:
        boot = {"event": {"name": f"{self.frontend.root_state}.hydrate_and_load",
                          "payload": {"hashes": self.frontend.hashes},
                          "router_data": {"pathname": self.route, "asPath": self.route}},
                "state_schema": self.frontend.state_schema}
        await self.sio.connect(f"{self.url}?token={self.client_token}", auth=boot, transports=["websocket"],
                               namespaces=["/_event"], socketio_path="/_event", wait_timeout=CONNECT_TIMEOUT_S)

    async def disconnect(self) -> None:
        with contextlib.suppress(Exception):
            await self.sio.disconnect()

    async def send(self, state_full_name: str, handler: str, payload: dict[str, Any]) -> None:
        """An event as the compiled page sends it."""
        await self.sio.emit("event", {"name": f"{state_full_name}.{handler}", "payload": payload,
                                      "router_data": {"pathname": self.route, "asPath": self.route}},
                            namespace="/_event")

    def _on_disconnect(self, *_args) -> None:
        self.disconnected = True

    def _on_event(self, data: Any) -> None:
        received = time.time()
        self.messages += 1
        if not isinstance(data, dict):
            return
        for event in data.get("events") or ():
            if isinstance(event, dict) and "redirect" in str(event.get("name", "")):
                self.redirects.append(str(event.get("payload", {}).get("path", "")))
        changed = {self.keys[k]: strip(v) for k, v in (data.get("delta") or {}).items() if k in self.keys}
        for name, part in changed.items():
            self.state(name).update(part)
        live = changed.get("live", {})
        self.mode = live.get("mode", self.mode)
        if live.get("worker"):
            self.worker = str(live["worker"])
            self.live.set()
        if changed and self.watch is not None:
            self.watch(self, received, changed)

    def message_texts(self) -> list[str]:
        """Every message text this tab shows now (the banner's and the "+N more")."""
        shown = self.system.get("shown_message") or {}
        texts = [shown.get("message", "")] if shown.get("message") else []
        return texts + [m.get("message", "") for m in self.system.get("other_messages") or []]


def shared_http_session():
    """One aiohttp session for all clients: no per-client pool, no connection limit, no cookies."""
    import aiohttp

    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), cookie_jar=aiohttp.DummyCookieJar())


class Crowd:
    """The light clients of one bench: the compiled frontend's names, one shared HTTP session; every
    client it made leaves at the end."""

    def __init__(self, root: Path, server, cls: type[LightClient] = LightClient) -> None:
        self.frontend, self.server, self.cls, self.made = read_frontend(root), server, cls, []

    async def __aenter__(self) -> Crowd:
        self.http = shared_http_session()
        return self

    async def __aexit__(self, *_exc) -> None:
        await disconnect_clients(self.made)
        await self.http.close()

    def clients(self, tokens: list[str], count: int, **kwargs) -> list[LightClient]:
        made = [self.cls(self.server.url, self.frontend, tokens[i % len(tokens)], self.http, **kwargs)
                for i in range(count)]
        self.made += made
        return made

    async def warm_up(self, token: str, live_timeout: float, settle_s: float) -> None:
        """One page connects and leaves, so later readings include the app's lazy imports."""
        warm = self.clients([token], 1)
        failures = await connect_clients(warm, 1, live_timeout)
        if failures:
            raise RuntimeError(f"the warm-up client did not get its initial view: {failures}")
        await disconnect_clients(warm)
        await asyncio.sleep(settle_s)


async def connect_clients(clients: list[LightClient], concurrency: int, live_timeout: float) -> list[str]:
    """Connect every client, at most `concurrency` in flight, each until its initial view arrived
    (LiveLinkState.worker: follow_changes subscribed). Returns the failures ("<index>: <reason>")."""
    gate = asyncio.Semaphore(concurrency)
    failures: list[str] = []

    async def one(index: int, client: LightClient) -> None:
        async with gate:
            try:
                await client.connect()
                await asyncio.wait_for(client.live.wait(), live_timeout)
            except Exception as error:
                reason = f"{type(error).__name__}: {error}"[:200]
                failures.append(f"{index}: {reason}" + (f" (redirected to {client.redirects})"
                                                          if client.redirects else ""))

    await asyncio.gather(*(one(i, c) for i, c in enumerate(clients)))
    return failures


async def disconnect_clients(clients: list[LightClient], concurrency: int = 100) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(client: LightClient) -> None:
        async with gate:
            await client.disconnect()

    await asyncio.gather(*(one(c) for c in clients))


async def wait_until(condition: Callable[[], bool], timeout_s: float, poll_s: float = 0.02) -> bool:
    """Poll `condition` until it holds or `timeout_s` passed; returns whether it held."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(poll_s)
    return True


if "app" in sys.modules:  # imported by a test module: the app is loaded, take its state classes now
    state_keys()
