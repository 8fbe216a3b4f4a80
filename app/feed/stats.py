"""What the change feed has cost and what it could not do, in this process (/api/v1/health shows
it; benchmarks read it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BatchCost:
    """What one round of the listener cost (app/feed/listener.py returns it; the stats add it up)."""

    changes: int
    queries: int
    windows_held: int
    windows_reread: int  # distinct windows read again
    pages_reread: int  # pages that received a re-read window
    pages_patched: int  # pages that received badge patches only
    over_budget: bool  # its window reads ran over the budget (or left windows to the next round)
    milliseconds: float


@dataclass
class FeedStats:
    batches: int = 0  # rounds of the listener: one read of the log and what it delivered
    last_changes: int = 0
    last_queries: int = 0
    last_windows_held: int = 0
    last_windows_reread: int = 0  # distinct windows read again
    last_pages_reread: int = 0  # pages that received a re-read window
    last_pages_patched: int = 0  # pages that received badge patches only
    # Failures that stayed where they happened (app/feed/guard.py): a window that could not be read
    # cost its own tabs a message; a shared view that could not be built, its own audience.
    failed_window_reads: int = 0
    failed_view_builds: int = 0
    # A batch that could not be built at all is retried (never skipped): how many attempts failed,
    # and whether the feed is waiting to retry one now.
    failed_batches: int = 0
    retrying: bool = False
    # The window read budget (listener.WINDOW_READ_BUDGET_SECONDS): rounds whose window reads ran
    # over it (and left windows to the next round, or one read alone took longer), the windows
    # waiting for the next round now, and how long rounds took (views, reads and delivery).
    batches_over_budget: int = 0
    windows_waiting: int = 0
    last_batch_ms: float = 0.0
    longest_batch_ms: float = 0.0

    def record(self, cost: BatchCost) -> None:
        """One round delivered: what it cost."""
        self.batches += 1
        self.last_changes = cost.changes
        self.last_queries = cost.queries
        self.last_windows_held = cost.windows_held
        self.last_windows_reread = cost.windows_reread
        self.last_pages_reread = cost.pages_reread
        self.last_pages_patched = cost.pages_patched
        self.batches_over_budget += cost.over_budget
        self.last_batch_ms = cost.milliseconds
        self.longest_batch_ms = max(self.longest_batch_ms, cost.milliseconds)

    def as_dict(self) -> dict[str, int | float | bool]:
        return dict(self.__dict__)


feed_stats = FeedStats()
