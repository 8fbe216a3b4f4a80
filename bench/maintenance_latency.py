"""How late pages turn for scheduled maintenance: starts_at -> DOM, and ends_at -> DOM.

A Beacon server (`reflex run --env prod`, SQLite, one worker) and one open Acme dashboard in
Chromium. WINDOWS windows are scheduled one after another through the HTTP API, each starting
LEAD_S after it was scheduled and lasting LENGTH_S. A MutationObserver in the page stamps the
moment the banner's data-status turns to "maintenance" and the moment the banner goes; the
page's clock is matched to this process's by the fastest of a few round trips. Prints p50 / p90 /
max of both lags, and the load average.

    python bench/maintenance_latency.py [--windows 20]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _support import clock_offset_ms  # noqa: E402 - the benches' one page clock

WINDOWS = 20  # windows measured (the figure)
LEAD_S = 2.0  # a window starts this long after it is scheduled: the timer must wake for it
LENGTH_S = 1.5  # and lasts this long
PAUSE_S = 0.5  # between one window's end and the next one's scheduling
PAGE_TIMEOUT_MS = 20_000
BANNER = '[data-testid="system-banner"]'
WATCH_JS = """() => {
  window.__turns = [];
  let last = null;
  const look = () => {
    const b = document.querySelector('[data-testid="system-banner"]');
    const now = b ? b.getAttribute('data-status') : 'none';
    if (now !== last) { window.__turns.push([now, Date.now()]); last = now; }
  };
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true, attributes: true});
  look();
}"""




def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--windows", type=int, default=WINDOWS)
    args = parser.parse_args()

    import httpx
    from playwright.sync_api import sync_playwright

    from tests.conftest import prepare_database
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server

    workdir = Path(tempfile.mkdtemp(prefix="beacon-bench-maintenance-"))
    database_url = f"sqlite:///{workdir / 'beacon.db'}"
    prepare_database(database_url)
    from app.services.auth import create_api_token
    from sqlmodel import select

    from app.db import read_session
    from app.models import Client

    token = create_api_token("admin@beacon.demo")
    with read_session() as session:
        acme = session.exec(select(Client.id).where(Client.name == "Acme")).one()
    process, server = start_server(workdir, database_url=database_url, prepare=False)
    starts: list[float] = []
    ends: list[float] = []
    try:
        with sync_playwright() as p, httpx.Client(base_url=server.url, timeout=10,
                                                  headers={"Authorization": f"Bearer {token}"}) as api:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context().new_page()
            page.set_default_timeout(PAGE_TIMEOUT_MS)
            page.goto(server.url + "/login")
            page.get_by_label("Email", exact=True).fill("ops@acme.demo")
            page.get_by_label("Password", exact=True).fill("beacon-demo")
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("button", name="Sign out").wait_for()
            page.wait_for_selector('[data-testid="connection-status"][data-state="connected"]')
            page.evaluate(WATCH_JS)
            offset = clock_offset_ms(page)
            for i in range(args.windows):
                start = datetime.now(timezone.utc) + timedelta(seconds=LEAD_S)
                end = start + timedelta(seconds=LENGTH_S)
                page.evaluate("() => { window.__turns = []; }")
                response = api.post("/api/v1/maintenance-windows", json={
                    "client_id": acme, "starts_at": start.isoformat(), "ends_at": end.isoformat(),
                    "message": f"bench {i}"})
                response.raise_for_status()
                page.wait_for_function(
                    "() => window.__turns.some(t => t[0] === 'maintenance') && "
                    "window.__turns.some((t, i) => i > 0 && t[0] === 'none' && "
                    "window.__turns.slice(0, i).some(u => u[0] === 'maintenance'))")
                turns = page.evaluate("() => window.__turns")
                amber = next(t for t in turns if t[0] == "maintenance")[1] - offset
                back = next(t for t in turns if t[0] == "none" and t[1] >= amber + offset)[1] - offset
                starts.append(amber - start.timestamp() * 1000)
                ends.append(back - end.timestamp() * 1000)
                print(f"window {i + 1:2d}: start -> amber {starts[-1]:7.1f} ms, end -> back {ends[-1]:7.1f} ms",
                      flush=True)
                time.sleep(PAUSE_S)
            browser.close()
    finally:
        stop_server(process)
    load = os.getloadavg()
    print(f"\n{len(starts)} windows, SQLite, one backend worker, load average {load[0]:.1f} / {load[1]:.1f}")
    for name, values in (("starts_at -> amber in the DOM", starts), ("ends_at -> banner gone", ends)):
        print(f"{name}: p50 {statistics.median(values):.1f} / p90 {pct(values, 0.9):.1f} / "
              f"max {max(values):.1f} ms (min {min(values):.1f})")


if __name__ == "__main__":
    main()
