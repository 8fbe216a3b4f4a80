"""Write floods, sent as a script would send them: a raw socket.io client speaking Reflex's
websocket protocol (tests/support/websocket_client.py LightClient) fires the same page action in a loop.

Past each action's limit (services/throttle.py) nothing more is written (rows counted in the
database), the page is told "Too many changes; try again in N s", and another user acting at the
same moment is unaffected. Each attack uses users of its own, so the session server's other tests
keep their allowances.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlmodel import col

from app.services.throttle import PAGE_ACTION
from tests.support.factory import contact_ids, count, row
from tests.support.loops import run_async
from tests.support.raw_tabs import (
    CONTACTS_STATE,
    LINK_TIMEOUT_S,
    PRESENCE_STATE,
    PUBLISH_STATE,
    QUIET_S,
    SETTLE_TIMEOUT_S,
    WORK_STATE,
    WORKFORCE_STATE,
    Tab,
    new_user,
    refused_prefix,
    settled,
    tabs,
)
from tests.support.server import BeaconServer
from tests.support.waiting import until_async

FLOOD = 80  # events sent in a loop; well past every limit (30 a minute)
TOO_MANY = refused_prefix(PAGE_ACTION)  # every write limit's refusal starts so


def _audit_rows(user_id: int, action: str) -> int:
    from app.models import AuditLog

    return count(AuditLog, AuditLog.actor_id == user_id, AuditLog.action == action)


def _rows_created_by(model, user_id: int) -> int:
    return count(model, col(model.created_by) == user_id)


def _told_too_many(tab: Tab) -> int:
    return tab.received_count(TOO_MANY)


async def _until(condition: Callable[[], bool], timeout: float = SETTLE_TIMEOUT_S) -> None:
    await until_async(condition, timeout)


def test_a_presence_flood_writes_no_more_than_the_limit_and_others_are_unaffected(server):
    from app.services.throttle import PRESENCE

    attacker, attacker_id = new_user(server, "support_staff", "Acme", "flood-agent")
    other, other_id = new_user(server, "support_staff", "Acme", "calm-agent")

    async def scenario():
        async with tabs(server, "/", attacker, other) as (tab, calm):
            for i in range(FLOOD):
                await tab.send(PRESENCE_STATE, "choose", value="Busy" if i % 2 else "Available")
            await _until(lambda: _told_too_many(tab) >= FLOOD - PRESENCE.per_minute)
            await settled(lambda: _audit_rows(attacker_id, "presence.set"), PRESENCE.per_minute)

            await calm.send(PRESENCE_STATE, "choose", value="Busy")  # during the attacker's lockout
            await settled(lambda: _audit_rows(other_id, "presence.set"), 1)
            assert _told_too_many(calm) == 0

    run_async(scenario())


def test_a_follow_up_flood_writes_no_more_than_the_limit_and_others_are_unaffected(server):
    from app.models import Contact, FollowUp
    from app.services.throttle import SCHEDULE_FOLLOW_UP

    attacker, attacker_id = new_user(server, "client_admin", "Acme", "flood-admin")
    other, other_id = new_user(server, "client_admin", "Acme", "calm-admin")
    contact = row(Contact, contact_ids("Acme")[0])
    form = {"contact": contact.email, "scheduled_for": "2035-01-01T10:00", "note": "flood"}

    async def scenario():
        async with tabs(server, "/follow-ups", attacker, other) as (tab, calm):
            for _ in range(FLOOD):
                await tab.send(WORK_STATE, "schedule_follow_up", form_data=form)
            await _until(lambda: tab.saw(TOO_MANY))  # next to the form: follow_up_errors["form"]
            await settled(lambda: _rows_created_by(FollowUp, attacker_id), SCHEDULE_FOLLOW_UP.per_minute)
            assert _audit_rows(attacker_id, "follow_up.schedule") == SCHEDULE_FOLLOW_UP.per_minute

            await calm.send(WORK_STATE, "schedule_follow_up", form_data=form)
            await settled(lambda: _rows_created_by(FollowUp, other_id), 1)
            assert not calm.saw(TOO_MANY)

    run_async(scenario())


def test_an_assignment_flood_writes_no_more_than_the_limit(server):
    from app.models import AgentTask
    from app.services.throttle import ASSIGN_TASK

    attacker, attacker_id = new_user(server, "client_admin", "Acme", "flood-assigner")
    contact_id = contact_ids("Acme")[0]

    async def scenario():
        async with tabs(server, "/contacts", attacker) as (tab,):
            await _until(lambda: tab.saw("Outreach Agent"), LINK_TIMEOUT_S)  # the AI agents' view arrived
            for _ in range(FLOOD):
                await tab.send(CONTACTS_STATE, "start_assign", contact_id=contact_id)
                await tab.send(CONTACTS_STATE, "assign", form_data={"agent": "Outreach Agent", "instructions": ""})
            await _until(lambda: tab.saw(TOO_MANY))  # in the dialog: assign_errors["form"]
            await settled(lambda: _rows_created_by(AgentTask, attacker_id), ASSIGN_TASK.per_minute)

    run_async(scenario())


def test_a_publish_flood_writes_no_more_than_the_limit(server):
    from app.models import AuditAction
    from app.services.throttle import PUBLISH

    attacker, attacker_id = new_user(server, "platform_admin", None, "flood-publisher")

    async def scenario():
        async with tabs(server, "/admin", attacker) as (tab,):
            for _ in range(FLOOD):
                await tab.send(PUBLISH_STATE, "publish", form_data={
                    "client": "Acme", "status": "Active", "message": "", "type": "Info", "expires_at": ""})
            await _until(lambda: tab.saw(TOO_MANY))  # under the form: form_errors["form"]
            await settled(lambda: _audit_rows(attacker_id, AuditAction.SYSTEM_STATUS_PUBLISH), PUBLISH.per_minute)

    run_async(scenario())


LOOP_ROUNDS = 20  # rounds of the five work events below: 100 page actions, well past PAGE_ACTION's 60
ACTIVITY_REPORTS = 40  # report_activity in a loop: one per ACTIVITY_REPORT_MIN_SECONDS gets through
REFUSED_BY_SERVICE = ("No task with that id.", "No draft with that id.", "No chat with that id.",
                      "cannot become cancelled")


def _write_transactions(server: BeaconServer, token: str, user_id: int) -> int:
    """The write transactions the server opened for `user_id`'s page actions (/api/v1/health)."""
    import httpx

    answer = httpx.get(f"{server.url}/api/v1/health", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["write_transactions"].get(f"user:{user_id}", 0)


def test_a_loop_over_other_tenants_ids_and_finished_work_is_throttled_and_never_takes_the_write_lock(server):
    """A client admin's script loops cancel_task / approve / reject / close_chat over Globex's ids
    and cancel_task over its own task cancelled already; an agent's loops report_activity. Each
    event of the first loop is answered (a refusal toast), past PAGE_ACTION's allowance with "Too
    many changes"; none of them opens a write transaction on the server (counted there, per user),
    and the activity loop opens at most one. Before issue 19 these handlers had no throttle and
    each event took SQLite's write lock (BEGIN IMMEDIATE) before its checks."""
    from app.services import tasks
    from app.services.auth import actor_for_email
    from app.services.chats import close_chat, create_chat
    from tests.support.factory import ADMIN, api_token, one_of_each

    attacker, attacker_id = new_user(server, "client_admin", "Acme", "loop-admin")
    agent, agent_id = new_user(server, "support_staff", "Acme", "loop-agent")
    globex = one_of_each("Globex", instructions="loop target", note="loop target", draft_subject="loop target")
    globex_chat = create_chat(None, "Globex", "loop target chat")
    own = one_of_each("Acme", instructions="loop own", note="loop own", draft_subject="loop own")
    tasks.cancel_task(actor_for_email(attacker), own["task"])
    own_chat = create_chat(None, "Acme", "loop own chat, closed")
    close_chat(actor_for_email(attacker), own_chat)
    token = api_token(ADMIN)
    events = [("cancel_task", {"task_id": globex["task"]}), ("approve", {"draft_id": globex["draft"]}),
              ("reject", {"draft_id": globex["draft"]}), ("cancel_task", {"task_id": own["task"]})]

    async def scenario():
        async with tabs(server, "/", attacker, agent) as (tab, agent_tab):
            await agent_tab.send(PRESENCE_STATE, "choose", value="Available")  # the tab knows it is an agent's
            await settled(lambda: _audit_rows(agent_id, "presence.set"), 1)
            before = await asyncio.to_thread(_write_transactions, server, token, attacker_id)
            agent_before = await asyncio.to_thread(_write_transactions, server, token, agent_id)

            for _ in range(LOOP_ROUNDS):
                for handler, payload in events:
                    await tab.send(WORK_STATE, handler, **payload)
                await tab.send(WORKFORCE_STATE, "close_chat", chat_id=globex_chat)
            for _ in range(ACTIVITY_REPORTS):
                await agent_tab.send(PRESENCE_STATE, "report_activity")

            sent = LOOP_ROUNDS * (len(events) + 1)

            def answered() -> int:
                return _told_too_many(tab) + sum(
                    any(words in message for words in REFUSED_BY_SERVICE) for message in tab.received)

            await _until(lambda: answered() >= sent)
            await agent_tab.send(PRESENCE_STATE, "choose", value="Busy")  # queued behind the reports
            await settled(lambda: _audit_rows(agent_id, "presence.set"), 2)
            await asyncio.sleep(QUIET_S)
            assert answered() == sent
            assert _told_too_many(tab) >= sent - PAGE_ACTION.per_minute
            after = await asyncio.to_thread(_write_transactions, server, token, attacker_id)
            agent_after = await asyncio.to_thread(_write_transactions, server, token, agent_id)
            assert after - before == 0, f"{after - before} write transactions for {sent} events with nothing to write"
            # The activity reports: at most one written, plus the "Busy" choice's own.
            assert agent_after - agent_before <= 2, agent_after - agent_before
            # Closing the own closed chat again, as the page's button would: nothing to write either.
            await tab.send(WORKFORCE_STATE, "close_chat", chat_id=own_chat)
            await asyncio.sleep(QUIET_S)
            assert await asyncio.to_thread(_write_transactions, server, token, attacker_id) == after

    run_async(scenario())
