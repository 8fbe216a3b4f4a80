"""Applying a pushed view to a state: only the vars whose value changed become part of the delta."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from typing import TYPE_CHECKING, Any

import reflex as rx

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


def apply_view(state: rx.State, view: DataclassInstance) -> None:
    """Set each var of `state` named by a field of the dataclass `view` when it differs, so an
    unchanged list is not resent. The names match by design (views/shared.py); a unit test holds
    each state to the views it applies (tests/unit/test_shared_views_applied.py)."""
    for field in fields(view):
        value = getattr(view, field.name)
        if getattr(state, field.name) != value:
            setattr(state, field.name, value)


def assign_changed(state: rx.State, view: dict[str, Any], names: Iterable[str]) -> None:
    """Set each named var from `view` when it differs (the admin lists, still a dict by var name)."""
    for name in names:
        value = view[name]
        if getattr(state, name) != value:
            setattr(state, name, value)
