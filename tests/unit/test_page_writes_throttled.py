"""Every page action that writes goes through the write throttle: it is the signed-in states'
default (app/state/signed_in.py `_call` / `_call_as`), not a per-handler choice.

Read from the states' source: no handler passes `limit=None`; `reads_only=True` (no throttle) is
given only to operations that never write, listed here; and every service writer a handler calls
outside `_call` is preceded by `check_write` in that handler.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from app.services import throttle
from app.state.signed_in import SignedIn

STATES = Path(__file__).resolve().parents[2] / "app" / "state"
# Operations called with reads_only=True: each only reads (a view), so there is nothing to throttle.
READERS = {"presence.presence_history"}


def _calls(name: str):
    for path in sorted(STATES.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == name and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "self"):
                yield path.name, node


def test_the_default_limit_of_a_page_action_is_the_write_throttle():
    for method in (SignedIn._call, SignedIn._call_as):
        parameters = inspect.signature(method).parameters
        assert parameters["limit"].default is throttle.PAGE_ACTION
        assert parameters["reads_only"].default is False
    assert throttle.PAGE_ACTION in throttle.LIMITS and throttle.ACTIVITY in throttle.LIMITS


def test_no_handler_writes_unthrottled():
    seen = 0
    for name in ("_call", "_call_as"):
        for filename, call in _calls(name):
            if filename == "signed_in.py":
                continue
            seen += 1
            keywords = {k.arg: k.value for k in call.keywords}
            if "limit" in keywords:
                limit = keywords["limit"]
                assert isinstance(limit, ast.Attribute) and ast.unparse(limit).startswith("throttle."), \
                    f"{filename}:{call.lineno} names a limit that is not one of services/throttle.py's"
            if "reads_only" in keywords:
                operation = call.args[1] if name == "_call_as" else call.args[0]
                assert ast.unparse(operation) in READERS, \
                    f"{filename}:{call.lineno}: reads_only for {ast.unparse(operation)}, which is not a known reader"
    assert seen >= 15  # the scan found the handlers


def test_handlers_that_write_outside_call_check_the_throttle_first():
    """A handler that calls a service writer itself (asyncio.to_thread(service.writer, ...))
    counts a write against a limit earlier in the same function."""
    writers = {"assign_chat", "publish_system_status", "schedule_window", "publish_bulk",
               "schedule_follow_up", "publish_to_clients", "record_activity", "set_manual_status", "cancel_task",
               "approve_draft", "reject_draft", "mark_draft_sent", "cancel_follow_up", "close_chat", "revoke_token",
               "withdraw_system_message", "clear_status_override", "cancel_window", "extend_window"}
    for path in sorted(STATES.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if not isinstance(function, ast.AsyncFunctionDef | ast.FunctionDef):
                continue
            source = ast.unparse(function)
            for node in ast.walk(function):
                if not (isinstance(node, ast.Call) and ast.unparse(node.func) == "asyncio.to_thread" and node.args):
                    continue
                target = ast.unparse(node.args[0]).split(".")[-1]
                if target in writers:
                    assert "check_write" in source, f"{path.name}:{node.lineno} writes ({target}) unthrottled"
