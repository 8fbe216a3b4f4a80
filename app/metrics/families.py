"""What Beacon measures: every metric, its name, its help text and how processes add up.

Imported only once a value is recorded or scraped (record.py, scrape.py), never when the app is
merely loaded: prometheus-client picks its in-memory or its shared-directory storage on import
(directory.py). Gauges say how the workers' values combine: `livesum` adds those of the live
workers (a killed worker's pages are gone), `livemax` keeps each worker's own series.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from prometheus_client import Counter, Gauge, Histogram

# A round of the listener: an ordinary one takes a few ms; the read budget is 0.1 s a round
# (listener.WINDOW_READ_BUDGET_SECONDS), and a round past a second is worth a look.
BATCH_SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Distinct windows read again in one round: none for most changes, a few for a task, hundreds only
# when many different searches are open on one tenant.
WINDOWS_REREAD_BUCKETS = (0, 1, 2, 5, 10, 20, 50, 100, 200, 500)
# Commit to send: p50 ~10-25 ms on SQLite with a few pages (docs/measured.md); a second is late.
PUSH_DELAY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@dataclass(frozen=True)
class BeaconMetrics:
    live_links: Gauge
    polling_pages: Gauge
    changes_applied: Counter
    applied_seq: Gauge
    batch_seconds: Histogram
    windows_reread: Histogram
    push_delay: Histogram
    failed_window_reads: Counter
    worker_tasks: Counter
    signin_locks: Counter
    throttled_actions: Counter
    leader_held: Gauge


@functools.cache
def beacon_metrics() -> BeaconMetrics:
    """The metrics, made once per process in prometheus-client's default registry."""
    return BeaconMetrics(
        live_links=Gauge("beacon_live_links", "Open pages' links to the change feed (live or polling), "
                         "over the backend workers.", multiprocess_mode="livesum"),
        polling_pages=Gauge("beacon_polling_pages", "Open pages getting their changes by polling (live "
                            "updates off, or the feed lost its database signal).", multiprocess_mode="livesum"),
        changes_applied=Counter("beacon_feed_changes_applied", "Changes of the log the listeners have "
                                "delivered (each backend worker's listener counts every change)."),
        applied_seq=Gauge("beacon_feed_applied_seq", "The newest change each backend worker's listener has "
                          "pushed to every page it concerns.", ["worker"], multiprocess_mode="livemax"),
        batch_seconds=Histogram("beacon_feed_batch_seconds", "How long one round of the listener took "
                                "(views, window reads, delivery).", buckets=BATCH_SECONDS_BUCKETS),
        windows_reread=Histogram("beacon_feed_windows_reread", "Distinct windows one round of the listener "
                                 "read again.", buckets=WINDOWS_REREAD_BUCKETS),
        push_delay=Histogram("beacon_push_delay_seconds", "From a change's commit to its delivery to an open "
                             "page (one observation per page and delivery).", buckets=PUSH_DELAY_BUCKETS),
        failed_window_reads=Counter("beacon_feed_failed_window_reads", "Windows that could not be read (their "
                                    "pages were told; nothing else failed)."),
        worker_tasks=Counter("beacon_worker_tasks", "AI agents' tasks the task worker finished, by outcome "
                             "(completed, failed, lost: its claim ran out).", ["outcome"]),
        signin_locks=Counter("beacon_signin_locks", "Sign-in locks set by failed passwords, by what was locked "
                             "(pair: an account from one address; address; device).", ["lock"]),
        throttled_actions=Counter("beacon_throttled_actions", "Page actions refused by the write throttle, "
                                  "by action kind.", ["action"]),
        leader_held=Gauge("beacon_leader_held", "1 while a backend worker of this host leads the job (presence "
                          "sweeper, retention, maintenance timer).", ["job"], multiprocess_mode="livesum"),
    )
