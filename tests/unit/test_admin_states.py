"""The admin's states (app/state/admin/): the admin view is applied field by field onto the
pushed-lists state, so a field the state does not declare, or declares as another type, fails
here, not as an error inside the live link's background task; and an admin event loads only its
own concern's substate."""

from __future__ import annotations

import typing
from dataclasses import fields

import pytest
from reflex.istate.manager.redis import StateManagerRedis

from app.state.admin.audit import AuditLogState
from app.state.admin.bulk import BulkPublishState
from app.state.admin.history import StatusHistoryState
from app.state.admin.lists import AdminListsState
from app.state.admin.maintenance import ScheduledMaintenanceState
from app.state.admin.publish import PublishState
from app.state.admin.tokens import TokensState
from app.state.admin.uptime import UptimeState
from app.views.admin import AdminView

ADMIN_STATES = [AdminListsState, AuditLogState, BulkPublishState, PublishState, ScheduledMaintenanceState,
                StatusHistoryState, TokensState, UptimeState]


def test_the_pushed_lists_state_declares_every_field_of_the_admin_view():
    missing = {f.name for f in fields(AdminView)} - set(AdminListsState.base_vars)
    assert missing == set()


def test_each_field_has_the_type_of_its_var():
    declared = typing.get_type_hints(AdminView)
    for f in fields(AdminView):
        assert AdminListsState.__fields__[f.name].annotated_type == declared[f.name], f.name


def test_applying_a_view_sets_only_what_changed():
    """The method alone, on a stand-in tab: an unchanged list is not set, so not resent."""
    names = [f.name for f in fields(AdminView)]
    set_names: list[str] = []
    values = dict.fromkeys(names, [])

    class Tab:
        def __getattr__(self, name):
            return values[name]

        def __setattr__(self, name, value):
            set_names.append(name)
            values[name] = value

    view = AdminView(**{**dict.fromkeys(names, []), "users": ["changed"]})
    AdminListsState._apply_view(Tab(), view)
    assert set_names == ["users"] and values["users"] == ["changed"]


def _loaded_with(state: type) -> set[type]:
    """The states Reflex's Redis manager reads (and may write back) to run an event of `state`."""
    manager = StateManagerRedis.__new__(StateManagerRedis)  # the class's own rule; no Redis needed
    return manager._get_required_state_classes(state, subclasses=True)


@pytest.mark.parametrize("state", [s for s in ADMIN_STATES if s not in (AdminListsState, UptimeState)])
def test_an_admin_event_loads_only_its_own_substate(state):
    assert _loaded_with(state) & set(ADMIN_STATES) == {state}


def test_the_uptime_scope_loads_the_lists_it_picks_from_and_nothing_else_of_the_admin():
    assert _loaded_with(UptimeState) & set(ADMIN_STATES) == {AdminListsState, UptimeState}
    assert _loaded_with(AdminListsState) & set(ADMIN_STATES) == {AdminListsState, UptimeState}
