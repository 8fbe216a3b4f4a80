"""`event`: Reflex's `rx.event`, as mypy can read it.

`rx.event` is a class whose `__new__` returns an EventCallback (typed so in Reflex's overloads,
which pyright applies); mypy types a call of a class as that class whatever `__new__` says, so
to it every handler was an `EventNamespace`, "not callable" in a page. This is the same object,
declared with the signature of those overloads: pages are checked against each handler's own
arguments. Decorate event handlers with `@event`, not `@rx.event`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVarTuple, overload

import reflex as rx

Ts = TypeVarTuple("Ts")

if TYPE_CHECKING:
    from reflex_base.event import EventCallback

    @overload
    def event(func: Callable[[Any, *Ts], Any], /) -> EventCallback[*Ts]: ...
    @overload
    def event(*, background: bool | None = None, supersedes: bool | None = None,
              stop_propagation: bool | None = None, prevent_default: bool | None = None,
              throttle: int | None = None, debounce: int | None = None, temporal: bool | None = None,
              ) -> Callable[[Callable[[Any, *Ts], Any]], EventCallback[*Ts]]: ...
    def event(*args: Any, **kwargs: Any) -> Any: ...
else:
    event = rx.event
