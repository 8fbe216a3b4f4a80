"""Applying a pushed view to a state: only the vars whose value changed become part of the delta."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import reflex as rx


def assign_changed(state: rx.State, view: dict[str, Any], names: Iterable[str]) -> None:
    """Set each named var from `view` when it differs, so an unchanged list is not resent."""
    for name in names:
        value = view[name]
        if getattr(state, name) != value:
            setattr(state, name, value)
