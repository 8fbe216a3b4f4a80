"""/api/v1/maintenance-windows: schedule, list, extend and cancel maintenance windows; and
/api/v1/system-status/bulk: one status (and message) to several clients at once."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from pydantic import field_validator
from starlette.requests import Request
from starlette.responses import JSONResponse

from app.api.bodies import RequestBody, client_id_param, read_body
from app.api.deps import caller
from app.models import MessageType
from app.rules.actors import require_platform_admin
from app.rules.errors import InvalidInput
from app.rules.timeparse import parse_expiry, parse_span
from app.services import maintenance, system_status
from app.views import maintenance as maintenance_view


class WindowBody(RequestBody):
    """POST /api/v1/maintenance-windows: when (ISO 8601 date-times, UTC unless they name a zone,
    or durations from now: 10m, 2h), for which client (null: all), and what to tell people."""

    required: ClassVar[dict[str, str]] = {"starts_at": "Required: when it starts (ISO 8601).",
                                          "ends_at": "Required: when it ends (ISO 8601)."}

    client_id: Any = None
    starts_at: str
    ends_at: str
    message: str | None = None

    @field_validator("client_id", mode="before")
    @classmethod
    def _client(cls, raw: Any) -> int | None:
        return client_id_param(raw, "client_id")


class ExtensionBody(RequestBody):
    """PATCH /api/v1/maintenance-windows/{id}: the new end."""

    required: ClassVar[dict[str, str]] = {"ends_at": "Required: the new end (ISO 8601)."}

    ends_at: str


class BulkPublishBody(RequestBody):
    """POST /api/v1/system-status/bulk: POST /api/v1/system-status's fields, for several clients."""

    required: ClassVar[dict[str, str]] = {"client_ids": "Give a list of client ids.",
                                          "status": "Required: active, maintenance or inactive."}

    client_ids: list[Any]
    status: str
    message: str | None = None
    type: str | None = None
    expires_at: str | None = None

    @field_validator("client_ids", mode="before")
    @classmethod
    def _clients(cls, raw: Any) -> list[int]:
        if not isinstance(raw, list):
            raise InvalidInput({"client_ids": "Give a list of client ids."})
        given = [client_id_param(value, "client_ids") for value in raw[:system_status.BULK_CLIENTS_MAX + 1]]
        ids = [client_id for client_id in given if client_id is not None]
        if len(ids) < len(given):
            raise InvalidInput({"client_ids": "Each entry must be a client id (an integer)."})
        return ids


async def list_windows(request: Request) -> JSONResponse:
    actor = await caller(request)
    open_only = request.query_params.get("state", "") == "open"
    rows = await asyncio.to_thread(maintenance_view.list_windows, actor, not open_only)
    return JSONResponse({"windows": [r.as_json() for r in rows]})


async def create_window(request: Request) -> JSONResponse:
    actor = await caller(request)
    require_platform_admin(actor)  # before the body is read (the service checks again)
    body = await read_body(request, WindowBody)
    span = parse_span(body.starts_at, body.ends_at)
    row = await asyncio.to_thread(maintenance.schedule_window, actor, body.client_id, span.starts_at,
                                  span.ends_at, body.message or "")
    return JSONResponse(row.as_json(), status_code=201)


async def change_window(request: Request) -> JSONResponse:
    actor = await caller(request)
    require_platform_admin(actor)  # before the body is read (the service checks again)
    body = await read_body(request, ExtensionBody)
    row = await asyncio.to_thread(maintenance.extend_window, actor, request.path_params["window_id"],
                                  parse_expiry(body.ends_at, field="ends_at"))
    return JSONResponse(row.as_json())


async def cancel_window(request: Request) -> JSONResponse:
    actor = await caller(request)
    row = await asyncio.to_thread(maintenance.cancel_window, actor, request.path_params["window_id"])
    return JSONResponse(row.as_json())


async def publish_bulk(request: Request) -> JSONResponse:
    actor = await caller(request)
    require_platform_admin(actor)  # before the body is read (the service checks again)
    body = await read_body(request, BulkPublishBody)
    results = await asyncio.to_thread(
        system_status.publish_to_clients, actor, body.client_ids, body.status or "", body.message or "",
        body.type or MessageType.INFO, parse_expiry(body.expires_at),
    )
    return JSONResponse({"published": [
        {"client_id": r.client_id, "status": r.status, "previous_status": r.previous_status,
         "message_id": r.message_id} for r in results]})
