"""Presence and chat assignment against the real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import select, update

from app.db import read_session, transaction
from app.models import AuthSession, Chat, HumanAgent, PresenceEvent, User, utc_now
from app.rules.errors import Conflict, Forbidden, InvalidInput
from app.services import auth, chats, presence
from tests.support.factory import client_id, human_agent


def age_sessions(email: str, seconds: float) -> None:
    """Make every session of `email` look as if its last heartbeat was `seconds` ago."""
    with transaction() as session:
        user = session.exec(select(User).where(User.email == email)).one()
        session.exec(update(AuthSession).where(AuthSession.user_id == user.id)
                     .values(last_seen_at=utc_now() - timedelta(seconds=seconds)))


def first_chat(client: str = "Acme") -> int:
    tenant = client_id(client)
    with read_session() as session:
        return session.exec(select(Chat.id).where(Chat.client_id == tenant).order_by(Chat.id)).first()


def test_the_sweeper_takes_an_agent_without_heartbeats_offline(database):
    auth.sign_in("sam@acme.demo", "beacon-demo")
    assert human_agent("sam@acme.demo").status == "available"
    age_sessions("sam@acme.demo", presence.timings().offline_after_seconds + 1)
    assert presence.sweep_presence() == 1
    assert human_agent("sam@acme.demo").status == "offline"


def test_the_sweeper_leaves_an_agent_with_a_fresh_heartbeat_alone(database):
    auth.sign_in("sam@acme.demo", "beacon-demo")
    age_sessions("sam@acme.demo", presence.timings().heartbeat_seconds)
    assert presence.sweep_presence() == 0
    assert human_agent("sam@acme.demo").status == "available"


def test_a_heartbeat_after_going_stale_brings_the_agent_back(database):
    token, _ = auth.sign_in("sam@acme.demo", "beacon-demo")
    age_sessions("sam@acme.demo", 3600)
    presence.sweep_presence()
    assert presence.heartbeat(token) is True
    assert human_agent("sam@acme.demo").status == "available"


def test_tabs_of_one_session_do_not_multiply_heartbeat_writes(database):
    token, _ = auth.sign_in("sam@acme.demo", "beacon-demo")
    age_sessions("sam@acme.demo", presence.timings().heartbeat_seconds)
    writes = [presence.heartbeat(token) for _tab in range(3)]
    assert writes == [True, False, False]


def test_a_chosen_status_is_applied_audited_and_kept_in_history(database):
    _, actor = auth.sign_in("sam@acme.demo", "beacon-demo")
    assert presence.set_manual_status(actor, "busy") == "busy"
    history = presence.presence_history(actor, human_agent("sam@acme.demo").id)
    assert [e.status for e in history][:2] == ["busy", "available"]


def test_only_human_agents_have_a_presence_and_choices_are_checked(database):
    ops = auth.actor_for_email("ops@acme.demo")
    with pytest.raises(Forbidden):
        presence.set_manual_status(ops, "busy")
    _, sam = auth.sign_in("sam@acme.demo", "beacon-demo")
    with pytest.raises(InvalidInput):
        presence.set_manual_status(sam, "sleeping")


def test_an_idle_agent_goes_away_and_activity_brings_them_back(database):
    _, sam = auth.sign_in("sam@acme.demo", "beacon-demo")
    with transaction() as session:
        session.exec(update(HumanAgent).where(HumanAgent.id == human_agent("sam@acme.demo").id)
                     .values(last_activity_at=utc_now() - timedelta(seconds=presence.timings().auto_away_seconds + 1)))
    presence.sweep_presence()
    assert human_agent("sam@acme.demo").status == "away"
    presence.record_activity(sam)
    assert human_agent("sam@acme.demo").status == "available"


def test_a_chat_goes_only_to_an_available_agent_with_capacity(database):
    ops = auth.actor_for_email("ops@acme.demo")
    sam = human_agent("sam@acme.demo")
    with pytest.raises(Conflict, match="offline"):
        chats.assign_chat(ops, first_chat(), sam.id)
    auth.sign_in("sam@acme.demo", "beacon-demo")
    chats.assign_chat(ops, first_chat(), sam.id)
    assert human_agent("sam@acme.demo").active_chats == 1


def test_an_agent_at_the_limit_gets_no_more_chats(database):
    ops = auth.actor_for_email("ops@acme.demo")
    auth.sign_in("sam@acme.demo", "beacon-demo")
    sam = human_agent("sam@acme.demo")
    extra = [chats.create_chat(ops, "Acme", f"Chat {i}") for i in range(sam.max_chats + 1)]
    for chat_id in extra[: sam.max_chats]:
        chats.assign_chat(ops, chat_id, sam.id)
    with pytest.raises(Conflict, match="limit"):
        chats.assign_chat(ops, extra[-1], sam.id)


def test_support_staff_cannot_assign_chats(database):
    with pytest.raises(Forbidden):
        chats.assign_chat(auth.actor_for_email("kim@acme.demo"), first_chat(), human_agent("sam@acme.demo").id)


def test_going_offline_flags_the_agents_chats_for_reassignment(database):
    ops = auth.actor_for_email("ops@acme.demo")
    token, _ = auth.sign_in("sam@acme.demo", "beacon-demo")
    chats.assign_chat(ops, first_chat(), human_agent("sam@acme.demo").id)
    auth.sign_out(token)
    with read_session() as session:
        chat = session.get(Chat, first_chat())
    assert chat.status == "needs_reassignment" and chat.human_agent_id is None
    assert human_agent("sam@acme.demo").active_chats == 0


def _race_for_the_last_slot() -> list[str]:
    ops = auth.actor_for_email("ops@acme.demo")
    admin = auth.actor_for_email("admin@beacon.demo")
    auth.sign_in("sam@acme.demo", "beacon-demo")
    sam = human_agent("sam@acme.demo")
    fillers = [chats.create_chat(ops, "Acme", f"Filler {i}") for i in range(sam.max_chats - 1)]
    for chat_id in fillers:
        chats.assign_chat(ops, chat_id, sam.id)
    contested = [chats.create_chat(ops, "Acme", "First"), chats.create_chat(ops, "Acme", "Second")]
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def assign(actor, chat_id):
        start.wait()
        try:
            chats.assign_chat(actor, chat_id, sam.id)
            outcomes.append("assigned")
        except Conflict as error:
            outcomes.append(f"refused: {error.message}")

    threads = [threading.Thread(target=assign, args=(who, chat))
               for who, chat in zip((ops, admin), contested, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert human_agent("sam@acme.demo").active_chats == sam.max_chats
    return sorted(outcomes)


def test_two_admins_racing_for_the_last_slot_one_wins_on_sqlite(database):
    outcomes = _race_for_the_last_slot()
    assert outcomes[0] == "assigned" and outcomes[1].startswith("refused") and "limit" in outcomes[1]


@pytest.mark.postgres
def test_two_admins_racing_for_the_last_slot_one_wins_on_postgres(postgres_database):
    outcomes = _race_for_the_last_slot()
    assert outcomes[0] == "assigned" and outcomes[1].startswith("refused") and "limit" in outcomes[1]


def test_presence_history_records_sign_in_and_out(database):
    token, _ = auth.sign_in("kim@acme.demo", "beacon-demo")
    auth.sign_out(token)
    kim = human_agent("kim@acme.demo").id
    with read_session() as session:
        events = session.exec(select(PresenceEvent).where(PresenceEvent.human_agent_id == kim)
                              .order_by(PresenceEvent.id)).all()
    assert [(e.status, e.reason) for e in events] == [("available", "signed in"), ("offline", "signed out")]
