"""/api/v1/health: this backend worker's live link, for operators (platform admins)."""

from __future__ import annotations

import os

from starlette.requests import Request
from starlette.responses import JSONResponse

from app.api.deps import caller
from app.db import write_transaction_counts
from app.feed import listener
from app.feed.registry import registry
from app.feed.stats import feed_stats
from app.rules.actors import require_platform_admin


async def get_health(request: Request) -> JSONResponse:
    require_platform_admin(await caller(request))
    return JSONResponse({
        "worker_pid": os.getpid(),
        "feed_mode": registry.mode,
        "open_sessions": registry.session_count(),
        "audiences": sorted(registry.audiences()),
        "open_windows": sum(len(s.windows) for s in registry.all()),
        # batches_over_budget, windows_waiting and longest_batch_ms measure the listener against it.
        "feed": {**feed_stats.as_dict(), "window_read_budget_ms": listener.WINDOW_READ_BUDGET_SECONDS * 1000},
        # Write transactions this worker opened, per page user ("user:<id>") and "" for the rest.
        "write_transactions": write_transaction_counts(),
    })
