"""The pure rules of the AI agents' work, without a database: transitions, badges, retries."""

import pytest

from app.models import DraftStatus, FollowUpStatus, Role, TaskStatus
from app.rules import work as work_rules
from app.rules.work import (
    BADGE_DRAFT_READY,
    BADGE_FAILED,
    BADGE_WORKING,
    DRAFT_TRANSITIONS,
    FOLLOW_UP_TRANSITIONS,
    TASK_TRANSITIONS,
    ContactWork,
    can_move,
    contact_badge,
    should_retry,
)

PENDING, IN_PROGRESS, COMPLETED, FAILED, CANCELLED = (s.value for s in TaskStatus)
FINISHED_TASK = (COMPLETED, FAILED, CANCELLED)


def allowed(transitions, current):
    return {target for target in transitions if can_move(transitions, current, target)}


# Tasks


def test_every_task_status_has_its_transitions():
    assert set(TASK_TRANSITIONS) == {s.value for s in TaskStatus}


def test_a_pending_task_can_only_start_or_be_cancelled():
    assert allowed(TASK_TRANSITIONS, PENDING) == {IN_PROGRESS, CANCELLED}


def test_a_pending_task_cannot_finish_without_being_started():
    assert not can_move(TASK_TRANSITIONS, PENDING, COMPLETED)
    assert not can_move(TASK_TRANSITIONS, PENDING, FAILED)


def test_an_in_progress_task_can_complete_fail_be_cancelled_or_be_retried():
    assert allowed(TASK_TRANSITIONS, IN_PROGRESS) == {COMPLETED, FAILED, CANCELLED, PENDING}


def test_a_completed_task_can_never_go_back_to_pending():
    assert not can_move(TASK_TRANSITIONS, COMPLETED, PENDING)


@pytest.mark.parametrize("finished", FINISHED_TASK)
def test_a_finished_task_never_moves_again(finished):
    assert allowed(TASK_TRANSITIONS, finished) == set()


@pytest.mark.parametrize("status", [s.value for s in TaskStatus])
def test_a_task_never_moves_to_its_own_status(status):
    assert not can_move(TASK_TRANSITIONS, status, status)


def test_an_unknown_status_moves_nowhere():
    assert not can_move(TASK_TRANSITIONS, "archived", PENDING)
    assert not can_move(TASK_TRANSITIONS, PENDING, "archived")


# Drafts


def test_every_draft_status_has_its_transitions():
    assert set(DRAFT_TRANSITIONS) == {s.value for s in DraftStatus}


def test_a_pending_draft_can_be_approved_or_rejected():
    assert allowed(DRAFT_TRANSITIONS, DraftStatus.PENDING.value) == {
        DraftStatus.APPROVED.value, DraftStatus.REJECTED.value}


def test_a_pending_draft_cannot_be_sent_before_it_is_approved():
    assert not can_move(DRAFT_TRANSITIONS, DraftStatus.PENDING.value, DraftStatus.SENT.value)


def test_an_approved_draft_can_only_be_sent():
    assert allowed(DRAFT_TRANSITIONS, DraftStatus.APPROVED.value) == {DraftStatus.SENT.value}


def test_an_approved_draft_cannot_be_approved_again():
    assert not can_move(DRAFT_TRANSITIONS, DraftStatus.APPROVED.value, DraftStatus.APPROVED.value)


@pytest.mark.parametrize("final", [DraftStatus.REJECTED.value, DraftStatus.SENT.value])
def test_a_rejected_or_sent_draft_never_moves_again(final):
    assert allowed(DRAFT_TRANSITIONS, final) == set()


# Follow-ups


def test_every_follow_up_status_has_its_transitions():
    assert set(FOLLOW_UP_TRANSITIONS) == {s.value for s in FollowUpStatus}


def test_a_scheduled_follow_up_can_be_executed_or_cancelled():
    assert allowed(FOLLOW_UP_TRANSITIONS, FollowUpStatus.SCHEDULED.value) == {
        FollowUpStatus.EXECUTED.value, FollowUpStatus.CANCELLED.value}


@pytest.mark.parametrize("final", [FollowUpStatus.EXECUTED.value, FollowUpStatus.CANCELLED.value])
def test_an_executed_or_cancelled_follow_up_never_moves_again(final):
    assert allowed(FOLLOW_UP_TRANSITIONS, final) == set()


# Who directs the agents


def test_admins_and_staff_direct_agents_but_a_plain_user_does_not():
    managers = {Role.PLATFORM_ADMIN.value, Role.CLIENT_ADMIN.value, Role.SUPPORT_STAFF.value}
    assert managers == work_rules.WORK_MANAGER_ROLES
    assert Role.USER.value not in work_rules.WORK_MANAGER_ROLES


# Contact badge


@pytest.mark.parametrize("open_status", [PENDING, IN_PROGRESS])
def test_an_open_task_shows_agent_working(open_status):
    assert contact_badge(ContactWork(open_status, has_pending_draft=False)) == BADGE_WORKING


def test_agent_working_wins_over_a_draft_awaiting_approval():
    assert contact_badge(ContactWork(IN_PROGRESS, has_pending_draft=True)) == BADGE_WORKING


def test_a_failed_newest_task_shows_failed():
    assert contact_badge(ContactWork(FAILED, has_pending_draft=False)) == BADGE_FAILED


def test_failed_wins_over_an_older_draft_awaiting_approval():
    assert contact_badge(ContactWork(FAILED, has_pending_draft=True)) == BADGE_FAILED


def test_a_completed_task_with_a_draft_awaiting_approval_shows_draft_ready():
    assert contact_badge(ContactWork(COMPLETED, has_pending_draft=True)) == BADGE_DRAFT_READY


def test_a_cancelled_newest_task_with_an_older_draft_awaiting_approval_shows_draft_ready():
    assert contact_badge(ContactWork(CANCELLED, has_pending_draft=True)) == BADGE_DRAFT_READY


@pytest.mark.parametrize("status", [COMPLETED, CANCELLED, None])
def test_no_open_task_and_no_pending_draft_shows_no_badge(status):
    assert contact_badge(ContactWork(status, has_pending_draft=False)) == ""


def test_a_contact_without_tasks_but_with_a_pending_draft_shows_draft_ready():
    assert contact_badge(ContactWork(None, has_pending_draft=True)) == BADGE_DRAFT_READY


# Retries and the newest task


@pytest.mark.parametrize("attempts", [0, 1, 2])
def test_a_lost_task_is_retried_while_it_has_tries_left(attempts):
    assert should_retry(attempts, 3)


@pytest.mark.parametrize("attempts", [3, 4])
def test_a_lost_task_is_not_retried_once_it_was_tried_max_attempts_times(attempts):
    assert not should_retry(attempts, 3)


def test_newest_is_the_status_of_the_highest_id_whatever_the_order():
    assert work_rules.newest([(7, FAILED), (12, COMPLETED), (3, PENDING)]) == COMPLETED


def test_newest_of_no_tasks_is_none():
    assert work_rules.newest([]) is None


def test_the_badge_in_sql_agrees_with_the_badge_rule_on_every_combination():
    import sqlalchemy as sa

    from app.rules.work import contact_badge_sql

    engine = sa.create_engine("sqlite://")
    statuses = [None, "pending", "in_progress", "completed", "failed", "cancelled"]
    with engine.connect() as connection:
        for status in statuses:
            for pending in (False, True):
                expression = contact_badge_sql(sa.literal(status, sa.String), sa.literal(pending))
                in_sql = connection.execute(sa.select(expression)).scalar_one()
                rule = work_rules.contact_badge(work_rules.ContactWork(newest_task_status=status,
                                                                      has_pending_draft=pending))
                assert in_sql == rule, (status, pending)
