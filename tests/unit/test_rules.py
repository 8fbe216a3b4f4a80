"""The pure domain rules, without a database."""

from datetime import UTC, datetime, timedelta

from app.rules import status as status_rules
from app.rules.status import HumanAgentFacts, MessageFacts

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def message(id, client_id=None, minutes_ago=1, expires_in=None, active=True, type="info"):
    return MessageFacts(
        id=id, client_id=client_id, type=type, message=f"m{id}",
        expires_at=None if expires_in is None else NOW + timedelta(seconds=expires_in),
        created_at=NOW - timedelta(minutes=minutes_ago), is_active=active,
    )


def test_no_status_row_at_all_means_active():
    assert status_rules.effective_status(None, None) == "active"


def test_global_status_applies_to_a_client_without_its_own_row():
    assert status_rules.effective_status(None, "maintenance") == "maintenance"


def test_a_clients_own_row_overrides_the_global_one():
    assert status_rules.effective_status("active", "inactive") == "active"


def test_the_clients_own_newest_message_comes_before_a_newer_global_one():
    own_old = message(1, client_id=7, minutes_ago=30)
    global_new = message(2, client_id=None, minutes_ago=1)
    assert status_rules.visible_messages([own_old, global_new], 7, NOW)[0] == own_old


def test_the_newest_global_message_is_shown_when_the_client_has_none():
    older, newer = message(1, minutes_ago=10), message(2, minutes_ago=2)
    assert status_rules.visible_messages([older, newer], 7, NOW)[0] == newer


def test_another_clients_message_is_never_visible():
    assert status_rules.visible_messages([message(1, client_id=8)], 7, NOW) == []


def test_a_user_of_no_client_sees_only_global_messages():
    assert status_rules.visible_messages([message(1, client_id=8), message(2)], None, NOW) == [message(2)]


def test_a_message_is_gone_at_its_expiry_instant():
    expiring = message(1, expires_in=0)
    assert not status_rules.is_live(expiring, NOW)
    assert status_rules.is_live(message(2, expires_in=1), NOW)


def test_a_withdrawn_message_is_not_visible():
    assert status_rules.visible_messages([message(1, active=False)], None, NOW) == []


def test_next_expiry_is_the_soonest_live_expiry():
    found = status_rules.next_expiry([message(1, expires_in=90), message(2, expires_in=30), message(3)], NOW)
    assert found == NOW + timedelta(seconds=30)


def test_next_expiry_ignores_expired_and_withdrawn_messages():
    assert status_rules.next_expiry([message(1, expires_in=-5), message(2, expires_in=5, active=False)], NOW) is None


def test_banner_shows_for_a_non_active_status_without_a_message():
    assert status_rules.banner_visible("maintenance", None)


def test_banner_shows_for_a_message_while_active():
    assert status_rules.banner_visible("active", message(1))


def test_banner_hidden_when_active_and_no_message():
    assert not status_rules.banner_visible("active", None)


def test_an_agent_at_the_chat_limit_cannot_take_a_chat():
    assert not status_rules.can_take_chat(HumanAgentFacts("available", 3, 3))
    assert status_rules.can_take_chat(HumanAgentFacts("available", 2, 3))


def test_an_agent_who_is_not_available_cannot_take_a_chat():
    for presence in ("away", "busy", "offline"):
        assert not status_rules.can_take_chat(HumanAgentFacts(presence, 0, 3))


def test_available_agents_count_humans_with_capacity_plus_enabled_ai_agents():
    humans = [HumanAgentFacts("available", 0, 3), HumanAgentFacts("available", 3, 3), HumanAgentFacts("away", 0, 3)]
    assert status_rules.available_agent_count("active", humans, 2) == 3


def test_available_agents_is_zero_while_the_service_is_not_active():
    humans = [HumanAgentFacts("available", 0, 3)]
    assert status_rules.available_agent_count("maintenance", humans, 2) == 0
    assert status_rules.available_agent_count("inactive", humans, 2) == 0
