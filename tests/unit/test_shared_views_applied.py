"""Each shared view is applied field by field to the states that show it (views/shared.py): every
field of a view's part is a var its state declares, of the field's type, and every field of a
view is shown by some state or taken otherwise on purpose. A renamed var or field fails here, not
in a page's background task."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime
from typing import Any, get_type_hints

import pytest

from app.state.system import SystemState
from app.state.work import WorkState
from app.state.workforce import WorkforceState
from app.views.shared import (
    NO_MESSAGE,
    AgentLine,
    ChatLine,
    ChatsView,
    MessageLine,
    ServiceView,
    TenantView,
    WorkforceView,
)
from app.views.work import AIAgentLine, NotificationEvent, SummaryView, WorkSummary

# Each part of a shared view, and the state whose vars its fields are.
SHOWN_BY: dict[type, type] = {
    ServiceView: SystemState,
    WorkforceView: WorkforceState,
    ChatsView: WorkforceState,
    WorkSummary: WorkState,
}
# The fields of a shared view that no state shows as vars: WorkState._apply_view compares the
# events with the last it notified, and the page notifies the new ones (notification_scripts).
NOTIFIED = {(SummaryView, "events")}
SHARED_VIEWS = (TenantView, ChatsView, SummaryView)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
TENANT = TenantView(
    service=ServiceView(
        status="maintenance", status_label="Maintenance", status_scope="client", banner_visible=True,
        shown_message=MessageLine(id=7, type="warning", message="Back soon", scope="Acme", expires_at=NOW),
        other_messages=[NO_MESSAGE], more_messages=2, maintenance_notices=["Upgrade at noon"]),
    workforce=WorkforceView(available_agents=1, agents=[AgentLine(
        key="human-3", id=3, kind="human", name="Sam", state="available", client_id=1, client="Acme",
        active_chats=0, max_chats=3, can_take_work=True)]),
)
CHATS = ChatsView(chats=[ChatLine(id=5, subject="Refund", status="waiting", agent="", client_id=1, client="Acme")])
EVENT = NotificationEvent(id=9, title="Draft ready", body="A draft for Ann is ready for approval", url="/approvals",
                          kind="draft", contact="Ann")
SUMMARY = SummaryView(work=WorkSummary(ai_agents=[AIAgentLine(id=2, name="Outreach", kind="email", client_id=1,
                                                              enabled=True)], pending_count=4), events=[EVENT])


class Held:
    """A stand-in for a state: what an apply method reads from it and what it sets."""

    def __init__(self, **held: Any):
        self.__dict__["held"] = dict(held)
        self.__dict__["assigned"] = {}

    def __getattr__(self, name: str) -> Any:
        return self.held.get(name)  # nothing shown yet: every pushed value differs

    def __setattr__(self, name: str, value: Any) -> None:
        self.assigned[name] = value


def values_of(part: Any) -> dict[str, Any]:
    return {field.name: getattr(part, field.name) for field in fields(part)}


@pytest.mark.parametrize(("part", "state"), SHOWN_BY.items(), ids=lambda kind: kind.__name__)
def test_each_field_of_a_view_part_is_a_var_its_state_declares_with_the_fields_type(part, state):
    declared = {name: var._var_type for name, var in state.base_vars.items()}
    wanted = get_type_hints(part)
    assert {name: declared.get(name) for name in wanted} == wanted


@pytest.mark.parametrize("view", SHARED_VIEWS, ids=lambda view: view.__name__)
def test_every_field_of_a_shared_view_is_shown_by_a_state_or_notified(view):
    for name, kind in get_type_hints(view).items():
        assert view in SHOWN_BY or kind in SHOWN_BY or (view, name) in NOTIFIED, f"{view.__name__}.{name}"


def test_the_system_state_applies_the_tenant_views_service_part():
    state = Held()
    SystemState._apply_view(state, TENANT)
    assert state.assigned == values_of(TENANT.service)


def test_the_workforce_state_applies_the_tenant_views_workforce_part_and_the_chats_view():
    state = Held()
    WorkforceState._apply_view(state, TENANT)
    WorkforceState._apply_chats(state, CHATS)
    assert state.assigned == {**values_of(TENANT.workforce), **values_of(CHATS)}


def test_the_work_state_applies_the_summary_views_work_part_and_returns_the_new_events():
    state = Held(_last_event_id=EVENT.id - 1)  # the page has notified everything before EVENT
    fresh = WorkState._apply_view(state, SUMMARY)
    assert fresh == [EVENT]
    assert state.assigned == {**values_of(SUMMARY.work), "_last_event_id": EVENT.id}


def test_a_state_sets_nothing_a_view_did_not_change():
    state = Held(**values_of(TENANT.service))
    SystemState._apply_view(state, TENANT)
    assert state.assigned == {}
