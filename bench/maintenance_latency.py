"""How late pages turn for scheduled maintenance: starts_at -> amber banner, ends_at -> banner gone.

`python bench/maintenance_latency.py [--windows 20] [--json] [--root DIR]` (SQLite, one worker, one Acme page).
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _support as S  # noqa: E402

LEAD_S = 2.0  # a window starts this long after it is scheduled: the timer must wake for it
LENGTH_S = 1.5  # and lasts this long
PAUSE_S = 0.5  # between one window's end and the next one's scheduling
STATUS_JS = "document.querySelector('[data-testid=system-banner]')?.getAttribute('data-status') ?? 'none'"


def run(args) -> dict:
    import httpx

    starts, ends = [], []
    with S.bench_database("sqlite") as (tmp, url):
        token, acme = S.admin_api_token(), S.client_id_of()
        with S.served(args.root, tmp, url) as server, S.chromium() as browser, httpx.Client(
                base_url=server.url, timeout=10, headers={"Authorization": f"Bearer {token}"}) as api:
            page = S.open_page(browser, server.url)
            S.watch(page, "status", STATUS_JS)
            offset = S.clock_offset_ms(page)
            for i in range(args.windows):
                start = datetime.now(UTC) + timedelta(seconds=LEAD_S)
                end = start + timedelta(seconds=LENGTH_S)
                api.post("/api/v1/maintenance-windows", json={
                    "client_id": acme, "starts_at": start.isoformat(), "ends_at": end.isoformat(),
                    "message": f"bench {i}"}).raise_for_status()
                since = start.timestamp() * 1000 + offset - LEAD_S * 1000  # page clock, when it was scheduled
                S.wait_shown([page], "status", "maintenance", since, 30)
                amber = next(at for v, at in S.watched(page, "status") if v == "maintenance" and at >= since)
                S.wait_shown([page], "status", "none", amber, 30)
                back = next(at for v, at in S.watched(page, "status") if v == "none" and at >= amber)
                amber, back = amber - offset, back - offset
                starts.append(amber - start.timestamp() * 1000)
                ends.append(back - end.timestamp() * 1000)
                S.log(f"window {i + 1}: start -> amber {starts[-1]:.1f} ms, end -> back {ends[-1]:.1f} ms")
                time.sleep(PAUSE_S)
    return {"starts_ms": starts, "ends_ms": ends, "load": os.getloadavg()[:2]}


def report(args, facts, out) -> list[str]:
    lines = [f"window {i + 1:2d}: start -> amber {a:7.1f} ms, end -> back {b:7.1f} ms"
             for i, (a, b) in enumerate(zip(out["starts_ms"], out["ends_ms"], strict=True))]
    lines += ["", f"{len(out['starts_ms'])} windows, SQLite, one backend worker, load average "
              f"{out['load'][0]:.1f} / {out['load'][1]:.1f}"]
    for name, values in (("starts_at -> amber in the DOM", out["starts_ms"]),
                         ("ends_at -> banner gone", out["ends_ms"])):
        s = S.stats(values)
        lines.append(f"{name}: p50 {s['p50']:.1f} / p90 {s['p90']:.1f} / max {s['max']:.1f} ms (min {s['min']:.1f})")
    return lines


if __name__ == "__main__":
    S.main(S.parser(__doc__, ("--windows", int, 20, "windows measured")), run, report, "windows")
