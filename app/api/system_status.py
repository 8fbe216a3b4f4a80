"""/api/v1/system-status: read the effective status and messages, and publish."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from pydantic import field_validator
from starlette.requests import Request
from starlette.responses import JSONResponse

from app.api.answers import SystemStatusAnswer
from app.api.bodies import RequestBody, client_id_param, read_body
from app.api.deps import caller
from app.models import MessageType
from app.rules.actors import require_platform_admin
from app.rules.timeparse import parse_expiry
from app.services import system_status
from app.views import status as status_view


class PublishBody(RequestBody):
    """POST /api/v1/system-status (and the set-system-status function)."""

    required: ClassVar[dict[str, str]] = {"status": "Required: active, maintenance or inactive."}

    client_id: Any = None
    status: str
    message: str | None = None
    type: str | None = None
    expires_at: str | None = None

    @field_validator("client_id", mode="before")
    @classmethod
    def _client(cls, raw: Any) -> int | None:
        return client_id_param(raw, "client_id")


async def get_system_status(request: Request) -> JSONResponse:
    actor = await caller(request)
    raw = request.query_params.get("client")
    client_id = client_id_param(raw, "client") if raw is not None else (
        None if actor.is_platform_admin else actor.client_id
    )
    snapshot = await asyncio.to_thread(status_view.system_snapshot, actor, client_id)
    return JSONResponse(SystemStatusAnswer.of(snapshot).as_json())


async def post_system_status(request: Request) -> JSONResponse:
    actor = await caller(request)
    require_platform_admin(actor)  # before the body: a caller who may not publish sends it for nothing
    body = await read_body(request, PublishBody)
    expires_at = parse_expiry(body.expires_at)
    result = await asyncio.to_thread(
        system_status.publish_system_status, actor, body.client_id, body.status or "", body.message or "",
        body.type or MessageType.INFO, expires_at,
    )
    snapshot = await asyncio.to_thread(status_view.system_snapshot, actor, body.client_id)
    payload = SystemStatusAnswer.of(snapshot).as_json()
    payload["published"] = {"status": result.status, "previous_status": result.previous_status,
                            "message_id": result.message_id}
    return JSONResponse(payload, status_code=200)
