"""What every event brings besides its handler's arguments, bounded before any handler runs.

Each event a page sends carries the route it says it is on (`router_data`: path, asPath, query);
Reflex keeps it in the tab's state and sends it back as the router vars, so a forged 900 kB path
would sit in per-tab state like any unbounded field. This middleware cuts every string of it to
ROUTE_MAX_LENGTH first. It also refuses Reflex's generic `setvar` handler, which every state has
and no Beacon page uses: a script could otherwise call it on any state by name.
"""

from __future__ import annotations

from typing import Any

from reflex.middleware import Middleware
from reflex.state import BaseState, StateUpdate

ROUTE_MAX_LENGTH = 2048  # browsers and proxies cap URLs near here; Beacon's own are a few dozen characters
REFUSED_HANDLERS = frozenset({"setvar"})


def _oversized(value: Any) -> bool:
    if isinstance(value, str):
        return len(value) > ROUTE_MAX_LENGTH
    if isinstance(value, dict):
        return any(_oversized(k) or _oversized(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_oversized(v) for v in value)
    return False


def _cut(value: Any) -> Any:
    if isinstance(value, str):
        return value[:ROUTE_MAX_LENGTH]
    if isinstance(value, dict):
        return {_cut(k): _cut(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cut(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_cut(v) for v in value)
    return value


class BoundedEventInput(Middleware):
    async def preprocess(self, app, state: BaseState, event) -> StateUpdate | None:
        if event.name.rsplit(".", 1)[-1] in REFUSED_HANDLERS:
            return StateUpdate(delta={}, events=[])  # handled: nothing runs, nothing changes
        data = state.router_data
        if data and _oversized(data):
            bounded = _cut(data)
            state.router_data = state._update_router_vars(bounded, data)
        return None
