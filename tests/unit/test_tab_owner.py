"""The states a tab forgets when its sign-in changes are discovered, never listed by hand."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import reflex as rx

import app.components
import app.pages
import app.state
from app.state.reset import beacon_states

PACKAGES_WITH_STATES = (app.state, app.components, app.pages)


def _states_defined_in_beacon() -> set[type]:
    found = set()
    for package in PACKAGES_WITH_STATES:
        for module_info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            module = importlib.import_module(module_info.name)
            found |= {cls for _, cls in inspect.getmembers(module, inspect.isclass)
                      if issubclass(cls, rx.State) and cls.__module__ == module.__name__ and not cls._mixin}
    return found


def test_every_state_beacon_defines_is_one_a_tab_forgets():
    defined = _states_defined_in_beacon()  # imports them all first, as the served app has
    assert set(beacon_states()) == defined


def test_reflex_s_own_states_are_left_alone():
    assert all(cls.__module__.startswith("app.") for cls in beacon_states())
