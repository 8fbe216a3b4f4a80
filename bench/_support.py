"""What every bench shares: project, database, server, pages, crowds of light clients, readings
and reports.

The harness shared with the tests lives in tests/support/ and is imported from there (bench
imports tests/support, never the other way): the light client (tests/support/websocket_client.py,
re-exported here, so `S.LightClient`, `S.read_frontend`, `S.shared_http_session` ... work), the
databases (tests/support/database.py), the server (tests/support/server.py) and Chromium's
settings (tests/support/browser.py). They come from this bench's own checkout; `--root` chooses
only which checkout's `app` is served and measured.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import importlib.metadata
import itertools
import json
import math
import os
import platform
import re
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, is_dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

DEFAULT_ROOT = Path(__file__).resolve().parent.parent  # the checkout this script lives in
if str(DEFAULT_ROOT) not in sys.path:  # tests/support, the harness this bench shares with the tests
    sys.path.insert(1, str(DEFAULT_ROOT))

from tests.support.websocket_client import (  # noqa: E402, F401 - re-exported: S.LightClient and the rest
    CONNECT_TIMEOUT_S,
    SESSION_COOKIE,
    VAR_SUFFIX,
    Frontend,
    LightClient,
    origin_of,
    read_frontend,
    shared_http_session,
    state_classes,
    state_keys,
    state_name,
    strip,
)

LOG_TAIL_CHARS = 3000  # how much of the server log to show when it fails
PAGE_TIMEOUT_MS = 60_000  # sign-in and first render of one page on a busy 2-CPU machine
CLOCK_SAMPLES = 5  # round trips per page when measuring its clock offset; the fastest one wins

VIEWER_EMAIL = "ops@acme.demo"  # seeded Acme client admin: an Acme page
PASSWORD = "beacon-demo"
ADMIN_EMAIL = "admin@beacon.demo"  # seeded platform admin: the only role that may publish
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
    """Import `app` from `root` (the checkout being served), not wherever pip points; `tests`
    (the harness) is this bench's own checkout's."""
    sys.path.insert(0, str(root))
    import app
    import tests

    for package, home in ((app, root), (tests, DEFAULT_ROOT)):
        if not Path(package.__file__).resolve().is_relative_to(home.resolve()):
            raise RuntimeError(f"imported {package.__name__} from {package.__file__}, not from {home}")
    state_keys()  # the state classes, imported in the main thread


def app_fingerprint(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted((root / "app").rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return digest.hexdigest()[:12]


@contextlib.contextmanager
def bench_database(kind: str) -> Iterator[tuple[Path, str]]:
    """(a temporary folder, a migrated demo database): SQLite in the folder, or a new PostgreSQL one."""
    from app.config import reset_settings_cache
    from tests.support.database import create_postgres_database, drop_postgres_database, prepare_database

    with tempfile.TemporaryDirectory(prefix="beacon-bench-") as folder:
        url = create_postgres_database() if kind == "postgres" else f"sqlite:///{Path(folder) / 'db' / 'beacon.db'}"
        try:
            prepare_database(url)
            yield Path(folder), url
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
    try:
        yield server
    except BaseException:
        log(f"server log (tail):\n{server.log_text()[-LOG_TAIL_CHARS:]}")
        raise
    finally:
        stop_server(process)


def check_alive(server, when: str) -> None:
    """Figures measured after the server died are void."""
    if (code := server.process.poll()) is not None:
        raise RuntimeError(f"the Beacon server exited {when} (exit code {code}):\n"
                           f"{server.log_text()[-LOG_TAIL_CHARS:]}")


def server_log_problems(text: str, limit: int = 8) -> dict[str, Any]:
    lines = text.splitlines()
    bad = [ln for ln in lines if re.search(r"Traceback|\bERROR\b|Error:|Exception|CRITICAL", ln)
           and "Node.js" not in ln]
    return {"error_lines": len(bad), "first": bad[:limit],
            "disconnected_client_warnings": sum(LEAK_WARNING in ln for ln in lines)}


def log_report(problems: dict[str, Any], label: str = "server log") -> list[str]:
    return [f"{label}: {problems['error_lines']} error/traceback lines, "
            f"{problems['disconnected_client_warnings']} disconnected-client warnings",
            *(f"  | {line[:200]}" for line in problems["first"])]


def sign_in_tokens(count: int, email: str = VIEWER_EMAIL) -> list[str]:
    from app.services.auth import sign_in

    return [sign_in(email, PASSWORD)[0] for _ in range(count)]


def client_id_of(name: str = "Acme") -> int:
    from sqlmodel import select

    from app.db import read_session
    from app.models import Client

    with read_session() as session:
        return session.exec(select(Client.id).where(Client.name == name)).one()


def admin_api_token() -> str:
    from app.services.auth import create_api_token

    return create_api_token(ADMIN_EMAIL, name="bench")


def health(server, api_token: str) -> dict[str, Any] | None:
    """/api/v1/health of whichever worker answers; a write (the token's last use), so never mid-window."""
    import httpx

    try:
        response = httpx.get(f"{server.url}/api/v1/health", timeout=10,
                             headers={"Authorization": f"Bearer {api_token}"})
        return response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None


def postgres_version() -> str:
    import psycopg

    from tests.support.database import POSTGRES_ADMIN_URL

    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except psycopg.Error:
        return "?"


class CommitClock:
    """Epoch-ms stamps of this process's commits that appended to the change log (a context manager)."""

    def __enter__(self) -> CommitClock:
        import threading

        from app.db import on_change_committed

        self.stamps: list[float] = []
        self._lock = threading.Lock()
        self._remove = on_change_committed(self._stamp)
        return self

    def _stamp(self) -> None:
        with self._lock:
            self.stamps.append(now_ms())

    def __exit__(self, *_exc) -> None:
        self._remove()

    def run(self, operation: Callable, *args) -> tuple[Any, float]:
        """One service call that must commit exactly once; returns (its result, its commit ms)."""
        before = len(self.stamps)
        result = operation(*args)
        if len(self.stamps) != before + 1:
            raise RuntimeError(f"{operation.__name__}: expected 1 commit, saw {len(self.stamps) - before}")
        return result, self.stamps[-1]


def paced(interval_s: float, sleep: Callable[[float], Any] = time.sleep) -> Iterator[int]:
    """0, 1, 2, ... each yielded on a fixed schedule `interval_s` apart (`sleep` takes seconds)."""
    start = time.monotonic()
    for i in itertools.count():
        if (delay := start + i * interval_s - time.monotonic()) > 0:
            sleep(delay)
        yield i


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
        with contextlib.suppress(psutil.Error), proc.oneshot():
            memory, times = proc.memory_info().rss, proc.cpu_times()
            rss += memory
            cpu += times.user + times.system
            if not proc.children():  # a leaf: a backend worker
                worker_rss, fds, threads = worker_rss + memory, fds + proc.num_fds(), threads + proc.num_threads()
    return TreeSample(int(rss), worker_rss, cpu, fds, threads, len(procs))


def memory_growth(before: TreeSample, after: TreeSample, pages: int) -> tuple[float, float]:
    """KB per page of the tree's and of the workers' RSS."""
    n = max(1, pages) * 1024
    return (after.rss_bytes - before.rss_bytes) / n, (after.worker_rss_bytes - before.worker_rss_bytes) / n


def cpu_window(server_pid: int) -> Callable[[], dict[str, Any]]:
    """stop(): CPU seconds of the server's tree and of this process since now, and how busy both CPUs were."""
    import psutil

    fields = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")  # guest is within user
    server, bench, host = sample_tree(server_pid).cpu_seconds, sum(os.times()[:2]), psutil.cpu_times()

    def stop() -> dict[str, Any]:
        now = psutil.cpu_times()
        delta = {f: getattr(now, f) - getattr(host, f) for f in fields}
        total = max(1e-9, sum(delta.values()))
        return {"server_cpu_s": sample_tree(server_pid).cpu_seconds - server,
                "bench_cpu_s": sum(os.times()[:2]) - bench,
                "host": {"busy_pct": 100.0 * (total - delta["idle"] - delta["iowait"]) / total}}
    return stop


def percentile(values: list[float], p: float) -> float | None:
    """statistics.quantiles, inclusive: never beyond the extremes."""
    if len(values) < 2:
        return values[0] if values else None
    return statistics.quantiles(values, n=100, method="inclusive")[round(p) - 1]


def stats(values: list[float]) -> dict[str, float | None]:
    return {"n": len(values), "p50": percentile(values, 50), "p90": percentile(values, 90),
            "p99": percentile(values, 99), "max": max(values, default=None), "min": min(values, default=None),
            "median": statistics.median(values) if values else None}


# What the calibration workload took on this 2-vCPU VM with nothing else running (2026-11-22).
CALIBRATION_IDLE_MS = "75-150 ms on this machine"
CALIBRATION_AT_START: float | None = None


def calibrate_ms() -> float:
    """A fixed pure-Python workload's ms right now (the fastest of 3): a slower figure, a busier host."""
    view = {"other_messages": [{"id": str(i), "type": "info", "message": f"message {i}", "scope": "Acme",
                                "expires": "", "type_label": "Info"} for i in range(250)]}
    best = math.inf
    for _ in range(3):
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

    return {"date": datetime.now().astimezone().isoformat(timespec="seconds"),
            "nproc": len(os.sched_getaffinity(0)), "loadavg_1m_start": LOAD_AT_START,
            "calibration_ms_start": CALIBRATION_AT_START, "calibration_ms_end": round(calibrate_ms(), 1),
            "loadavg_1m": load_now(), "python": platform.python_version(),
            **{name.replace("-", "_"): version(name) for name in
               ("reflex", "granian", "python-socketio", "sqlalchemy", "psycopg")}}


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


def row(spec: str, *values: Any) -> str:
    """One table line: one format spec per column ("<16 >5 >7.1f"); a text (a header, None: "-") takes its
    width only."""
    return " ".join(format(v, s) if isinstance(v, int | float) else format("-" if v is None else v,
                                                                          re.sub(r"(\.\d+)?[a-z%]$", "", s))
                    for s, v in zip(spec.split(), values, strict=True))


def parser(doc: str, *options: tuple, database: bool = False, postgres_help: str = "") -> argparse.ArgumentParser:
    """The bench's options: ("--name", type, default, help) each, --database if asked, --root, --json."""
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    for name, kind, default, text in options:
        p.add_argument(name, type=kind, default=default, help=f"{text} (default %(default)s)")
    if database:
        p.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite", help=postgres_help or None)
    p.add_argument("--root", type=Path, default=DEFAULT_ROOT,
                   help="the Beacon checkout to serve from, the server's cwd (default: this script's)")
    p.add_argument("--json", action="store_true", help="print JSON instead of the table")
    return p


def at_least_one(p: argparse.ArgumentParser, args: argparse.Namespace, *names: str) -> None:
    if names and min(getattr(args, n) for n in names) < 1:
        p.error(", ".join(f"--{n.replace('_', '-')}" for n in names) + " must be at least 1")


def main(p: argparse.ArgumentParser, run: Callable, report: Callable, *positive: str, postgres: bool = False,
         check: Callable | None = None, ok: Callable[[Any], bool] | None = None) -> None:
    """Parse (options named in `positive` must be >= 1; `check(p, args)` for more), run, report, exit."""
    args = p.parse_args()
    at_least_one(p, args, *positive)
    if check is not None:
        check(p, args)
    out = bench_main(args, run, report, postgres)
    sys.exit(0 if ok is None or ok(out) else 1)


def bench_main(args: argparse.Namespace, run: Callable[[argparse.Namespace], Any],
               report: Callable[[argparse.Namespace, dict[str, Any], Any], str | list[str]],
               postgres: bool = False) -> Any:
    """Calibrate, load the project from --root, run, print the report (or JSON) with the facts.
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
    if postgres or getattr(args, "database", "") == "postgres":
        facts["postgresql"] = postgres_version()
    if args.json:
        data = out if isinstance(out, dict) else {"results": out}
        print(json.dumps({**facts, "args": {k: str(v) for k, v in vars(args).items()}, **data}, indent=2,
                         default=lambda o: asdict(o) if is_dataclass(o) else str(o)))
    else:
        text = report(args, facts, out)
        print(text if isinstance(text, str) else "\n".join(text))
    return out


# --- pages in Chromium -------------------------------------------------------------------------

# A page whose live link is up: connected, and its subscription names the worker serving it.
FOLLOWING = "[data-testid=connection-status][data-state=connected]:not([data-worker=''])"

# Each change of a page's JS expression, logged as [value, page clock ms] in window.__watch[name].
WATCH_JS = """(name) => {
  const read = () => (%s);
  const log = ((window.__watch ??= {})[name] = []);
  let last = read();
  new MutationObserver(() => {
    const value = read();
    if (value !== last) { last = value; log.push([value, performance.timeOrigin + performance.now()]); }
  }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
  return last;
}"""
# True once watch `name` showed `value` (or, with `part`, a value containing it) at page time >= `after`.
SHOWN_JS = ("([name, value, after, part]) => (window.__watch[name] || [])"
            ".some(([v, at]) => at >= after && (part ? String(v).includes(value) : v === value))")
BADGE_JS = "document.querySelector('[data-testid=contact-card][data-contact-id=\"%s\"] [data-testid=task-badge]')" \
           "?.textContent.trim() ?? ''"
CLOCK_TOLERANCE_MS = 5.0  # a DOM stamp this much before its commit is still that commit's (clocks)


@contextlib.contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser, url: str, email: str = VIEWER_EMAIL, path: str = "/", init_script: str = "",
              cursor: list[int] | None = None, frames: bool = False):
    """A new context (another person), signed in, live on `path`; with `frames`: (page, FrameCounter)."""
    context = browser.new_context()
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    if init_script:
        page.add_init_script(init_script)
    counter = FrameCounter(page, cursor) if frames else None  # before navigating: every socket is seen
    page.goto(url + "/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()
    if path != "/":
        page.goto(url + path)
    page.wait_for_selector(FOLLOWING)
    return (page, counter) if frames else page


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


def wait_pages(pages: list, js: str, args: list, timeout_s: float, what: str) -> None:
    """Each page until `js(arg)` holds, all within one deadline; a page that never does is logged."""
    deadline = time.monotonic() + timeout_s
    for page, arg in zip(pages, args, strict=True):
        try:
            page.wait_for_function(js, arg=arg, timeout=max(1.0, (deadline - time.monotonic()) * 1000))
        except Exception as error:  # noqa: BLE001 - what a page did not show counts as missed
            log(f"a page did not show {what}: {type(error).__name__}")


class FrameCounter:
    """Websocket frames a page received; while `counting`, also by the commit they followed (cursor[0])."""

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
        self.frames, self.bytes, self.events = self.frames + 1, self.bytes + size, self.events + event
        if self.counting:
            bucket = self.buckets.setdefault(self.cursor[0], [0, 0, 0])
            bucket[0], bucket[1], bucket[2] = bucket[0] + size, bucket[1] + 1, bucket[2] + event
            if size > self.largest:
                self.largest, self.largest_payload = size, payload if isinstance(payload, str) else ""

    def snapshot(self) -> tuple[int, int, int]:
        return self.frames, self.events, self.bytes


def wait_quiet(pump_page, counters: list[FrameCounter], quiet_s: float, timeout_s: float) -> bool:
    """Wait (bounded) until no page received a frame for `quiet_s`; Playwright dispatches meanwhile."""
    deadline = time.monotonic() + timeout_s
    last_total, last_change = -1, time.monotonic()
    while time.monotonic() < deadline:
        pump_page.wait_for_timeout(100)
        total = sum(c.frames for c in counters)
        if total != last_total:
            last_total, last_change = total, time.monotonic()
        elif time.monotonic() - last_change >= quiet_s:
            return True
    return False


def watch(page, name: str, expr: str) -> Any:
    """Start logging each change of `expr` (see WATCH_JS); returns its value now."""
    return page.evaluate(WATCH_JS % expr, name)


def watched(page, name: str) -> list[list]:
    return page.evaluate("(name) => window.__watch[name]", name)


def wait_shown(pages: list, name: str, value: Any, after: float, timeout_s: float, part: bool = False) -> None:
    wait_pages(pages, SHOWN_JS, [[name, value, after, part]] * len(pages), timeout_s, f"{name} {value!r}")


def watch_badges(page, ids: list[str]) -> dict[str, str]:
    return {i: watch(page, f"badge-{i}", BADGE_JS % i) for i in ids}


def badge_latencies(pages: list, expected: list[dict[str, Any]], settle_s: float):
    """The end of the commit -> badge measurement: wait (bounded) for the last step, a cleared badge,
    then match each expected step {contact, text, step, committed} with the first later change of
    that contact's badge to its text, before the same step of that contact is committed again.
    Yields (page index, step, latency ms or None: missed) and, last, ("unexpected", count, None)."""
    last = expected[-1]
    wait_shown(pages, f"badge-{last['contact']}", "", last["committed"] - CLOCK_TOLERANCE_MS, settle_s)
    for k, e in enumerate(expected):
        e["deadline"] = next((x["committed"] for x in expected[k + 1:]
                              if x["contact"] == e["contact"] and x["step"] == e["step"]), math.inf)
    unexpected = 0
    for n, page in enumerate(pages):
        for contact in dict.fromkeys(e["contact"] for e in expected):
            observed = watched(page, f"badge-{contact}")
            used, cursor = [False] * len(observed), 0
            for e in (x for x in expected if x["contact"] == contact):
                hit = next((k for k in range(cursor, len(observed)) if observed[k][0] == e["text"]
                            and observed[k][1] >= e["committed"] - CLOCK_TOLERANCE_MS), None)
                if hit is None or observed[hit][1] >= e["deadline"]:
                    yield n, e, None
                    continue
                used[hit], cursor = True, hit + 1
                yield n, e, observed[hit][1] - e["committed"]
            unexpected += used.count(False)
    yield "unexpected", unexpected, None


# --- crowds of light clients (tests/support/websocket_client.py) -------------------------------

class Crowd:
    """The light clients of one bench; every client it made leaves at the end."""

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

    async def connect(self, tokens: list[str], count: int, concurrency: int,
                      live_timeout: float) -> tuple[list[LightClient], list[str], float]:
        """`count` new clients connected: (them, failures, seconds)."""
        clients, started = self.clients(tokens, count), time.monotonic()
        failures = await connect_clients(clients, concurrency, live_timeout)
        return clients, failures, time.monotonic() - started

    async def warm_up(self, token: str, live_timeout: float, settle_s: float) -> None:
        """One page connects and leaves, so later readings include the app's lazy imports."""
        warm, failures, _ = await self.connect([token], 1, 1, live_timeout)
        if failures:
            raise RuntimeError(f"the warm-up client did not get its initial view: {failures}")
        await disconnect_clients(warm)
        await asyncio.sleep(settle_s)


async def connect_clients(clients: list[LightClient], concurrency: int, live_timeout: float) -> list[str]:
    """Connect each (at most `concurrency` at once) until its initial view arrived; the failures."""
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

