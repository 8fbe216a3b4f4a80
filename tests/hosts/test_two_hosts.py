"""Two hosts, for real: Beacon's scale-out form across a network.

Host A and host B are network namespaces of this test's own, each running one Beacon backend
(`reflex run --env prod --backend-only`, one worker), and a third, "db", runs the one PostgreSQL
and the one Redis both use; the test's pages (raw socket.io clients, as an open browser tab
speaks) and its SQL sessions sit on the bridge joining them (tests/support/hosts.py). Host A
starts first, so it leads the once-only jobs (presence sweeper, retention, maintenance timer).

One setup serves the whole module; the tests that kill host A come last.
"""

from __future__ import annotations

import asyncio
import copy
import os
import shutil
import time
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zlib import crc32

import httpx
import psycopg
import pytest

from app.config import reset_settings_cache
from app.db import dispose_engines
from app.rules.demo_accounts import DEMO_TEAMS, PLATFORM_ADMIN_EMAIL
from app.services.signin_throttle import ACCOUNT_FAILURES_BEFORE_LOCK
from tests.support import hosts
from tests.support import websocket_client as S
from tests.support.database import prepare_database, unavailable, use_database
from tests.support.loops import BackgroundLoop
from tests.support.waiting import until, until_async

pytestmark = [pytest.mark.hosts, pytest.mark.postgres, pytest.mark.redis]

# Every demo account gets this password: a backend on a network address refuses to start while
# one keeps its published demo password (app/setup/startup_guard.py).
PASSWORD = "two-hosts-password-1"
LIVE_TIMEOUT_S = 15.0  # a change reaching a page on the other host, on a busy 2-core machine
LINK_TIMEOUT_S = 30.0  # a page connecting and receiving its first views
LEADER_JOBS = ("presence-sweeper", "retention", "maintenance-timer")  # app/jobs, run_as_leader's names
# The window starts this long after it is scheduled: host A is killed in between, and host B must
# take the lead before it (LEADERSHIP_RETRY_SECONDS is 2 s).
WINDOW_LEAD_S = 6.0
# "On time": the page on host B turns this soon after the window's start, at worst (measured
# ~0.1 s here; the bound allows for a loaded CI machine).
WINDOW_LATE_AT_MOST_S = 3.0
FAILOVER_AT_MOST_S = 5.0  # host B leads this soon after host A died (it retries every 2 s)
SAM, SAM_NAME = "sam@acme.demo", "Sam Carter"  # a demo support agent
# A closed page's agent shows offline within 25 s (no heartbeat) + 5 s (the sweeper's period) at
# worst (app/rules/presence.py); the slack allows for the delivery on a loaded machine.
OFFLINE_AT_MOST_S = 30.0
OFFLINE_SLACK_S = 3.0


def demo_emails() -> list[str]:
    return [PLATFORM_ADMIN_EMAIL] + [email for team in DEMO_TEAMS.values()
                                     for email in [team["admin"][0], *(e for e, _ in team["staff"])]]


def leaders(database_url: str) -> dict[str, str]:
    """Each leader job's lock holder (app/jobs/leader.py), by its PostgreSQL session's client address."""
    keys = {crc32(f"beacon:{name}".encode()): name for name in LEADER_JOBS}
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute("SELECT l.objid::bigint, host(a.client_addr) FROM pg_locks l "
                            "JOIN pg_stat_activity a ON a.pid = l.pid "
                            "WHERE l.locktype = 'advisory' AND l.granted").fetchall()
    return {keys[objid]: address for objid, address in rows if objid in keys}


class TwoHosts:
    """The running setup: the network, the database, the two backends and the open pages."""

    def __init__(self, network: hosts.Network, database_url: str, a: hosts.Backend, b: hosts.Backend):
        self.network = network
        self.database_url = database_url
        self.a = a
        self.b = b
        self.loop = BackgroundLoop()
        self.http = self.loop.run(self._http_session())
        self.frontend = S.unbuilt_frontend()
        self.pages: list[S.LightClient] = []
        self.a_killed_at: float | None = None  # time.time() of host A's SIGKILL

    @staticmethod
    async def _http_session():
        return S.shared_http_session()

    def open_page(self, backend: hosts.Backend, email: str, route: str = "/") -> S.LightClient:
        """A signed-in tab of `email` on `route`, served by `backend`, following changes."""
        use_database(self.database_url)
        from tests.support.factory import session_token

        return self._connected(S.LightClient(url=backend.url, frontend=self.frontend, http=self.http, route=route,
                                             session_token=session_token(email, PASSWORD)))

    def reconnect(self, page: S.LightClient, backend: hosts.Backend) -> S.LightClient:
        """`page` connecting again, through `backend`, as the same tab (its tab token) with what it
        showed so far, as a browser's socket reconnects; returns once its live link is up."""
        return self._connected(S.LightClient(url=backend.url, frontend=self.frontend, http=self.http,
                                             route=page.route, session_token=page.session_token,
                                             client_token=page.client_token, states=copy.deepcopy(page.states)))

    def _connected(self, page: S.LightClient) -> S.LightClient:
        # Kept until the end: a socket.io client that is garbage-collected closes the aiohttp
        # session it was given (engineio's AsyncClient.__del__), which every page shares.
        self.pages.append(page)

        async def connect() -> None:
            await page.connect()
            await asyncio.wait_for(page.live.wait(), LINK_TIMEOUT_S)

        self.loop.run(connect())
        return page

    def shows(self, page: S.LightClient, condition, what: str, timeout: float = LIVE_TIMEOUT_S) -> float:
        """Waits until `condition(page)` holds; answers the time.time() it was seen."""
        try:
            self.loop.run(until_async(lambda: condition(page), timeout, what))
        except AssertionError as error:
            raise AssertionError(f"{error}; the page shows {page.system}, live {page.states.get('live')}, "
                                 f"disconnected: {page.disconnected}; host A's log:\n{hosts.tail(self.a.log)}\n"
                                 f"host B's log:\n{hosts.tail(self.b.log)}") from None
        return time.time()

    def leaders(self) -> dict[str, str]:
        return leaders(self.database_url)

    def kill_host_a(self) -> float:
        """SIGKILL to host A's backend (once); answers when it was killed."""
        if self.a_killed_at is None:
            self.a_killed_at = time.time()
            self.a.kill()
        return self.a_killed_at

    def api(self, backend: hosts.Backend, method: str, path: str, json: dict) -> httpx.Response:
        use_database(self.database_url)
        from tests.support.factory import api_token

        return httpx.request(method, backend.url + path, json=json, timeout=30,
                             headers={"Authorization": f"Bearer {api_token(PLATFORM_ADMIN_EMAIL)}"})

    def close(self) -> None:
        async def disconnect() -> None:
            for page in self.pages:
                await page.disconnect()
            await self.http.close()

        try:
            self.loop.run(disconnect(), timeout=30)
        finally:
            self.loop.close()


@pytest.fixture(scope="module")
def two_hosts():
    problem = hosts.missing()
    if problem:
        unavailable("Network namespaces", RuntimeError(problem))
    hosts.remove_stale()
    network = hosts.Network()
    folder = hosts.new_folder()
    running: TwoHosts | None = None
    database_before = os.environ.get("BEACON_DATABASE_URL")
    try:
        db, a, b = network.add_host("db"), network.add_host("a"), network.add_host("b")
        database_url = hosts.start_postgres(db, folder / "postgres", network.subnet)
        redis_url = hosts.start_redis(db, folder)
        prepare_database(database_url)
        from app.services.users import change_password

        for email in demo_emails():
            change_password(None, email, PASSWORD)
        backend_a = hosts.start_backend(a, folder, database_url, redis_url)
        # Host A leads before host B starts, so killing A moves the lead.
        until(lambda: leaders(database_url) == dict.fromkeys(LEADER_JOBS, a.address), LINK_TIMEOUT_S,
              "host A leading every job")
        backend_b = hosts.start_backend(b, folder, database_url, redis_url)
        running = TwoHosts(network, database_url, backend_a, backend_b)
        yield running
    finally:
        if running is not None:
            running.close()
        network.remove()
        shutil.rmtree(folder, ignore_errors=True)
        if database_before is not None:
            use_database(database_before)
        else:  # this process no longer points at the database that is gone
            os.environ.pop("BEACON_DATABASE_URL", None)
            reset_settings_cache()
            dispose_engines()


@pytest.fixture(scope="module")
def pages(two_hosts: TwoHosts) -> dict[str, S.LightClient]:
    """Open pages on both hosts, before anything happens."""
    return {
        "globex on A": two_hosts.open_page(two_hosts.a, "ops@globex.demo"),
        "globex on B": two_hosts.open_page(two_hosts.b, "ops@globex.demo"),
        "acme on A": two_hosts.open_page(two_hosts.a, "ops@acme.demo"),
        "acme on B": two_hosts.open_page(two_hosts.b, "ops@acme.demo"),
        "sam on A": two_hosts.open_page(two_hosts.a, SAM),  # its live link beats Sam's presence on A
    }


def presence(page: S.LightClient, name: str) -> str:
    """A human agent's presence as `page`'s agents list shows it."""
    return next((line["state"] for line in page.workforce.get("agents") or () if line["name"] == name), "")


def client_id(two_hosts: TwoHosts, name: str) -> int:
    with psycopg.connect(two_hosts.database_url) as conn:
        row = conn.execute("SELECT id FROM clients WHERE name = %s", (name,)).fetchone()
    assert row is not None
    return row[0]


def test_each_page_is_served_by_the_backend_of_its_own_host(two_hosts: TwoHosts, pages):
    for name, page in pages.items():
        backend = two_hosts.a if name.endswith("on A") else two_hosts.b
        assert os.getpgid(int(page.worker)) == backend.process.pid, name  # the worker's pid, in its group


def test_a_status_published_through_host_a_reaches_the_pages_on_host_b(two_hosts: TwoHosts, pages):
    message = f"Published through host A {uuid.uuid4().hex[:6]}"
    answer = two_hosts.api(two_hosts.a, "POST", "/api/v1/system-status", {
        "client_id": client_id(two_hosts, "Globex"), "status": "inactive", "message": message, "type": "warning"})
    assert answer.status_code == 200, answer.text

    for name in ("globex on B", "globex on A"):
        two_hosts.shows(pages[name], lambda page: page.system.get("status") == "inactive"
                        and message in page.message_texts(), f"{name} showing the publish")


def test_a_plain_sql_insert_reaches_the_pages_on_both_hosts(two_hosts: TwoHosts, pages):
    message = f"Typed in psql {uuid.uuid4().hex[:6]}"
    with psycopg.connect(two_hosts.database_url, autocommit=True) as conn:
        conn.execute("INSERT INTO system_messages (client_id, type, message, is_active, created_at, updated_at) "
                     "VALUES (NULL, 'info', %s, true, now(), now())", (message,))

    for name in ("acme on A", "acme on B", "globex on A", "globex on B"):
        two_hosts.shows(pages[name], lambda page: message in page.message_texts(), f"{name} showing the row")


def test_failed_sign_ins_spread_over_both_hosts_lock_the_account(two_hosts: TwoHosts):
    """The (account, address) count lives in Redis: guesses alternating between A and B lock the
    account at the 10th, as on one host, and the right password is then refused on both."""
    email = "kim@acme.demo"

    def sign_in(backend: hosts.Backend, password: str) -> dict[str, list[str]]:
        # Posted with the host's own page origin, as its login form does (app/web/origin.py).
        answer = httpx.post(f"{backend.url}/auth/sign-in", data={"email": email, "password": password},
                            headers={"Origin": backend.url}, timeout=60)
        assert answer.status_code == 303 and "set-cookie" not in answer.headers, answer.headers
        return parse_qs(urlsplit(answer.headers["location"]).query)

    backends = (two_hosts.a, two_hosts.b)
    answers = [sign_in(backends[n % 2], f"guess-{n}") for n in range(1, ACCOUNT_FAILURES_BEFORE_LOCK + 1)]

    locked = {"error": ["locked"], "minutes": ["15"]}
    assert answers == [{"error": ["wrong"]}] * (ACCOUNT_FAILURES_BEFORE_LOCK - 1) + [locked]
    assert sign_in(two_hosts.a, PASSWORD) == locked
    assert sign_in(two_hosts.b, PASSWORD) == locked


# --- host A dies ---------------------------------------------------------------------------------


def test_killing_host_a_moves_the_maintenance_timer_to_host_b_and_the_window_starts_on_time(
        two_hosts: TwoHosts, pages):
    assert two_hosts.leaders()["maintenance-timer"] == two_hosts.a.host.address
    starts_at = datetime.now(UTC) + timedelta(seconds=WINDOW_LEAD_S)
    message = f"Scheduled before host A died {uuid.uuid4().hex[:6]}"
    answer = two_hosts.api(two_hosts.a, "POST", "/api/v1/maintenance-windows", {
        "client_id": client_id(two_hosts, "Acme"), "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(hours=1)).isoformat(), "message": message})
    assert answer.status_code == 201, answer.text

    killed_at = two_hosts.kill_host_a()
    until(lambda: two_hosts.leaders().get("maintenance-timer") == two_hosts.b.host.address, FAILOVER_AT_MOST_S,
          "host B leading the maintenance timer")
    failover_s = time.time() - killed_at
    assert set(two_hosts.leaders().values()) == {two_hosts.b.host.address}

    seen_at = two_hosts.shows(pages["acme on B"], lambda page: page.system.get("status") == "maintenance",
                              "the window starting on host B's page", timeout=WINDOW_LEAD_S + LIVE_TIMEOUT_S)
    late_s = seen_at - starts_at.timestamp()
    print(f"host B led {failover_s:.2f} s after host A died; the window turned its page {late_s:.2f} s "
          "after its start")
    assert -0.1 < late_s < WINDOW_LATE_AT_MOST_S  # not before its start, and on time
    assert pages["acme on B"].system.get("status_scope") == "window"


def test_a_page_whose_host_died_reconnects_through_host_b_with_nothing_missed(two_hosts: TwoHosts, pages):
    page = pages["acme on A"]
    two_hosts.kill_host_a()
    until(lambda: page.disconnected, LIVE_TIMEOUT_S, "the page on host A losing its connection")
    message = f"Published while the page was away {uuid.uuid4().hex[:6]}"
    answer = two_hosts.api(two_hosts.b, "POST", "/api/v1/system-status", {
        "client_id": client_id(two_hosts, "Acme"), "status": "inactive", "message": message, "type": "info"})
    assert answer.status_code == 200, answer.text
    assert message not in page.message_texts()

    again = two_hosts.reconnect(page, two_hosts.b)

    assert again.client_token == page.client_token
    assert message in again.message_texts()
    assert again.system.get("status") == "inactive"
    later = f"Published after the page came back {uuid.uuid4().hex[:6]}"
    with psycopg.connect(two_hosts.database_url, autocommit=True) as conn:
        conn.execute("INSERT INTO system_messages (client_id, type, message, is_active, created_at, updated_at) "
                     "VALUES (%s, 'info', %s, true, now(), now())", (client_id(two_hosts, "Acme"), later))
    two_hosts.shows(again, lambda p: later in p.message_texts(), "the reconnected page following changes")


def test_killing_host_a_moves_the_presence_sweeper_to_host_b_and_an_agent_whose_page_died_goes_offline(
        two_hosts: TwoHosts, pages):
    watcher = pages["acme on B"]
    two_hosts.shows(watcher, lambda page: presence(page, SAM_NAME) not in ("", "offline"),
                    "Sam online while the page on host A beats")
    killed_at = two_hosts.kill_host_a()

    seen_at = two_hosts.shows(watcher, lambda page: presence(page, SAM_NAME) == "offline", "Sam offline",
                              timeout=max(0.0, killed_at + OFFLINE_AT_MOST_S + OFFLINE_SLACK_S - time.time()))
    print(f"Sam showed offline on host B's page {seen_at - killed_at:.1f} s after host A died")
    assert two_hosts.leaders()["presence-sweeper"] == two_hosts.b.host.address
