"""Who is calling, and running a service operation as them: what every state's handlers share.

A Reflex event can be sent by any websocket client, whatever the page shows, so every handler
asks the database who is calling (never a var of the tab) before it reads or writes anything,
and a refused operation is shown the same way on every page: beside the fields it names, above
the form, or as a toast. The states take these from one mixin instead of each keeping a copy.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

import reflex as rx

from app.db import attribute_writes
from app.rules.actors import Actor
from app.rules.errors import InvalidInput, ServiceError
from app.services import throttle
from app.state.auth import AuthState, refusal_for

# What a handler answers once an operation has succeeded: a toast's text, or a function of the
# operation's result (it may change the state and return the events to send, or nothing).
Success = str | Callable[[Any], Any] | None


class SignedIn(rx.State, mixin=True):
    """A mixin: each state that inherits it stays a substate of its own name (WorkState, ...)."""

    async def _caller(self) -> Actor | None:
        """The signed-in user of this tab as the database has them now, or None when signed out.
        The rest of the event's write transactions are counted as this user's (app/db.py)."""
        actor = await (await self.get_state(AuthState))._actor()
        if actor is not None:
            attribute_writes(f"user:{actor.user_id}")
        return actor

    async def _signed_in(self) -> tuple[Actor | None, Any]:
        """(the caller, None), or (None, the redirect to the login page) when signed out."""
        actor = await self._caller()
        return actor, refusal_for(actor)

    async def _window_reader(self) -> tuple[Actor | None, Any]:
        """(the caller, None) when they may open another window now (a search, a filter, a page,
        "Show more", a contact); else (None, what to answer): the redirect to /login when signed
        out, a toast when they asked for too many (throttle.WINDOW_READ). Asked before the handler
        changes anything, so a refused ask leaves the page showing, and following, what it did."""
        actor, refusal = await self._signed_in()
        if actor is None:
            return None, refusal
        try:
            await asyncio.to_thread(throttle.check_write, actor, throttle.WINDOW_READ)
        except throttle.TooManyChanges as refused:
            return None, rx.toast.error(refused.message)
        return actor, None

    async def _platform_admin(self) -> tuple[Actor | None, Any]:
        """(the caller, None) for a platform admin; else (None, where the page's own guard sends them)."""
        actor = await self._caller()
        refusal = refusal_for(actor, platform_admin=True)
        return (None, refusal) if refusal is not None else (actor, None)

    def _show_refusal(self, errors: str, error: ServiceError) -> None:
        """A form's refusal: InvalidInput beside the fields it names, any other above the form."""
        setattr(self, errors, dict(error.fields) if isinstance(error, InvalidInput) else {"form": error.message})

    async def _call(self, operation: Callable, *args: Any, success: Success = None, errors: str | None = None,
                    limit: throttle.ActionLimit = throttle.PAGE_ACTION, reads_only: bool = False):
        """Run `operation(caller, *args)` for the signed-in caller (see _call_as); signed out: to /login."""
        actor, refusal = await self._signed_in()
        if actor is None:
            return refusal
        return await self._call_as(actor, operation, *args, success=success, errors=errors, limit=limit,
                                   reads_only=reads_only)

    async def _call_as(self, actor: Actor, operation: Callable, *args: Any, success: Success = None,
                       errors: str | None = None, limit: throttle.ActionLimit = throttle.PAGE_ACTION,
                       reads_only: bool = False):
        """Run `operation(actor, *args)` in a thread (services block on the database) and answer
        what the handler returns.

        `limit`: the write throttle counted first (a refused write does not reach the service):
        PAGE_ACTION unless the handler names its own kind. Only an operation that never writes
        (a view's read) is called with `reads_only=True`, which counts nothing
        (tests/unit/test_page_writes_throttled.py holds the list of those).
        `errors`: the name of the form's dict of field errors, which a refusal fills and a success
        empties; None shows a refusal as a toast. Ids go to the service as the page sent them: it
        answers one that is not a number like a missing one, and a missing one like another
        tenant's."""
        try:
            if not reads_only:
                await asyncio.to_thread(throttle.check_write, actor, limit)
            result = await asyncio.to_thread(operation, actor, *args)
        except ServiceError as error:
            if errors is None:
                return rx.toast.error(error.message)
            self._show_refusal(errors, error)
            return None
        if errors is not None:
            setattr(self, errors, {})
        if success is None or isinstance(success, str):
            return rx.toast.success(success) if success else None
        answer = success(result)
        return await answer if inspect.isawaitable(answer) else answer
