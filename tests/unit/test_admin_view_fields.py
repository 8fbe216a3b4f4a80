"""The admin view is applied field by field onto the pushed-lists state (app/state/admin/lists.py):
a field the state does not declare, or declares as another type, fails here, not as an error
inside the live link's background task."""

from __future__ import annotations

import typing
from dataclasses import fields

from app.state.admin.lists import AdminListsState
from app.views.admin import AdminView


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
