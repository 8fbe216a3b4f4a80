"""What a newest-first list may cost a page: each draft's opening rather than its whole body (read
when the person opens the draft, only if it is theirs), and at most WINDOW_MAX_ROWS rows, past
which "Show more" stops and the list says older rows are not shown."""

from __future__ import annotations

import pytest

from app.db import read_session
from app.rules.errors import NotFound
from app.views.lists import DRAFT_PREVIEW_CHARS, PENDING_DRAFTS, ListWindow, read_draft_body, read_list
from app.views.paging import WINDOW_MAX_ROWS
from app.views.tasks import TasksWindow, read_tasks
from tests.support.factory import CLIENT_ADMINS, actor, add_draft, assign, client_id

LONG_BODY = "Opening words. " + "x" * 7000 + " THE END"


def _pending(client: str, limit: int = 0):
    with read_session() as session:
        return read_list(session, ListWindow(PENDING_DRAFTS, client_id(client), limit).normalized())


def test_a_draft_list_carries_each_drafts_opening_not_its_whole_body(database):
    task, = assign(CLIENT_ADMINS["Acme"], "Acme", "Outreach Agent", 1)
    draft_id = add_draft(task, "Long draft", LONG_BODY)
    row = next(r for r in _pending("Acme").rows if r.id == draft_id)
    assert row.preview == LONG_BODY[:DRAFT_PREVIEW_CHARS] and row.truncated
    assert not hasattr(row, "body")


def test_a_short_draft_is_carried_whole_and_not_marked_truncated(database):
    task, = assign(CLIENT_ADMINS["Acme"], "Acme", "Outreach Agent", 1)
    draft_id = add_draft(task, "Short draft", "Hi Ben,\n\nA short note.")
    row = next(r for r in _pending("Acme").rows if r.id == draft_id)
    assert row.preview == "Hi Ben,\n\nA short note." and not row.truncated


def test_a_drafts_whole_body_is_read_for_its_own_client_only(database):
    task, = assign(CLIENT_ADMINS["Acme"], "Acme", "Outreach Agent", 1)
    draft_id = add_draft(task, "Long draft", LONG_BODY)
    assert read_draft_body(actor(CLIENT_ADMINS["Acme"]), draft_id).body == LONG_BODY
    with pytest.raises(NotFound) as other_client:
        read_draft_body(actor(CLIENT_ADMINS["Globex"]), draft_id)
    with pytest.raises(NotFound) as made_up:
        read_draft_body(actor(CLIENT_ADMINS["Globex"]), 987654321)
    assert str(other_client.value) == str(made_up.value)  # another client's draft and no draft: alike


def test_a_list_holds_at_most_the_window_maximum_and_says_older_rows_are_hidden(database):
    tasks = assign(CLIENT_ADMINS["Acme"], "Acme", "Outreach Agent", WINDOW_MAX_ROWS + 1)
    for n, task in enumerate(tasks):
        add_draft(task, f"Draft {n}")
    grown = _pending("Acme", limit=WINDOW_MAX_ROWS * 5)  # a page asking for more than a list holds
    assert len(grown.rows) == WINDOW_MAX_ROWS
    assert not grown.has_more and grown.older_hidden
    first = _pending("Acme")
    assert first.has_more and not first.older_hidden


def test_a_task_window_holds_at_most_the_window_maximum(database):
    tasks = assign(CLIENT_ADMINS["Acme"], "Acme", "Outreach Agent", WINDOW_MAX_ROWS + 1)
    from tests.support.factory import agent_id

    window = TasksWindow(client_id=client_id("Acme"), ai_agent_id=agent_id("Acme", "Outreach Agent"))
    for _ in range(10):
        window = window.more()
    with read_session() as session:
        page = read_tasks(session, window)
    assert len(page.rows) == WINDOW_MAX_ROWS and page.rows[0].id == tasks[-1]
    assert not page.has_more and page.older_hidden
