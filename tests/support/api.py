"""Calling the HTTP API as a script would: httpx against the API's own ASGI app."""

from __future__ import annotations

import httpx

from app.api.routes import api
from tests.support.loops import run_async


def call_api(method: str, path: str, token: str | None = None, *, authorization: str | None = None,
             **kwargs) -> httpx.Response:
    """`token` sends "Bearer <token>"; `authorization` sends that header as it is (attacks)."""
    headers = {}
    if authorization is not None:
        headers["Authorization"] = authorization
    elif token:
        headers["Authorization"] = f"Bearer {token}"

    async def go():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://beacon") as client:
            return await client.request(method, path, headers=headers, **kwargs)

    return run_async(go())
