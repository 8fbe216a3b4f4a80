"""Event handlers are declared with app/state/events.py `event` (Reflex's `rx.event` as mypy reads
it), so mypy checks every page's call of a handler against the handler's own arguments. A handler
decorated `@rx.event` would type as not callable and slip out of that check."""

from __future__ import annotations

import ast
from pathlib import Path

STATES = Path(__file__).resolve().parents[2] / "app" / "state"


def _decorators_named_rx_event() -> list[str]:
    found = []
    for path in sorted(STATES.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for decorator in node.decorator_list:
                    target = decorator.func if isinstance(decorator, ast.Call) else decorator
                    if ast.unparse(target) == "rx.event":
                        found.append(f"{path.name}:{node.lineno} {node.name}")
    return found


def test_every_state_event_handler_is_declared_with_the_typed_event():
    assert _decorators_named_rx_event() == []


def test_the_typed_event_is_reflexs_own_at_run_time():
    import reflex as rx

    from app.state.events import event

    assert event is rx.event
