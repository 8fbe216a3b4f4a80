"""Who is calling the API: the one place every endpoint asks."""

from __future__ import annotations

import asyncio

from starlette.requests import Request

from app.models import TokenScope
from app.rules.actors import Actor
from app.rules.errors import NotAuthenticated
from app.services import tokens
from app.services.actors import API_TOKEN_PREFIX
from app.services.supabase_auth import actor_for_supabase_token, looks_like_jwt

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
    scope = TokenScope.READ if request.method.upper() in READING_METHODS else TokenScope.PUBLISH
    return await asyncio.to_thread(tokens.actor_for_api_token, token, scope)
