"""What every event brings, checked before any handler runs.

An event's payload (its handler's arguments) holding a string with NUL, another control
character or a lone surrogate is refused whole (app/rules/text.py): nothing runs, nothing
changes, and the tab is told in a toast. Tabs and line breaks pass here, since only the handler's
service knows which fields are multi-line; it refuses them in single-line fields, beside the field.

Each event also carries the route it says it is on (`router_data`: path, asPath, query); Reflex
keeps it in the tab's state and sends it back as the router vars, so a forged 900 kB path would
sit in per-tab state like any unbounded field. Reflex has merged it into the state before any
middleware runs, so it cannot be refused: every string of it is cut to ROUTE_MAX_LENGTH and loses
the characters the rule refuses. Reflex's generic `setvar` handler, which every state has and no
Beacon page uses, is refused too: a script could otherwise call it on any state by name.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import reflex as rx
from reflex.event import Event
from reflex.middleware import Middleware
from reflex.state import BaseState, StateUpdate

from app.rules.text import HOSTILE_KINDS, hostile_field, strip_hostile, text_problem

ROUTE_MAX_LENGTH = 2048  # browsers and proxies cap URLs near here; Beacon's own are a few dozen characters
REFUSED_HANDLERS = frozenset({"setvar"})
# A field the refusal may name: one of Beacon's own field names, never an arbitrary forged key.
NAMEABLE_FIELD = re.compile(r"[a-z][a-z_]{0,39}")

log = logging.getLogger("beacon.events")
# Handlers a hostile payload was refused for, logged once each per process: a forging script
# sending thousands must not flood the log (the set is bounded by the app's handlers).
_logged_refusals: set[str] = set()


def refusal_text(field: str) -> str:
    """The toast of a refused event: which field (when it is one of ours), and why."""
    what = f"the {field.replace('_', ' ')} field" if NAMEABLE_FIELD.fullmatch(field) else "what the page sent"
    return f"Nothing was changed: {what} holds a character Beacon cannot accept, {HOSTILE_KINDS}."


def _unfit(value: Any) -> bool:
    """A string of the route too long to keep, or holding what the rule refuses."""
    if isinstance(value, str):
        return len(value) > ROUTE_MAX_LENGTH or text_problem(value, multiline=True) is not None
    if isinstance(value, dict):
        return any(_unfit(k) or _unfit(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_unfit(v) for v in value)
    return False


def _cut(value: Any) -> Any:
    if isinstance(value, str):
        return strip_hostile(value[:ROUTE_MAX_LENGTH])
    if isinstance(value, dict):
        return {_cut(k): _cut(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cut(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_cut(v) for v in value)
    return value


def _refused(event, field: str) -> StateUpdate:
    handler = event.name.rsplit(".", 1)[-1]
    if handler not in _logged_refusals:
        _logged_refusals.add(handler)
        log.warning("refused %s: its payload holds a control character, NUL or a lone surrogate "
                    "(logged once per handler)", handler)
    return StateUpdate(delta={}, events=Event.from_event_type(rx.toast.error(refusal_text(field))))


class BoundedEventInput(Middleware):
    async def preprocess(self, app, state: BaseState, event) -> StateUpdate | None:
        # The route first: Reflex merged it into the state already, whether the event runs or not.
        data = state.router_data
        if data and _unfit(data):
            bounded = _cut(data)
            state.router_data = state._update_router_vars(bounded, data)
        if event.name.rsplit(".", 1)[-1] in REFUSED_HANDLERS:
            return StateUpdate(delta={}, events=[])  # handled: nothing runs, nothing changes
        field = hostile_field(event.payload)
        if field is not None:
            return _refused(event, field)
        return None
