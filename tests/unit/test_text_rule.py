"""The one rule for text (app/rules/text.py) and the websocket door that applies it to every
event's payload before any handler runs (app/state/event_guard.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest

from app.rules.actors import Actor
from app.rules.text import (
    HOSTILE_TEXT,
    LINE_BREAK_TEXT,
    has_hostile_text,
    hostile_field,
    strip_hostile,
    text_problem,
    text_problems,
)
from app.state import event_guard

NUL, SURROGATE, ANSI = "\x00", "\ud800", "\x1b[31m"
# Every character refused in any field: C0 but tab/newline/CR, DEL, C1, and the surrogates.
ALWAYS_REFUSED = ([chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"] + [chr(c) for c in range(0x7F, 0xA0)]
                  + ["\ud800", "\udbff", "\udc00", "\udfff"])


@pytest.mark.parametrize("char", ALWAYS_REFUSED, ids=lambda c: f"U+{ord(c):04X}")
def test_control_characters_and_lone_surrogates_are_refused_in_any_field(char):
    assert text_problem(f"a{char}b") == HOSTILE_TEXT
    assert text_problem(f"a{char}b", multiline=True) == HOSTILE_TEXT


@pytest.mark.parametrize("char", ["\t", "\n", "\r"], ids=["tab", "newline", "CR"])
def test_tabs_and_line_breaks_only_in_a_multiline_field(char):
    assert text_problem(f"one{char}two") == LINE_BREAK_TEXT
    assert text_problem(f"one{char}two", multiline=True) is None


def test_a_line_break_beside_a_control_character_is_refused_for_the_worse():
    assert text_problem(f"one\ntwo{ANSI}") == HOSTILE_TEXT


@pytest.mark.parametrize("text", ["", "plain", "Émilie Ørsted — 東京 😀", "\u00a0no-break space", "\u2028",
                                  "1; DROP TABLE contacts; --", "<script>x</script>"])
def test_ordinary_text_passes(text):
    assert text_problem(text) is None
    assert text_problem(text, multiline=True) is None


def test_anything_but_text_is_not_judged():
    assert text_problem(None) is None
    assert text_problem(42) is None


def test_the_problem_never_repeats_the_character():
    for char in (NUL, SURROGATE, ANSI, "\t"):
        problem = text_problem(f"x{char}", multiline=False)
        assert char not in problem


def test_problems_by_field():
    assert text_problems(single_line={"email": "a@b.c", "name": "x\ty"},
                         multiline={"message": "one\ntwo", "note": NUL}) == {
        "name": LINE_BREAK_TEXT, "note": HOSTILE_TEXT}


def test_the_payload_scan_finds_a_string_at_any_depth_and_names_its_field():
    assert hostile_field({"form_data": {"message": f"hi{NUL}", "type": "info"}}) == "message"
    assert hostile_field({"value": ["ok", {"deep": [f"{SURROGATE}"]}]}) == "deep"
    assert hostile_field({"value": ANSI}) == "value"
    assert hostile_field([1, 2, NUL]) == ""
    assert hostile_field(NUL) == ""


def test_a_refused_key_is_found_and_never_named():
    assert hostile_field({"form_data": {f"{NUL}evil": "x"}}) == "form_data"
    assert hostile_field({f"{ANSI}": 1}) == ""


def test_tabs_and_line_breaks_pass_the_payload_scan():
    payload = {"form_data": {"message": "one\ntwo\tthree\r\n", "n": 3, "none": None, "flag": True}}
    assert hostile_field(payload) is None
    assert not has_hostile_text(payload)


def test_the_payload_scan_survives_deep_nesting():
    deep: Any = NUL
    for _ in range(5000):  # deeper than Python's recursion limit
        deep = [deep]
    assert has_hostile_text({"value": deep})


def test_stripping_keeps_tabs_and_line_breaks():
    assert strip_hostile(f"/contacts{NUL}?q={ANSI}x\t{SURROGATE}") == "/contacts?q=[31mx\t"


# --- the websocket door ----------------------------------------------------------------------


@dataclass
class FakeEvent:
    name: str
    payload: dict[str, Any]


@dataclass
class FakeState:
    """What the middleware touches of a state: the router data Reflex merged in."""

    router_data: dict[str, Any] = field(default_factory=dict)

    def _update_router_vars(self, new: dict[str, Any], _old: dict[str, Any]) -> dict[str, Any]:
        return new


def _preprocess(payload: dict[str, Any], router_data: dict[str, Any] | None = None,
                handler: str = "publish") -> tuple[Any, FakeState]:
    state = FakeState(router_data=router_data or {"pathname": "/admin", "asPath": "/admin"})
    publish_state = "reflex___state____state.app___state___admin___publish____publish_state"
    event = FakeEvent(name=f"{publish_state}.{handler}", payload=payload)
    return asyncio.run(event_guard.BoundedEventInput().preprocess(None, state, event)), state


@pytest.mark.parametrize("hostile", [NUL, SURROGATE, ANSI])
def test_an_event_holding_hostile_text_is_answered_by_a_toast_and_runs_nothing(hostile):
    update, _ = _preprocess({"form_data": {"message": f"Back soon{hostile}", "status": "active"}})
    assert update is not None and update.delta == {}
    [toast] = update.events
    assert toast.name == "_call_function"
    assert "Nothing was changed: the message field holds a character Beacon cannot accept" in toast.payload["function"]
    assert hostile not in toast.payload["function"]


def test_a_forged_field_name_is_not_repeated_in_the_toast():
    update, _ = _preprocess({"form_data": {"X" * 5000: NUL}})
    assert "X" * 50 not in update.events[0].payload["function"]
    assert "what the page sent" in update.events[0].payload["function"]


def test_an_ordinary_event_goes_on_to_its_handler():
    update, _ = _preprocess({"form_data": {"message": "Back at noon,\nsorry.", "status": "active"}})
    assert update is None


def test_setvar_is_refused_whatever_it_holds():
    update, _ = _preprocess({"var_name": "search", "value": "x"}, handler="setvar")
    assert update is not None and update.events == []


def test_the_route_is_cut_and_cleaned_even_when_the_event_is_refused():
    route = {"pathname": f"/contacts{NUL}", "asPath": "/contacts?" + "A" * 100_000, "query": {"q": ANSI}}
    update, state = _preprocess({"value": NUL}, router_data=route)
    assert update is not None
    assert state.router_data["pathname"] == "/contacts"
    assert len(state.router_data["asPath"]) == event_guard.ROUTE_MAX_LENGTH
    assert not has_hostile_text(state.router_data)


# --- read-side fields, refused beside the field before any query ----------------------------------


def _drain(updates) -> list[Any]:
    async def go():
        return [update async for update in updates]

    return asyncio.run(go())


class SearchTab:
    """Stands in for ContactsState: the search's error, and the window it would read."""

    def __init__(self) -> None:
        self.search_error, self.badge_filter, self.sort = "", "", "name"
        self.read: list[str] = []

    async def _refilter(self, search: str, badge: str, sort: str):
        self.read.append(search)
        yield None


def test_a_search_holding_a_line_break_or_nul_is_refused_beside_the_box_and_read_nowhere():
    from app.state.contacts import ContactsState

    set_search = ContactsState.event_handlers["set_search"].fn
    tab = SearchTab()
    _drain(set_search(tab, "Ann\tLee"))
    assert (tab.search_error, tab.read) == (LINE_BREAK_TEXT, [])
    _drain(set_search(tab, f"Ann{NUL}"))
    assert (tab.search_error, tab.read) == (HOSTILE_TEXT, [])
    _drain(set_search(tab, "Ann Lee"))
    assert (tab.search_error, tab.read) == ("", ["Ann Lee"])


class AuditTab:
    """Stands in for AuditLogState: a platform admin's tab, its filters and errors."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}
        self.actor, self.offset = "", 0
        self.read: list[str] = []

    async def _platform_admin(self):
        return Actor(user_id=1, email="admin@beacon.demo", name="Admin", role="platform_admin", client_id=None), None

    async def _reread(self):
        self.read.append(self.actor)
        yield None


@pytest.mark.parametrize("hostile", [NUL, SURROGATE, ANSI, "\n"])
def test_an_audit_actor_filter_holding_hostile_text_is_refused_beside_the_field(hostile):
    from app.state.admin.audit import AuditLogState

    set_filter = AuditLogState.event_handlers["set_audit_filter"].fn
    tab = AuditTab()
    _drain(set_filter(tab, "actor", f"ops{hostile}"))
    assert tab.errors == {"actor": text_problem(f"ops{hostile}")} and tab.read == [] and tab.actor == ""
    _drain(set_filter(tab, "actor", "ops@"))
    assert tab.errors == {} and tab.read == ["ops@"]
