"""The page actions a script can loop on resolve and authorize in a read session, and open a write
transaction (on SQLite: BEGIN IMMEDIATE, the lock every writer waits for) only to write.

Counted with app/db.py's per-process count of write transactions, on a real SQLite database:
another tenant's id, a missing id, a caller not allowed, a task cancelled already, a chat closed
already and an activity report with nothing new take none; the real change takes exactly one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest
from sqlmodel import select

from app.db import read_session, write_transaction_counts
from app.models import Chat, ChatStatus, HumanAgent
from app.rules.errors import Conflict, Forbidden, NotFound
from app.services import chats, drafts, follow_ups, presence, tasks
from app.services.auth import actor_for_email, create_user
from tests.support.factory import client_id, one_of_each


def writes(action: Callable[[], object], refused: type[Exception] | None = None) -> int:
    """How many write transactions `action` opened (raising `refused`, when given)."""
    before = sum(write_transaction_counts().values())
    if refused is None:
        action()
    else:
        with pytest.raises(refused):
            action()
    return sum(write_transaction_counts().values()) - before


def chat_of(client: str) -> int:
    with read_session() as session:
        return session.exec(select(Chat.id).where(Chat.client_id == client_id(client))).first()


@pytest.fixture
def world(database):
    return {"acme": one_of_each("Acme", "do it", "later", "Hello"),
            "globex": one_of_each("Globex", "do it", "later", "Hello"),
            "acme_admin": actor_for_email("ops@acme.demo"), "sam": actor_for_email("sam@acme.demo")}


def test_another_tenants_or_a_missing_id_takes_no_write_transaction(world):
    admin, globex = world["acme_admin"], world["globex"]
    for action, target in ((tasks.cancel_task, globex["task"]), (drafts.approve_draft, globex["draft"]),
                           (drafts.reject_draft, globex["draft"]), (drafts.mark_draft_sent, globex["draft"]),
                           (follow_ups.cancel_follow_up, globex["follow_up"]), (chats.close_chat, chat_of("Globex")),
                           (tasks.cancel_task, 10**9), (drafts.approve_draft, "1; DROP TABLE drafts")):
        assert writes(partial(action, admin, target), NotFound) == 0, action.__name__


def test_a_caller_not_allowed_takes_no_write_transaction(world):
    acme = world["acme"]
    create_user(None, "pat@acme.demo", "Pat", "a-long-password", "user", "Acme")
    pat = actor_for_email("pat@acme.demo")  # a plain user: no say over tasks, drafts, follow-ups, chats
    for action, target in ((tasks.cancel_task, acme["task"]), (drafts.approve_draft, acme["draft"]),
                           (follow_ups.cancel_follow_up, acme["follow_up"]), (chats.close_chat, chat_of("Acme"))):
        assert writes(partial(action, pat, target), Forbidden) == 0, action.__name__
    # Support staff close only their own chats.
    assert writes(lambda: chats.close_chat(world["sam"], chat_of("Acme")), Forbidden) == 0


def test_nothing_to_do_takes_no_write_transaction_and_the_change_takes_one(world):
    admin, acme = world["acme_admin"], world["acme"]
    assert writes(lambda: tasks.cancel_task(admin, acme["task"])) == 1
    assert writes(lambda: tasks.cancel_task(admin, acme["task"]), Conflict) == 0  # cancelled already
    assert writes(lambda: drafts.reject_draft(admin, acme["draft"])) == 1
    assert writes(lambda: drafts.approve_draft(admin, acme["draft"]), Conflict) == 0
    assert writes(lambda: follow_ups.cancel_follow_up(admin, acme["follow_up"])) == 1
    assert writes(lambda: follow_ups.cancel_follow_up(admin, acme["follow_up"]), Conflict) == 0
    chat = chat_of("Acme")
    assert writes(lambda: chats.close_chat(admin, chat)) == 1
    assert writes(lambda: chats.close_chat(admin, chat)) == 0  # closed already: nothing to write
    with read_session() as session:
        assert session.get(Chat, chat).status == ChatStatus.CLOSED


def test_activity_reports_write_only_when_there_is_something_new(world):
    sam = world["sam"]
    first = writes(lambda: presence.record_activity(sam))
    assert first <= 1
    assert [writes(lambda: presence.record_activity(sam)) for _ in range(20)] == [0] * 20
    assert writes(lambda: presence.record_activity(world["acme_admin"])) == 0  # not a human agent
    with read_session() as session:
        assert session.exec(select(HumanAgent).where(HumanAgent.user_id == sam.user_id)).one().last_activity_at


def test_an_activity_report_is_taken_once_per_interval_per_session(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(presence.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(presence, "_last_report", {})
    assert presence.activity_report_due("session-a")
    assert [presence.activity_report_due("session-a") for _ in range(50)] == [False] * 50
    assert presence.activity_report_due("session-b")  # another session has its own
    clock[0] += presence.ACTIVITY_REPORT_MIN_SECONDS
    assert presence.activity_report_due("session-a")
