"""Forged events, sent as an attacker would: a raw socket.io client speaking Reflex's websocket
protocol (tests/support/websocket_client.py LightClient), signed in as Acme's client admin, calls every public
event handler of every Beacon state, whatever the page shows, with Globex's ids (a contact, task,
draft, chat, follow-up, agent, message), a string just under the 1 MB frame, markup, SQL, and
text holding NUL, a lone surrogate or an ANSI escape.

Afterwards the database shows that nothing of Globex changed and nothing at all was written, and
the deltas the tab received hold no value longer than any value Beacon shows: nothing the page
sent was kept whole in its state. Every event holding hostile text was refused at the door with
a toast, before its handler ran (the same run on PostgreSQL, where a NUL reaching a query fails
the statement: there only the hostile strings are sent). A support agent's and a plain user's
tabs never receive a chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import pkgutil
import time
from typing import Any

import pytest

from tests.support import websocket_client as S
from tests.support.database import use_database
from tests.support.loops import run_async
from tests.support.project import ROOT
from tests.support.server import BeaconServer
from tests.support.waiting import until_async as _until

LINK_TIMEOUT_S = 30.0  # connect and receive the first views, on a busy 2-core machine
DONE_TIMEOUT_S = 300.0  # every forged event processed (a few hundred, some near 1 MB)
BIG = "FORGED-BIG:" + "A" * 900_000  # under Reflex's 1 MB websocket frame with the envelope
MARKUP = '<script>alert("FORGED-XSS")</script><img src=x onerror=alert(1)>'
SETVAR_MARK = "FORGED-SETVAR"
SQL = "1; DROP TABLE contacts; -- ' OR '1'='1 FORGED-SQL"
# Text no field accepts (app/rules/text.py): each must be refused before its handler runs.
HOSTILE_TEXT = ("FORGED-NUL\x00", "FORGED-SURROGATE\ud800", "\x1b[31mFORGED-ANSI\x1b[0m")
# What the door answers an event holding one (app/state/event_guard.py refusal_text).
REFUSAL_MARK = "Nothing was changed:"
# The longest text Beacon itself puts in a tab (a draft's body is cut to 8000 characters).
STATE_STRING_LIMIT = 8_000
# Anything the page sent may be kept only cut to a field's size (a search: 100, an actor: 254).
ECHO_LIMIT = 300
# The fields any of Beacon's forms send (a forged form sends them all).
FORM_FIELDS = ("chat_id", "agent", "contact", "scheduled_for", "note", "instructions", "client", "status",
               "message", "type", "expires_at", "id", "email", "password", "expires_input")
# Not forged here: signing in is the sign-in throttling suite's (a thousand wrong passwords lock
# the test machine's address), signing out ends the attacker's own session, follow_changes is
# tests/e2e/test_hostile_live_link.py's.
SKIPPED = {"sign_in", "sign_out", "follow_changes"}
# What Acme's admin may do to Acme's own rows from its pages: a forged id that happens to be one
# of Acme's own may do these (audited, in Acme), and nothing else.
ACME_ADMIN_MAY = {"chat.close", "chat.assign", "task.cancel", "draft.approve", "draft.reject", "draft.send",
                  "follow_up.cancel", "follow_up.schedule", "task.assign"}


def _beacon_states() -> list[type]:
    """Every rx.State subclass Beacon defines (app/state/*.py)."""
    import reflex as rx

    import app.state

    for module in pkgutil.iter_modules(app.state.__path__):
        importlib.import_module(f"app.state.{module.name}")

    def walk(cls):
        for sub in cls.get_substates():
            yield sub
            yield from walk(sub)

    return [cls for cls in walk(rx.State) if cls.__module__.startswith("app.state.")]


def _handlers() -> list[tuple[type, str, list[str]]]:
    """(state, handler name, its parameters) for every public event handler, `setvar` included."""
    found = []
    for state in _beacon_states():
        for name, handler in sorted(state.event_handlers.items()):
            if name in SKIPPED:
                continue
            params = [p for p in inspect.signature(handler.fn).parameters if p != "self"]
            found.append((state, name, params))
    return found


def test_every_beacon_state_and_handler_is_enumerated():
    names = {(state.__name__, name) for state, name, _ in _handlers()}
    assert len({state for state, _ in names}) >= 9
    for expected in [("WorkState", "approve"), ("WorkforceState", "close_chat"), ("PublishState", "publish"),
                     ("ContactsState", "assign"), ("PresenceState", "choose"), ("BrowserClock", "remember"),
                     ("AuditLogState", "setvar")]:
        assert expected in names


# --- the server's database ----------------------------------------------------------------------


def _globex_ids(server: BeaconServer) -> dict[str, int]:
    """A Globex row of each kind the handlers take ids of (made for this test, undone after)."""
    from app.db import read_session
    from app.models import Chat
    from app.services.chats import create_chat
    from app.services.system_status import publish_system_status
    from tests.support.factory import ADMIN, actor, one_of_each

    use_database(server.database_url)
    ids = one_of_each("Globex", instructions="forged-events target", note="target",
                      draft_subject="Globex private draft")
    ids["chat"] = create_chat(None, "Globex", "Globex private chat subject")
    message = publish_system_status(actor(ADMIN), ids["client"], "active", "Globex note", "info")
    with read_session() as session:
        assert session.get(Chat, ids["chat"]) is not None
    return {**ids, "message": message.message_id}


def _undo(server: BeaconServer, ids: dict[str, int]) -> None:
    """Leave Globex as other browser tests expect it: no open task, draft, follow-up or chat."""
    from app.services import chats, drafts, follow_ups, tasks
    from app.services.auth import actor_for_email

    use_database(server.database_url)
    ops = actor_for_email("ops@globex.demo")
    for undo in (lambda: tasks.cancel_task(ops, ids["task"]), lambda: drafts.reject_draft(ops, ids["draft"]),
                 lambda: follow_ups.cancel_follow_up(ops, ids["follow_up"]),
                 lambda: chats.close_chat(ops, ids["chat"])):
        with contextlib.suppress(Exception):  # noqa: BLE001 - already in that state
            undo()


def _database_snapshot(server: BeaconServer, globex: int) -> dict[str, Any]:
    """Globex's rows as they are, and how many rows of every written kind exist anywhere."""
    import sqlalchemy as sa

    from app.db import read_session

    use_database(server.database_url)
    queries = {
        "globex_tasks": "SELECT id, status, instructions FROM agent_tasks WHERE client_id = :c ORDER BY id",
        "globex_drafts": "SELECT id, status, subject FROM drafts WHERE client_id = :c ORDER BY id",
        "globex_follow_ups": "SELECT id, status, note FROM follow_ups WHERE client_id = :c ORDER BY id",
        "globex_chats": "SELECT id, status, human_agent_id, subject FROM chats WHERE client_id = :c ORDER BY id",
        "globex_contacts": "SELECT id, name, email FROM contacts WHERE client_id = :c ORDER BY id",
        "globex_agents": "SELECT id, manual_status, active_chats FROM human_agents WHERE client_id = :c ORDER BY id",
        "globex_status": "SELECT status FROM agent_status WHERE client_id = :c",
        "messages": "SELECT id, message, is_active, expires_at FROM system_messages ORDER BY id",
        # Outside Acme (the attacker's own tenant, where its admin may act) nothing is written.
        "audit_rows_not_acme": "SELECT count(*) FROM audit_logs WHERE client_id IS NULL OR client_id != :a",
        "tasks_not_acme": "SELECT count(*) FROM agent_tasks WHERE client_id != :a",
        "drafts_not_acme": "SELECT count(*) FROM drafts WHERE client_id != :a",
        "follow_ups_not_acme": "SELECT count(*) FROM follow_ups WHERE client_id != :a",
        "chats_not_acme": "SELECT count(*), sum(CASE WHEN status = 'closed' THEN 1 ELSE 0 END) FROM chats "
                          "WHERE client_id != :a",
        "users": "SELECT count(*) FROM users",
        "clients": "SELECT id, name FROM clients ORDER BY id",
        "statuses": "SELECT client_id, status FROM agent_status ORDER BY client_id",
    }
    with read_session() as session:
        acme = session.execute(sa.text("SELECT id FROM clients WHERE name = 'Acme'")).scalar_one()
        return {name: [tuple(row) for row in session.execute(sa.text(sql), {"c": globex, "a": acme})]
                for name, sql in queries.items()}


def _acme_audit_since(server: BeaconServer, after_id: int) -> list[tuple]:
    """What the forged events did in Acme (ids that happen to be Acme's own): each an audited
    act its admin may do from the page anyway."""
    import sqlalchemy as sa

    from app.db import read_session

    use_database(server.database_url)
    with read_session() as session:
        return [tuple(row) for row in session.execute(sa.text(
            "SELECT a.actor_label, a.action, a.target_type, c.name FROM audit_logs a "
            "LEFT JOIN clients c ON c.id = a.client_id WHERE a.id > :i ORDER BY a.id"), {"i": after_id})]


def _last_audit_id(server: BeaconServer) -> int:
    import sqlalchemy as sa

    from app.db import read_session

    use_database(server.database_url)
    with read_session() as session:
        return session.execute(sa.text("SELECT coalesce(max(id), 0) FROM audit_logs")).scalar_one()


# --- the attacker's tab -------------------------------------------------------------------------


class Tab:
    """A LightClient that keeps every var of every state the server sent it, merged."""

    def __init__(self, server: BeaconServer, token: str, http, route: str):
        self.client = S.LightClient(url=server.url, frontend=S.read_frontend(ROOT), session_token=token,
                                    http=http, route=route)
        self.route = route
        self.state: dict[str, dict[str, Any]] = {}
        self.longest: dict[str, int] = {}  # "state.var" -> the longest string it ever held
        self.echoes: dict[str, int] = {}  # "state.var" -> longest value holding a forged marker
        self.refusals = 0  # toasts saying the door refused an event's text
        self.client.sio.on("event", self._on_event, namespace="/_event")

    def _on_event(self, data) -> None:
        self.client._on_event(data)
        events = (data.get("events") or []) if isinstance(data, dict) else []
        self.refusals += sum(REFUSAL_MARK in str(event.get("payload", "")) for event in events
                             if isinstance(event, dict))
        delta = (data.get("delta") or {}) if isinstance(data, dict) else {}
        for key, values in delta.items():
            part = self.state.setdefault(key, {})
            for var, value in S.strip(values).items():
                part[var] = value
                for text in _strings(value):
                    name = f"{key.rsplit('.', 1)[-1]}.{var}"
                    self.longest[name] = max(self.longest.get(name, 0), len(text))
                    if "FORGED" in text:
                        self.echoes[name] = max(self.echoes.get(name, 0), len(text))

    def var(self, state: type, name: str) -> Any:
        return self.state.get(state.get_full_name(), {}).get(name)

    async def open(self) -> None:
        await self.client.connect()
        await asyncio.wait_for(self.client.live.wait(), LINK_TIMEOUT_S)

    async def send(self, state: type, handler: str, payload: dict[str, Any], router_data=None) -> None:
        await self.client.sio.emit("event", {
            "name": f"{state.get_full_name()}.{handler}", "payload": payload,
            "router_data": router_data or {"pathname": self.route, "asPath": self.route},
        }, namespace="/_event")


def _strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)




def _forged_payloads(params: list[str], globex: dict[str, int], hostile_text_only: bool = False
                     ) -> list[dict[str, Any]]:
    """What an attacker sends a handler taking `params`: each hostile value in every argument (a
    form, a dict argument, in every field); the big string in one argument or field at a time.
    `hostile_text_only`: only the strings no field accepts (each in every argument and field)."""
    if not params:
        return [] if hostile_text_only else [{}]
    values: list[Any] = list(HOSTILE_TEXT)
    if not hostile_text_only:
        values += [*globex.values(), str(globex["task"]), MARKUP, SQL, -1, 2**70, None,
                   ["FORGED-LIST"], {"FORGED": "dict"}]
    payloads = []
    for value in values:
        form = {field: value for field in FORM_FIELDS}
        payloads.append({p: (form if _is_form(p) else value) for p in params})
    if hostile_text_only:
        return payloads
    for target in params:  # the big string in one place at a time (each event under 1 MB)
        fields = FORM_FIELDS if _is_form(target) else (None,)
        for field in fields:
            payloads.append({p: (({field: BIG} if _is_form(p) else BIG) if p == target else
                                 ({} if _is_form(p) else "0")) for p in params})
    return payloads


def _is_form(param: str) -> bool:
    return param in ("form_data", "message")


@pytest.fixture
def globex_rows(server):
    ids = _globex_ids(server)
    yield ids
    _undo(server, ids)


def _holds_hostile_text(payload: Any) -> bool:
    return any(text in HOSTILE_TEXT for text in _strings(payload))


def _attack(server: BeaconServer, globex_rows: dict[str, int], hostile_text_only: bool = False) -> None:
    """Acme's admin's tab forges every handler (see _forged_payloads); then nothing of Globex and
    nothing outside Acme's own permitted acts changed, the tab keeps nothing whole, and every
    event holding hostile text got the door's refusal."""
    from app.state.contacts import ContactsState

    before = _database_snapshot(server, globex_rows["client"])
    last_audit = _last_audit_id(server)
    handlers = _handlers()
    token = server.session_token("ops@acme.demo")
    sent = hostile_sent = 0

    async def scenario():
        nonlocal sent, hostile_sent
        async with S.shared_http_session() as http:
            tab = Tab(server, token, http, "/agents")
            await tab.open()
            try:
                for state, name, params in handlers:
                    for payload in _forged_payloads(params, globex_rows, hostile_text_only):
                        await tab.send(state, name, payload)
                        sent += 1
                        # setvar is refused whatever it holds, without a word (no page uses it).
                        hostile_sent += name != "setvar" and _holds_hostile_text(payload)
                    if name == "setvar" and not hostile_text_only:  # every var, as Reflex's setter would
                        for var in sorted(state.base_vars):
                            await tab.send(state, name, {"var_name": var, "value": SETVAR_MARK})
                            sent += 1
                # Reflex handles a tab's events in order: once this one is applied, all were.
                await tab.send(ContactsState, "set_search", {"value": "FORGED-DONE"})
                await _until(lambda: tab.var(ContactsState, "search") == "FORGED-DONE"
                             or tab.client.disconnected, DONE_TIMEOUT_S)
                assert not tab.client.disconnected, "the server dropped the tab (a frame it refused?)"
                return tab
            finally:
                await tab.client.disconnect()

    tab = run_async(scenario())
    after = _database_snapshot(server, globex_rows["client"])
    changed = {name for name in before if before[name] != after[name]}
    assert not changed, f"after {sent} forged events these changed: {changed}\n" + "\n".join(
        f"{name}: {before[name]} -> {after[name]}" for name in sorted(changed))
    acme_acts = _acme_audit_since(server, last_audit)
    assert all(actor == "ops@acme.demo" and client == "Acme" and action in ACME_ADMIN_MAY
               for actor, action, _target, client in acme_acts), acme_acts
    if hostile_text_only:
        assert not acme_acts, f"an event holding hostile text wrote: {acme_acts}"
    assert tab.refusals == hostile_sent > 0, f"{tab.refusals} refusals for {hostile_sent} events with hostile text"
    too_long = {name: length for name, length in tab.longest.items() if length > STATE_STRING_LIMIT}
    assert not too_long, f"state vars holding long strings: {too_long}"
    echoed = {name: length for name, length in tab.echoes.items() if length > ECHO_LIMIT}
    assert not echoed, f"state vars holding what the page sent, whole: {echoed}"
    shown = " ".join(_strings(tab.state))
    assert not any(char in shown for char in ("\x00", "\ud800", "\x1b")), "hostile text reached the tab's state"
    assert SETVAR_MARK not in shown, "setvar set a var"
    assert "Globex private" not in shown and "Globex note" not in shown, "a Globex value reached Acme's tab"


def test_forged_events_change_nothing_of_globex_and_keep_nothing_whole(server, globex_rows):
    _attack(server, globex_rows)


@pytest.fixture(scope="module")
def postgres_server(tmp_path_factory):
    """A Beacon server of its own on a PostgreSQL database of its own (dropped after)."""
    from tests.support.database import create_postgres_database, drop_postgres_database
    from tests.support.server import start_server, stop_server

    database_url = create_postgres_database()
    process = None
    try:
        process, running = start_server(tmp_path_factory.mktemp("beacon-forged-pg"), database_url=database_url)
        yield running
    finally:
        stop_server(process)
        drop_postgres_database(database_url)


@pytest.mark.postgres
def test_hostile_text_is_refused_at_the_door_on_postgresql(postgres_server):
    """PostgreSQL refuses a statement holding NUL outright: every handler, sent only the hostile
    strings (the rest of the attack is the database-independent SQLite run above)."""
    ids = _globex_ids(postgres_server)
    try:
        _attack(postgres_server, ids, hostile_text_only=True)
    finally:
        _undo(postgres_server, ids)


def test_a_forged_router_path_is_not_kept_whole(server):
    """The route the page says it is on comes with every event; a 900 kB one is not state."""
    from app.state.contacts import ContactsState

    token = server.session_token("ops@acme.demo")

    async def scenario():
        async with S.shared_http_session() as http:
            tab = Tab(server, token, http, "/contacts")
            await tab.open()
            try:
                path = "/contacts?" + BIG[:800_000]
                await tab.send(ContactsState, "set_search", {"value": "FORGED-ROUTER"},
                               router_data={"pathname": "/contacts", "asPath": path, "query": {"q": BIG[:50_000]}})
                await _until(lambda: tab.var(ContactsState, "search") == "FORGED-ROUTER"
                             or tab.client.disconnected, DONE_TIMEOUT_S)
                return tab
            finally:
                await tab.client.disconnect()

    tab = run_async(scenario())
    too_long = {name: length for name, length in tab.longest.items() if length > STATE_STRING_LIMIT}
    assert not too_long, f"state vars holding long strings: {too_long}"


@pytest.mark.parametrize("role", ["support_staff", "user"])
def test_only_admins_tabs_receive_chats(server, role):
    """Chats (their subjects) reach only the roles whose pages show them: a support agent's or a
    plain user's tab on /agents never holds one, while Acme's admin's does."""
    from app.services.auth import actor_for_email, create_user
    from app.state.workforce import WorkforceState

    use_database(server.database_url)
    if role == "support_staff":
        email, password = "sam@acme.demo", "beacon-demo"
    else:
        email, password = f"forged-{time.monotonic_ns()}@acme.demo", "forged-events-pw-1"
        create_user(actor_for_email("admin@beacon.demo"), email, "Forged", password, "user", "Acme")
    from app.services.chats import create_chat

    create_chat(None, "Acme", "FORGED chat only admins may read")

    async def scenario():
        async with S.shared_http_session() as http:
            admin_tab = Tab(server, server.session_token("ops@acme.demo"), http, "/agents")
            other_tab = Tab(server, server.session_token(email, password), http, "/agents")
            await admin_tab.open()
            await other_tab.open()
            try:
                await _until(lambda: admin_tab.var(WorkforceState, "chats"), LINK_TIMEOUT_S)
                await asyncio.sleep(1.0)
                return admin_tab, other_tab
            finally:
                await admin_tab.client.disconnect()
                await other_tab.client.disconnect()

    admin_tab, other_tab = run_async(scenario())
    assert any("FORGED chat" in c["subject"] for c in admin_tab.var(WorkforceState, "chats"))
    assert not other_tab.var(WorkforceState, "chats")
    assert "FORGED chat" not in " ".join(_strings(other_tab.state))
    _close_acme_chats(server)


def _close_acme_chats(server: BeaconServer) -> None:
    from sqlmodel import select

    from app.db import read_session
    from app.models import Chat
    from app.services.auth import actor_for_email
    from app.services.chats import close_chat

    use_database(server.database_url)
    ops = actor_for_email("ops@acme.demo")
    with read_session() as session:
        ids = [c.id for c in session.exec(select(Chat).where(Chat.subject.startswith("FORGED")))]
    for chat_id in ids:
        close_chat(ops, chat_id)


@pytest.mark.parametrize("agent", ["9" * 30, "-1", "1e9", "%00"])
def test_a_forged_agent_page_still_gets_its_live_link(server, agent):
    """/agents/<id> with an id no agent can have: the page's live link starts (no crash on the
    number, no query on it), and shows no agent's tasks."""
    from app.state.work import WorkState

    token = server.session_token("ops@acme.demo")

    async def scenario():
        async with S.shared_http_session() as http:
            tab = Tab(server, token, http, f"/agents/{agent}")
            try:
                await tab.open()  # LiveLinkState.worker arrives only once follow_changes applied its views
                return tab
            finally:
                await tab.client.disconnect()

    tab = run_async(scenario())
    assert not tab.var(WorkState, "page_agent_tasks")
