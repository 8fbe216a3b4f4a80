"""Drafts the AI agents produce, and people's decisions on them: approve, reject, mark sent.

Marking a draft sent schedules the contact's follow-up with the client's follow-up agent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from app.db import write_if_needed
from app.models import AuditAction, Draft, DraftStatus, utc_now
from app.rules import work as work_rules
from app.rules.actors import Actor
from app.rules.errors import Conflict
from app.services.audit import write_audit
from app.services.follow_ups import add_follow_up
from app.views.access import visible_row

# After an email goes out, a polite follow-up waits this long for a reply.
FOLLOW_UP_AFTER_SENT = timedelta(days=3)


def _decide(actor: Actor, draft_id: int | str, target: DraftStatus, action: AuditAction) -> Draft:
    """Refusals (another tenant's draft, a decided one) are found in a read session: only a
    decision takes the write lock (db.write_if_needed)."""
    def check(session: Session) -> Draft:
        draft = visible_row(session, Draft, draft_id, actor, "draft")
        work_rules.require_work_manager(actor, draft.client_id, "decide on drafts")
        if not work_rules.can_move(work_rules.DRAFT_TRANSITIONS, draft.status, target):
            raise Conflict(f"A {draft.status} draft cannot become {target}.")
        return draft

    def decide(session: Session, draft: Draft) -> Draft:
        old = {"status": draft.status}
        draft.status = target
        now = utc_now()
        if target == DraftStatus.SENT:
            draft.sent_at = now
            _schedule_follow_up_after_sending(session, actor, draft, now)
        else:
            draft.decided_by, draft.decided_at = actor.user_id, now
        session.add(draft)
        write_audit(session, actor, action, "draft", draft.id, draft.client_id, old,
                    {"status": target, "contact_id": draft.contact_id})
        return draft

    decided = write_if_needed(check, decide)
    assert decided is not None  # check never finds nothing to write: it refuses or returns the draft
    return decided


def _schedule_follow_up_after_sending(session: Session, actor: Actor, draft: Draft, now: datetime) -> None:
    add_follow_up(session, actor, draft.client_id, draft.contact_id, now + FOLLOW_UP_AFTER_SENT,
                  f"Follow up on: {draft.subject}", draft_id=draft.id)


def approve_draft(actor: Actor, draft_id: int | str) -> None:
    _decide(actor, draft_id, DraftStatus.APPROVED, AuditAction.DRAFT_APPROVE)


def reject_draft(actor: Actor, draft_id: int | str) -> None:
    _decide(actor, draft_id, DraftStatus.REJECTED, AuditAction.DRAFT_REJECT)


def mark_draft_sent(actor: Actor, draft_id: int | str) -> None:
    _decide(actor, draft_id, DraftStatus.SENT, AuditAction.DRAFT_SEND)
