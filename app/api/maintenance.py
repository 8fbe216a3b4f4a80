"""/api/v1/maintenance-windows: schedule, list, extend and cancel maintenance windows; and
/api/v1/system-status/bulk: one status (and message) to several clients at once."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from app.api.errors import error_response, service_error_response
from app.api.system_status import _client_param, caller
from app.services import maintenance, system_status
from app.services.errors import InvalidInput, ServiceError
from app.services.timeparse import parse_expiry

WINDOW_FIELDS = frozenset({"client_id", "starts_at", "ends_at", "message"})
BULK_FIELDS = frozenset({"client_ids", "status", "message", "type", "expires_at"})


class _BadBody(Exception):
    def __init__(self, message: str):
        self.message = message


async def _json_object(request: Request, allowed: frozenset[str]) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _BadBody("The body must be JSON.") from None
    if not isinstance(body, dict):
        raise _BadBody("The body must be a JSON object.")
    unknown = set(body) - allowed
    if unknown:
        raise InvalidInput({name: "Unknown field." for name in sorted(unknown)})
    return body


def _strings(body: dict[str, Any], *names: str) -> None:
    for name in names:
        if body.get(name) is not None and not isinstance(body[name], str):
            raise InvalidInput({name: "Must be a string."})


def _moment(body: dict[str, Any], name: str):
    """An ISO 8601 date-time (UTC unless it names a zone), or a duration from now (10m, 2h)."""
    return parse_expiry(body.get(name), field=name)


async def list_windows(request: Request) -> JSONResponse:
    try:
        actor = await caller(request)
        open_only = request.query_params.get("state", "") == "open"
        rows = await asyncio.to_thread(maintenance.list_windows, actor, not open_only)
    except ServiceError as error:
        return service_error_response(error)
    return JSONResponse({"windows": [r.as_json() for r in rows]})


async def create_window(request: Request) -> JSONResponse:
    try:
        actor = await caller(request)
        body = await _json_object(request, WINDOW_FIELDS)
        _strings(body, "starts_at", "ends_at", "message")
        problems: dict[str, str] = {}
        moments = {}
        for name in ("starts_at", "ends_at"):
            try:
                moments[name] = _moment(body, name)
            except InvalidInput as error:
                problems.update(error.fields)
        client_id = _client_param(body.get("client_id"), "client_id")
        if problems:
            raise InvalidInput(problems)
        row = await asyncio.to_thread(maintenance.schedule_window, actor, client_id, moments["starts_at"],
                                      moments["ends_at"], body.get("message") or "")
    except _BadBody as error:
        return error_response(422, error.message)
    except ServiceError as error:
        return service_error_response(error)
    return JSONResponse(row.as_json(), status_code=201)


async def change_window(request: Request) -> JSONResponse:
    try:
        actor = await caller(request)
        body = await _json_object(request, frozenset({"ends_at"}))
        _strings(body, "ends_at")
        if "ends_at" not in body:
            raise InvalidInput({"ends_at": "Required: the new end (ISO 8601)."})
        row = await asyncio.to_thread(maintenance.extend_window, actor, request.path_params["window_id"],
                                      _moment(body, "ends_at"))
    except _BadBody as error:
        return error_response(422, error.message)
    except ServiceError as error:
        return service_error_response(error)
    return JSONResponse(row.as_json())


async def cancel_window(request: Request) -> JSONResponse:
    try:
        actor = await caller(request)
        row = await asyncio.to_thread(maintenance.cancel_window, actor, request.path_params["window_id"])
    except ServiceError as error:
        return service_error_response(error)
    return JSONResponse(row.as_json())


async def publish_bulk(request: Request) -> JSONResponse:
    try:
        actor = await caller(request)
        body = await _json_object(request, BULK_FIELDS)
        _strings(body, "status", "message", "type", "expires_at")
        raw_ids = body.get("client_ids")
        if not isinstance(raw_ids, list):
            raise InvalidInput({"client_ids": "Give a list of client ids."})
        client_ids = [_client_param(raw, "client_ids") for raw in raw_ids[:system_status.BULK_CLIENTS_MAX + 1]]
        if any(c is None for c in client_ids):
            raise InvalidInput({"client_ids": "Each entry must be a client id (an integer)."})
        results = await asyncio.to_thread(
            system_status.publish_to_clients, actor, client_ids, body.get("status") or "",
            body.get("message") or "", body.get("type") or "info", parse_expiry(body.get("expires_at")),
        )
    except _BadBody as error:
        return error_response(422, error.message)
    except ServiceError as error:
        return service_error_response(error)
    return JSONResponse({"published": [
        {"client_id": r.client_id, "status": r.status, "previous_status": r.previous_status,
         "message_id": r.message_id} for r in results]})
