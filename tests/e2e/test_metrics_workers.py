"""GET /metrics on a server with two backend workers: whichever worker answers, the scrape adds up
both (prometheus-client's multiprocess directory, made by the server for its run)."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.support import websocket_client as S
from tests.support.database import REDIS_URL, unavailable
from tests.support.loops import run_async
from tests.support.metrics import parsed, value
from tests.support.project import ROOT
from tests.support.server import start_server, stop_server

pytestmark = [pytest.mark.redis]

WORKERS = 2
MAX_TABS_TO_REACH_BOTH_WORKERS = 12  # 12 tabs all on one of 2 workers would be a bug in itself
SCRAPES = 6  # each may be answered by either worker: every one must add up both
LINK_TIMEOUT_S = 30.0  # a tab's first views, on a busy 2-core machine
LEADER_JOBS = ("presence-sweeper", "retention", "maintenance-timer")  # app/jobs: run_as_leader names
SETTLE_TIMEOUT_S = 15.0  # closed tabs leave the registry once their websocket is gone


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        unavailable("Redis", error)
    process, running = start_server(tmp_path_factory.mktemp("beacon-metrics"),
                                    {"REFLEX_REDIS_URL": REDIS_URL, "GRANIAN_WORKERS": str(WORKERS)},
                                    drop_env=("PROMETHEUS_MULTIPROC_DIR",))
    try:
        yield running
    finally:
        stop_server(process)


def scrape(server) -> dict:
    response = httpx.get(f"{server.url}/metrics", timeout=10)  # from loopback, no proxy header
    assert response.status_code == 200, response.text
    return parsed(response.text)


def wait_for(condition, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        got = condition()
        if got or time.monotonic() > deadline:
            return got
        time.sleep(0.25)


def test_a_scrape_of_either_worker_adds_up_both(two_workers):
    token = two_workers.session_token("ops@acme.demo")

    async def scenario():
        async with S.shared_http_session() as http:
            tabs: list[S.LightClient] = []
            try:
                while len({tab.worker for tab in tabs}) < WORKERS:
                    assert len(tabs) < MAX_TABS_TO_REACH_BOTH_WORKERS, "every tab landed on one worker"
                    tab = S.LightClient(url=two_workers.url, frontend=S.read_frontend(ROOT), session_token=token,
                                        http=http)
                    await tab.connect()
                    await asyncio.wait_for(tab.live.wait(), LINK_TIMEOUT_S)
                    tabs.append(tab)
                scrapes = [await asyncio.to_thread(scrape, two_workers) for _ in range(SCRAPES)]
                before = value(scrapes[-1], "beacon_push_delay_seconds", "beacon_push_delay_seconds_count")
                published = await asyncio.to_thread(
                    two_workers.beacon, "status", "set", "--as", "admin@beacon.demo", "--client", "Acme",
                    "--status", "maintenance", "--message", "Counted on both workers")
                assert published.returncode == 0, published.stderr
                # Every tab, on either worker, was sent the change: each measured its push delay.
                pushed = await asyncio.to_thread(wait_for, lambda: value(
                    scrape(two_workers), "beacon_push_delay_seconds", "beacon_push_delay_seconds_count"
                ) >= before + len(tabs), LINK_TIMEOUT_S)
                assert pushed, "not every tab's push delay reached the scrape"
                return len(tabs), {tab.worker for tab in tabs}, scrapes
            finally:
                for tab in tabs:
                    await tab.disconnect()

    opened, workers, scrapes = run_async(scenario())
    for families in scrapes:
        assert value(families, "beacon_live_links") == opened
        listeners = {labels["worker"] for labels, _v, _name in families["beacon_feed_applied_seq"]}
        assert listeners == workers  # each worker's own listener, from either worker's answer
        for job in LEADER_JOBS:
            assert value(families, "beacon_leader_held", job=job) == 1, job  # led once among the two
    assert wait_for(lambda: value(scrape(two_workers), "beacon_live_links") == 0, SETTLE_TIMEOUT_S)
