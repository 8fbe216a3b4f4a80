"""The states' shared mixin (app/state/signed_in.py): the states keep their names, and a service
operation's outcome reaches the page as before (a toast, field errors, or the form's error)."""

from __future__ import annotations

import asyncio

import pytest
import reflex as rx

from app.rules.actors import Actor
from app.rules.errors import Forbidden, InvalidInput
from app.services import throttle
from app.state.admin.audit import AuditLogState
from app.state.admin.bulk import BulkPublishState
from app.state.admin.history import StatusHistoryState
from app.state.admin.lists import AdminListsState
from app.state.admin.maintenance import ScheduledMaintenanceState
from app.state.admin.publish import PublishState
from app.state.admin.tokens import TokensState
from app.state.admin.uptime import UptimeState
from app.state.auth import HOME_ROUTE, LOGIN_ROUTE, refusal_for
from app.state.contacts import ContactsState
from app.state.presence import PresenceState
from app.state.signed_in import SignedIn
from app.state.work import WorkState
from app.state.workforce import WorkforceState

ADMIN = Actor(user_id=1, email="admin@beacon.demo", name="Admin", role="platform_admin", client_id=None)
AGENT = Actor(user_id=2, email="ops@acme.demo", name="Ops", role="client_admin", client_id=7)


def _says(event, text: str) -> bool:
    """Whether a redirect or toast carries `text` (EventSpecs hold Vars: they do not compare equal)."""
    return event is not None and f'"{text}"' in repr(event.args)


@pytest.mark.parametrize("state", [AdminListsState, AuditLogState, BulkPublishState, ContactsState, PresenceState,
                                   PublishState, ScheduledMaintenanceState, StatusHistoryState, TokensState, WorkState,
                                   WorkforceState])
def test_the_states_keep_their_names_under_the_root_state(state):
    # The benches and the forged-events suite address states by these names.
    assert issubclass(state, SignedIn)
    assert state.get_parent_state() is rx.State
    assert state in rx.State.get_substates()
    module = state.__module__.replace(".", "___")
    assert state.get_full_name().startswith(f"reflex___state____state.{module}____")


def test_the_uptime_scope_is_a_substate_of_the_lists_it_picks_from():
    assert issubclass(UptimeState, SignedIn)
    assert UptimeState.get_parent_state() is AdminListsState


def test_the_mixin_is_no_state_of_its_own():
    assert SignedIn._mixin
    assert SignedIn not in rx.State.get_substates()
    # Only private helpers: a public method would become an event handler of every state using it.
    assert not [name for name, value in vars(SignedIn).items() if callable(value) and not name.startswith("_")]


def test_who_is_sent_away():
    assert _says(refusal_for(None), LOGIN_ROUTE)
    assert _says(refusal_for(None, platform_admin=True), LOGIN_ROUTE)
    assert _says(refusal_for(AGENT, platform_admin=True), HOME_ROUTE)
    assert refusal_for(AGENT) is None
    assert refusal_for(ADMIN, platform_admin=True) is None


class Form:
    """Stands in for a state: the mixin's methods on a plain object with one form's errors."""

    _call_as = SignedIn._call_as
    _show_refusal = SignedIn._show_refusal

    def __init__(self) -> None:
        self.form_errors = {"stale": "from last time"}


def _run(form: Form, operation, *args, **options):
    return asyncio.run(form._call_as(AGENT, operation, *args, **options))


def _refuse(error):
    def operation(actor, *args):
        raise error
    return operation


def test_a_refusal_fills_the_form_or_becomes_a_toast():
    form = Form()
    assert _run(form, _refuse(InvalidInput({"message": "Too long."})), errors="form_errors") is None
    assert form.form_errors == {"message": "Too long."}
    assert _run(form, _refuse(Forbidden("Not yours.")), errors="form_errors") is None
    assert form.form_errors == {"form": "Not yours."}
    form = Form()
    assert _says(_run(form, _refuse(Forbidden("Not yours."))), "Not yours.")
    assert form.form_errors == {"stale": "from last time"}  # a toast leaves the form alone


def test_a_success_empties_the_form_and_answers_with_the_result():
    seen = []
    form = Form()
    answer = _run(form, lambda actor, x: seen.append((actor, x)) or 41 + x, 1, errors="form_errors",
                  success=lambda result: f"got {result}")
    assert seen == [(AGENT, 1)] and answer == "got 42" and form.form_errors == {}
    assert _says(_run(form, lambda actor: None, success="Done."), "Done.")
    assert _run(form, lambda actor: None) is None

    async def later(result):
        return result * 2
    assert _run(form, lambda actor: 21, success=later) == 42


def test_the_throttle_is_counted_first_and_its_refusal_stops_the_write(monkeypatch):
    calls = []

    def check_write(actor, limit):
        calls.append(limit)
        if len(calls) > 1:
            raise throttle.TooManyChanges(3)

    monkeypatch.setattr(throttle, "check_write", check_write)
    form = Form()
    writes = []
    _run(form, lambda actor: writes.append(1), limit=throttle.PUBLISH, errors="form_errors")
    assert writes == [1] and form.form_errors == {}
    _run(form, lambda actor: writes.append(2), limit=throttle.PUBLISH, errors="form_errors")
    assert writes == [1] and calls == [throttle.PUBLISH, throttle.PUBLISH]
    assert form.form_errors == {"form": throttle.too_many_message(3)}
