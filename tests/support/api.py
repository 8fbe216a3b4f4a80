"""Calling the HTTP API as a script would: httpx against the API's own ASGI app."""

from __future__ import annotations

import httpx

from app.api.routes import api
from tests.support.loops import run_async

# httpx's ASGI transport's own peer: a caller on this machine.
LOOPBACK_PEER = ("127.0.0.1", 123)


def call_api(method: str, path: str, token: str | None = None, *, authorization: str | None = None,
             peer: tuple[str, int] = LOOPBACK_PEER, **kwargs) -> httpx.Response:
    """`token` sends "Bearer <token>"; `authorization` sends that header as it is (attacks); `peer`
    is the TCP peer the app sees (host, port)."""
    headers = dict(kwargs.pop("headers", None) or {})
    if authorization is not None:
        headers["Authorization"] = authorization
    elif token:
        headers["Authorization"] = f"Bearer {token}"

    async def go():
        transport = httpx.ASGITransport(app=api, client=peer)
        async with httpx.AsyncClient(transport=transport, base_url="http://beacon") as client:
            return await client.request(method, path, headers=headers, **kwargs)

    return run_async(go())
