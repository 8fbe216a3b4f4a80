"""GET /metrics: Prometheus's text format, for a scraper on this machine or a platform admin's token.

A request counts as this machine's only when its TCP peer is loopback and no proxy says it relayed
it (app/api/auth.py from_local_browser): behind a reverse proxy on the same host every request's
peer is loopback, and X-Forwarded-For is whatever the caller wrote unless a trusted proxy wrote it.
Anyone else needs a platform admin's token, as for /api/v1/health.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response

from app.api.auth import from_local_browser
from app.api.deps import caller
from app.rules.actors import require_platform_admin


async def get_metrics(request: Request) -> Response:
    if not from_local_browser(request):
        require_platform_admin(await caller(request))
    from app.metrics.scrape import CONTENT_TYPE, exposition  # prometheus-client is loaded at the first scrape

    body = await asyncio.to_thread(exposition)
    return Response(body, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})
