"""/api/v1/system-status: read the effective status and messages, and publish."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from app.api.errors import error_response, service_error_response
from app.services import system_status, tokens
from app.services.actors import Actor
from app.services.auth import API_TOKEN_PREFIX
from app.services.errors import InvalidInput, NotAuthenticated, ServiceError
from app.services.rules import MessageFacts
from app.services.supabase_auth import actor_for_supabase_token, looks_like_jwt
from app.services.timeparse import parse_expiry


# Methods that only read: a "read" token may call them; every other method needs a "publish" token.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def caller(request: Request) -> Actor:
    """The bearer token's user: a Beacon API token's, or a linked Supabase Auth user's (a JWT).

    NotAuthenticated (401) without a valid, unexpired, unrevoked token; Forbidden (403) for a
    read-scoped API token on a method that writes."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise NotAuthenticated("Send an API token as 'Authorization: Bearer <token>'.")
    if not token.startswith(API_TOKEN_PREFIX) and looks_like_jwt(token):
        return await asyncio.to_thread(actor_for_supabase_token, token)
    scope = tokens.READ if request.method.upper() in READING_METHODS else tokens.PUBLISH
    return await asyncio.to_thread(tokens.actor_for_api_token, token, scope)


def _message_json(message: MessageFacts | None) -> dict[str, Any] | None:
    if message is None:
        return None
    return {
        "id": message.id,
        "client_id": message.client_id,
        "type": message.type,
        "message": message.message,
        "expires_at": message.expires_at.isoformat() if message.expires_at else None,
        "created_at": message.created_at.isoformat(),
    }


def _snapshot_json(snapshot: system_status.SystemSnapshot) -> dict[str, Any]:
    return {
        "client_id": snapshot.client_id,
        "status": snapshot.status,
        "status_scope": snapshot.status_scope,
        "banner_visible": snapshot.banner_visible,
        "message": _message_json(snapshot.shown),
        "messages": [_message_json(m) for m in ([snapshot.shown] if snapshot.shown else []) + snapshot.others],
    }


CLIENT_PARAM_MAX_DIGITS = 40  # any well-formed number a prober tries; longer is not an id at all


def _client_param(raw: Any, field: str) -> int | None:
    """A client id as sent: an integer (or its digits), or null/""/"all" for all clients.

    A well-formed id no client has (a huge number too) goes on to the service, which answers it
    as it answers another tenant's: an id is never judged here by whether it exists."""
    if raw is None or raw == "" or raw == "all":
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, str)) or (isinstance(raw, str) and not (
            0 < len(raw.strip()) <= CLIENT_PARAM_MAX_DIGITS and raw.strip().isascii() and raw.strip().isdigit())):
        raise InvalidInput({field: "Give a client id (an integer), or null for all clients."})
    return int(raw)


async def get_system_status(request: Request) -> JSONResponse:
    try:
        actor = await caller(request)
        raw = request.query_params.get("client")
        client_id = _client_param(raw, "client") if raw is not None else (
            None if actor.is_platform_admin else actor.client_id
        )
        snapshot = await asyncio.to_thread(system_status.system_snapshot, actor, client_id)
    except ServiceError as error:
        return service_error_response(error)
    return JSONResponse(_snapshot_json(snapshot))


async def post_system_status(request: Request) -> JSONResponse:
    try:
        actor = await caller(request)
        try:
            body = json.loads(await request.body() or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            return error_response(422, "The body must be JSON.")
        if not isinstance(body, dict):
            return error_response(422, "The body must be a JSON object.")
        unknown = set(body) - {"client_id", "status", "message", "type", "expires_at"}
        if unknown:
            raise InvalidInput({name: "Unknown field." for name in sorted(unknown)})
        if "status" not in body:
            raise InvalidInput({"status": "Required: active, maintenance or inactive."})
        for name in ("status", "message", "type", "expires_at"):
            if body.get(name) is not None and not isinstance(body[name], str):
                raise InvalidInput({name: "Must be a string."})
        client_id = _client_param(body.get("client_id"), "client_id")
        expires_at = parse_expiry(body.get("expires_at"))
        result = await asyncio.to_thread(
            system_status.publish_system_status,
            actor,
            client_id,
            body.get("status") or "",
            body.get("message") or "",
            body.get("type") or "info",
            expires_at,
        )
        snapshot = await asyncio.to_thread(system_status.system_snapshot, actor, client_id)
    except ServiceError as error:
        return service_error_response(error)
    payload = _snapshot_json(snapshot)
    payload["published"] = {"status": result.status, "previous_status": result.previous_status,
                            "message_id": result.message_id}
    return JSONResponse(payload, status_code=200)
