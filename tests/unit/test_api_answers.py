"""The API answers typed rows through declared shapes (app/api/answers.py), in the JSON it has
always written: the same keys in the same order, moments in ISO 8601 with their UTC offset."""

from __future__ import annotations

from datetime import UTC, datetime

from app.api.answers import SystemStatusAnswer
from app.rules.status import MessageFacts
from app.views.status import SystemSnapshot

CREATED = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
EXPIRES = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
SHOWN = MessageFacts(id=4, client_id=1, type="warning", message="Back soon", expires_at=EXPIRES, created_at=CREATED)
OTHER = MessageFacts(id=2, client_id=None, type="info", message="Hello", expires_at=None, created_at=CREATED)


def test_a_system_status_answer_lists_the_shown_message_first_then_the_others():
    snapshot = SystemSnapshot(client_id=1, status="maintenance", status_scope="client", shown=SHOWN, others=[OTHER])
    answer = SystemStatusAnswer.of(snapshot).as_json()
    shown = {"id": 4, "client_id": 1, "type": "warning", "message": "Back soon",
             "expires_at": "2026-12-03T18:00:00+00:00", "created_at": "2026-12-03T09:30:00+00:00"}
    other = {"id": 2, "client_id": None, "type": "info", "message": "Hello",
             "expires_at": None, "created_at": "2026-12-03T09:30:00+00:00"}
    assert answer == {"client_id": 1, "status": "maintenance", "status_scope": "client", "banner_visible": True,
                      "message": shown, "messages": [shown, other]}
    assert list(answer) == ["client_id", "status", "status_scope", "banner_visible", "message", "messages"]
    assert list(answer["message"]) == ["id", "client_id", "type", "message", "expires_at", "created_at"]


def test_a_system_status_answer_without_a_shown_message_has_none():
    snapshot = SystemSnapshot(client_id=None, status="active", status_scope="default", shown=None)
    answer = SystemStatusAnswer.of(snapshot).as_json()
    assert answer["message"] is None and answer["messages"] == [] and answer["banner_visible"] is False
