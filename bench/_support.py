"""Shared by bench/fanout.py, bench/idle_cost.py and bench/burst.py (not by bench/latency.py).

- Starting and stopping a Beacon server as `make run` does (`reflex run --env prod`), from any
  checkout (`--root`), on a database of the bench's own.
- A lightweight client that acts as one signed-in browser tab on a page, through Reflex's own
  websocket protocol (socket.io on /_event), as the compiled frontend does it
  (.web/utils/state.js `connect()` and .web/utils/context.jsx `initialEvents()`):
    * socket.io path "/_event", namespace "/_event", websocket transport, query `token=<uuid>`
      (the tab's Reflex client token, kept in sessionStorage by a browser);
    * the websocket's HTTP request carries the `beacon_session` cookie (HttpOnly, set by POST
      /auth/sign-in): the backend reads the session from the connection's Cookie header (as its
      key, app/web_session.py), never from the page's state;
    * the socket.io CONNECT packet's auth payload carries the boot event
      `{event: {name: "<root state>.hydrate_and_load", payload: {hashes: [...]}, router_data:
      {pathname, asPath}}, state_schema: "<hash>"}`: the route goes in `router_data`; the
      backend then runs the page's on_load handlers itself;
    * the server pushes state deltas as socket.io "event" messages:
      `{delta: {<state full name>: {<var>_rx_state_: value}}, events: [...], final: bool}`.
  The names (state keys, hashes, schema) are read from the compiled frontend in
  `<root>/.web` after the server started, so they follow the app when it changes.
- /proc readings (RSS, CPU, open files of the server's process tree) and the report's facts.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import math
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

DEFAULT_ROOT = Path(__file__).resolve().parent.parent  # the checkout this script lives in

SERVER_START_TIMEOUT_S = 300  # a prod start compiles and builds the frontend (~25 s warm here)
SERVER_POLL_S = 0.5  # how often to probe /ping while the server starts
SERVER_STOP_TIMEOUT_S = 20  # SIGTERM, then SIGKILL after this
LOG_TAIL_CHARS = 3000  # how much of the server log to show when it fails
CONNECT_TIMEOUT_S = 30  # socket.io handshake + namespace CONNECT of one client
HTTP_TIMEOUT_S = 10  # one HTTP probe (/ping, /api/v1/health)

VIEWER_EMAIL = "ops@acme.demo"  # seeded Acme client admin: an Acme page
VIEWER_PASSWORD = "beacon-demo"  # seeded demo password
ADMIN_EMAIL = "admin@beacon.demo"  # seeded platform admin: the only role that may publish
CLIENT_NAME = "Acme"  # the tenant whose pages the benches watch
SESSION_COOKIE = "beacon_session"  # the HttpOnly sign-in cookie (app/web_session.py)
VAR_SUFFIX = "_rx_state_"  # Reflex suffixes every state var name with this on the wire
# State classes whose deltas the clients follow (module "app/state/<x>.py", class name).
SYSTEM_STATE = "app___state___system____system_state"
LIVE_STATE = "app___state___live____live_link_state"
AUTH_STATE = "app___state___auth____auth_state"
WORKFORCE_STATE = "app___state___workforce____workforce_state"
LOAD_AT_START = round(os.getloadavg()[0], 2)  # others' work on the machine skews every figure here
LEAK_WARNING = "Attempting to send delta to disconnected client"  # Reflex's log line (app.py)


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- the project under test --------------------------------------------------------------------

def load_project(root: Path) -> None:
    """Import `app` and `tests` from `root` (the checkout being served), not wherever pip points."""
    sys.path.insert(0, str(root))
    import app
    import tests

    for package in (app, tests):
        if not Path(package.__file__).resolve().is_relative_to(root):
            raise RuntimeError(f"imported {package.__name__} from {package.__file__}, not from {root}")


def app_fingerprint(root: Path) -> str:
    """A short hash of the served checkout's app/ sources: which code the figures are for."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((root / "app").rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    log_path: Path
    root: Path

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0


def start_server(root: Path, workdir: Path, database_url: str, extra_env: dict[str, str] | None = None,
                 drop_env: tuple[str, ...] = ()) -> Server:
    """`reflex run --env prod` with cwd `root`, as tests/e2e/conftest.py's start_server does."""
    import httpx

    port = free_port()
    env = {**os.environ, "BEACON_DATABASE_URL": database_url, **(extra_env or {})}
    for name in drop_env:
        env.pop(name, None)
    log_path = workdir / f"server-{port}.log"
    with open(log_path, "w") as server_log:  # the child keeps its own descriptor
        process = subprocess.Popen(
            ["reflex", "run", "--env", "prod", "--frontend-port", str(port), "--backend-port", str(port)],
            cwd=root, env=env, stdout=server_log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = Server(process=process, url=f"http://localhost:{port}", log_path=log_path, root=root)
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Beacon exited early (exit code {process.returncode}):\n"
                               f"{server.log_text()[-LOG_TAIL_CHARS:]}")
        try:
            if httpx.get(f"{server.url}/ping", timeout=1).status_code == 200:
                log(f"server pid {process.pid} (bench pid {os.getpid()}) up at {server.url}")
                return server
        except httpx.HTTPError:
            pass
        time.sleep(SERVER_POLL_S)
    stop_server(server)
    raise RuntimeError(f"Beacon did not start:\n{server.log_text()[-LOG_TAIL_CHARS:]}")


def stop_server(server: Server | None) -> None:
    """SIGTERM to the server's own process group (it was started in a new session), then SIGKILL."""
    if server is None:
        return
    process = server.process
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=SERVER_STOP_TIMEOUT_S)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=SERVER_STOP_TIMEOUT_S)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass


def check_alive(server: Server, when: str) -> None:
    """Raise (with the log's tail) if the server is gone: figures measured after that are void."""
    code = server.process.poll()
    if code is not None:
        raise RuntimeError(f"the Beacon server exited {when} (exit code {code}):\n"
                           f"{server.log_text()[-LOG_TAIL_CHARS:]}")


def server_log_problems(text: str, limit: int = 8) -> dict[str, Any]:
    """Errors and tracebacks in a server log (Reflex's leak warning is counted separately)."""
    lines = text.splitlines()
    bad = [ln for ln in lines if re.search(r"Traceback|\bERROR\b|Error:|Exception|CRITICAL", ln)
           and "Node.js" not in ln]
    return {"error_lines": len(bad), "first": bad[:limit],
            "disconnected_client_warnings": sum(LEAK_WARNING in ln for ln in lines)}


def sign_in_tokens(count: int, email: str = VIEWER_EMAIL, password: str = VIEWER_PASSWORD) -> list[str]:
    """`count` server-side sessions for `email` (each sign-in is one argon2 check, ~50 ms)."""
    from app.services.auth import sign_in

    return [sign_in(email, password)[0] for _ in range(count)]


def client_id_of(name: str = CLIENT_NAME) -> int:
    from sqlmodel import select

    from app.db import read_session
    from app.models import Client

    with read_session() as session:
        return session.exec(select(Client).where(Client.name == name)).one().id


def admin_api_token() -> str:
    from app.services.auth import create_api_token

    return create_api_token(ADMIN_EMAIL, name="bench")


def health(server: Server, api_token: str) -> dict[str, Any] | None:
    """/api/v1/health of whichever worker answers (open_sessions = that worker's registry size).

    None when this checkout has no such endpoint. Note: each call is one write (the API token's
    last_used_at), so the benches never call it inside a measured window.
    """
    import httpx

    try:
        response = httpx.get(f"{server.url}/api/v1/health", timeout=HTTP_TIMEOUT_S,
                             headers={"Authorization": f"Bearer {api_token}"})
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    try:
        return response.json()
    except ValueError:
        return None


# --- PostgreSQL --------------------------------------------------------------------------------

def create_postgres_database() -> str:
    from tests.conftest import create_postgres_database as create

    return create()


def drop_postgres_database(url: str) -> None:
    from tests.conftest import drop_postgres_database as drop

    drop(url)


def postgres_admin_url() -> str:
    from tests.conftest import POSTGRES_ADMIN_URL

    return POSTGRES_ADMIN_URL


def postgres_version() -> str:
    import psycopg

    try:
        with psycopg.connect(postgres_admin_url(), autocommit=True, connect_timeout=5) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except psycopg.Error:
        return "?"


# --- /proc -------------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def _ppid_map() -> dict[int, int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # the command may contain spaces and parentheses: split after the last ')'
        fields = stat[stat.rfind(")") + 2:].split()
        parents[int(entry)] = int(fields[1])
    return parents


def process_tree(root_pid: int) -> list[int]:
    parents = _ppid_map()
    tree, frontier = [root_pid], [root_pid]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        tree.extend(children)
        frontier.extend(children)
    return [pid for pid in tree if os.path.exists(f"/proc/{pid}")]


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE_SIZE
    except OSError:
        return 0


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return 0.0
    fields = stat[stat.rfind(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def _count(path: str) -> int:
    try:
        return len(os.listdir(path))
    except OSError:
        return 0


@dataclass
class TreeSample:
    rss_bytes: int  # sum of VmRSS over the server's process tree
    worker_rss_bytes: int  # sum over the leaf processes (the backend workers)
    cpu_seconds: float  # utime + stime of the live processes of the tree
    open_files: int  # file descriptors of the workers (each websocket is one)
    threads: int  # threads of the workers
    processes: int


def sample_tree(root_pid: int) -> TreeSample:
    pids = process_tree(root_pid)
    parents = _ppid_map()
    leaves = [pid for pid in pids if not any(parents.get(other) == pid for other in pids)]
    return TreeSample(
        rss_bytes=sum(_rss_bytes(pid) for pid in pids),
        worker_rss_bytes=sum(_rss_bytes(pid) for pid in leaves),
        cpu_seconds=sum(_cpu_seconds(pid) for pid in pids),
        open_files=sum(_count(f"/proc/{pid}/fd") for pid in leaves),
        threads=sum(_count(f"/proc/{pid}/task") for pid in leaves),
        processes=len(pids),
    )


def cpu_times() -> list[int]:
    """The machine's CPU counters (/proc/stat "cpu" line, clock ticks)."""
    with open("/proc/stat") as f:
        return [int(v) for v in f.readline().split()[1:]]


def machine_usage(before: list[int], after: list[int]) -> dict[str, float]:
    """Between two cpu_times(): % of all CPUs busy (anyone's work), and % stolen by the host."""
    delta = [b - a for a, b in zip(before, after, strict=False)]
    total = max(1, sum(delta[:8]))  # user nice system idle iowait irq softirq steal
    idle = delta[3] + delta[4]
    return {"busy_pct": 100.0 * (total - idle) / total, "steal_pct": 100.0 * delta[7] / total}


CALIBRATION_ROUNDS = 3  # the fastest of a few runs of the fixed workload
# What the workload took on this 2-vCPU VM with nothing else running (measured 2026-11-22): the
# host itself varies by 2x from one second to the next, so every figure here carries that spread.
CALIBRATION_IDLE_MS = "75-150 ms on this machine"


def calibrate_ms() -> float:
    """Milliseconds this machine takes right now for a fixed pure-Python workload (JSON of a view
    of 250 messages, 200 times). Only for comparing runs: a slower figure means a busier host."""
    view = {"other_messages": [{"id": str(i), "type": "info", "message": f"message {i}", "scope": "Acme",
                                "expires": "", "type_label": "Info"} for i in range(250)]}
    best = float("inf")
    for _ in range(CALIBRATION_ROUNDS):
        start = time.perf_counter()
        for _ in range(200):
            json.loads(json.dumps(view))
        best = min(best, time.perf_counter() - start)
    return best * 1000


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


# --- the compiled frontend ---------------------------------------------------------------------

@dataclass(frozen=True)
class Frontend:
    root_state: str  # "reflex___state____state"
    state_schema: str
    hashes: list[str]
    reflex_version: str

    def key(self, state: str) -> str:
        return f"{self.root_state}.{state}"


def _js_value(source: str, name: str) -> Any:
    match = re.search(rf"export const {name} = (.+?)\n", source)
    if match is None:
        raise RuntimeError(f"{name} not found in the compiled frontend")
    return json.loads(match.group(1).rstrip(";"))


def read_frontend(root: Path) -> Frontend:
    """What the browser sends on connect, read from `<root>/.web/utils/context.jsx`."""
    source = (root / ".web" / "utils" / "context.jsx").read_text()
    return Frontend(
        root_state=_js_value(source, "state_name"),
        state_schema=_js_value(source, "stateSchema"),
        hashes=_js_value(source, "initialStateHashes"),
        reflex_version=importlib.metadata.version("reflex"),
    )


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


# --- the lightweight client --------------------------------------------------------------------

def _strip(values: dict[str, Any]) -> dict[str, Any]:
    return {(k.removesuffix(VAR_SUFFIX)): v for k, v in values.items()}


@dataclass
class LightClient:
    """One signed-in tab on `route`, over Reflex's websocket protocol (see the module docstring)."""

    url: str
    frontend: Frontend
    session_token: str
    http: Any  # a shared aiohttp.ClientSession
    route: str = "/"
    # Called as on_system(client, received_at) after each delta that touched SystemState.
    on_system: Callable[[LightClient, float], None] | None = None
    client_token: str = field(default_factory=lambda: str(uuid.uuid4()))
    system: dict[str, Any] = field(default_factory=dict)  # SystemState vars as merged so far
    workforce: dict[str, Any] = field(default_factory=dict)
    auth: dict[str, Any] = field(default_factory=dict)
    worker: str = ""  # LiveLinkState.worker: set once follow_changes applied the initial view
    mode: str = ""
    messages: int = 0  # "event" messages received
    system_deltas: int = 0  # of those, the ones that touched SystemState
    redirects: list[str] = field(default_factory=list)
    disconnected: bool = False

    def __post_init__(self) -> None:
        import socketio

        self.live = asyncio.Event()
        # The session cookie goes in the websocket's request headers, as a browser sends it. (A
        # Cookie given to connect(headers=...) would be moved into the shared session's cookie
        # jar, which keeps none: engineio's AsyncClient._connect_websocket.)
        cookie = {"headers": {"Cookie": f"{SESSION_COOKIE}={self.session_token}"}} if self.session_token else {}
        self.sio = socketio.AsyncClient(reconnection=False, http_session=self.http, handle_sigint=False,
                                        websocket_extra_options=cookie)
        self.sio.on("event", self._on_event, namespace="/_event")
        self.sio.on("disconnect", self._on_disconnect, namespace="/_event")
        self._system_key = self.frontend.key(SYSTEM_STATE)
        self._live_key = self.frontend.key(LIVE_STATE)
        self._auth_key = self.frontend.key(AUTH_STATE)
        self._workforce_key = self.frontend.key(WORKFORCE_STATE)

    def boot_auth(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"hashes": self.frontend.hashes}
        return {
            "event": {
                "name": f"{self.frontend.root_state}.hydrate_and_load",
                "payload": payload,
                "router_data": {"pathname": self.route, "asPath": self.route},
            },
            "state_schema": self.frontend.state_schema,
        }

    async def connect(self) -> None:
        await self.sio.connect(
            f"{self.url}?token={self.client_token}", auth=self.boot_auth(),
            transports=["websocket"], namespaces=["/_event"], socketio_path="/_event",
            wait_timeout=CONNECT_TIMEOUT_S,
        )

    async def disconnect(self) -> None:
        try:
            await self.sio.disconnect()
        except Exception:
            pass

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
        delta = data.get("delta") or {}
        if self._auth_key in delta:
            self.auth.update(_strip(delta[self._auth_key]))
        if self._workforce_key in delta:
            self.workforce.update(_strip(delta[self._workforce_key]))
        if self._system_key in delta:
            self.system.update(_strip(delta[self._system_key]))
            self.system_deltas += 1
        if self._live_key in delta:
            live = _strip(delta[self._live_key])
            self.mode = live.get("mode", self.mode)
            if live.get("worker"):
                self.worker = str(live["worker"])
                self.live.set()
        if self._system_key in delta and self.on_system is not None:
            self.on_system(self, received)

    def message_texts(self) -> list[str]:
        """Every message text this tab shows now (the banner's and the "+N more")."""
        shown = self.system.get("shown_message") or {}
        texts = [shown.get("message", "")] if shown.get("message") else []
        texts += [m.get("message", "") for m in self.system.get("other_messages") or []]
        return texts


def shared_http_session():
    """One aiohttp session for all clients: no per-client pool, no connection limit, no cookies."""
    import aiohttp

    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                 cookie_jar=aiohttp.DummyCookieJar())


async def connect_clients(clients: list[LightClient], concurrency: int, live_timeout: float) -> list[str]:
    """Connect every client, at most `concurrency` in flight, each until its initial view arrived.

    Returns the failures ("<index>: <reason>"); a client counts as connected only when
    LiveLinkState.worker arrived, i.e. follow_changes subscribed and applied its first view.
    """
    gate = asyncio.Semaphore(concurrency)
    failures: list[str] = []

    async def one(index: int, client: LightClient) -> None:
        async with gate:
            try:
                await client.connect()
                await asyncio.wait_for(client.live.wait(), live_timeout)
            except Exception as error:
                reason = f"{type(error).__name__}: {error}"[:200]
                if client.redirects:
                    reason += f" (redirected to {client.redirects})"
                failures.append(f"{index}: {reason}")

    await asyncio.gather(*(one(i, c) for i, c in enumerate(clients)))
    return failures


async def disconnect_clients(clients: list[LightClient], concurrency: int = 100) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(client: LightClient) -> None:
        async with gate:
            await client.disconnect()

    await asyncio.gather(*(one(c) for c in clients))


# --- report ------------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


CALIBRATION_AT_START = None  # set by the first environment_facts() call's caller through calibrate()


def environment_facts() -> dict[str, Any]:
    def version(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "-"

    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)),
        "loadavg_1m_start": LOAD_AT_START,
        "calibration_ms_start": CALIBRATION_AT_START,
        "calibration_ms_end": round(calibrate_ms(), 1),
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "reflex": version("reflex"),
        "granian": version("granian"),
        "python_socketio": version("python-socketio"),
        "sqlalchemy": version("sqlalchemy"),
        "psycopg": version("psycopg"),
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


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def start_facts() -> None:
    """Take the calibration reading before anything of the bench runs."""
    global CALIBRATION_AT_START
    CALIBRATION_AT_START = round(calibrate_ms(), 1)


def install_sigterm_exit() -> None:
    """SIGTERM unwinds through the finally blocks: servers stop, databases are dropped."""
    def _exit(_signum, _frame) -> None:
        raise SystemExit(128 + signal.SIGTERM)

    signal.signal(signal.SIGTERM, _exit)
