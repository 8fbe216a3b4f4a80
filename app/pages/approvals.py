"""/approvals: drafts waiting for a decision, approved ones to send, and the decided ones."""

import reflex as rx

from app.components.labels import DRAFT_STATUS, label
from app.components.layout import page_shell
from app.components.lists import listed
from app.components.loading import number
from app.components.table import cells, table
from app.components.when import ago, when
from app.state.work import WorkState
from app.views.lists import APPROVED_DRAFTS, DECIDED_DRAFTS, PENDING_DRAFTS

ROUTE = "/approvals"


def _draft(draft, actions: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading(draft.subject, size="3", as_="h3"), rx.spacer(),
                      rx.text(ago(draft.created_at), size="1", color_scheme="gray"), width="100%", wrap="wrap"),
            rx.text("To " + draft.contact + " · by " + draft.agent, size="2", color_scheme="gray"),
            rx.cond(WorkState.open_draft_id == draft.id,
                    rx.text(WorkState.open_draft_body, white_space="pre-wrap", size="2",
                            custom_attrs={"data-testid": "draft-body"}),
                    rx.text(draft.preview + rx.cond(draft.truncated, "…", ""), white_space="pre-wrap", size="2",
                            custom_attrs={"data-testid": "draft-preview"})),
            rx.cond(draft.truncated,
                    rx.cond(WorkState.open_draft_id == draft.id,
                            rx.button("Show less", size="1", variant="ghost", on_click=WorkState.close_draft),
                            rx.button("Read all", size="1", variant="ghost", on_click=WorkState.open_draft(draft.id)))),
            actions,
            spacing="2",
            width="100%",
        ),
        width="100%",
        key=draft.id,  # keyed by draft: a new draft on top does not redraw the ones below
        custom_attrs={"data-testid": "draft-card", "data-draft-id": draft.id, "data-status": draft.status},
    )


def _pending(draft) -> rx.Component:
    return _draft(draft, rx.hstack(
        rx.button("Approve", size="2", on_click=WorkState.approve(draft.id)),
        rx.button("Reject", size="2", variant="soft", color_scheme="red", on_click=WorkState.reject(draft.id)),
    ))


def _approved(draft) -> rx.Component:
    return _draft(draft, rx.button("Mark sent", size="2", variant="soft", on_click=WorkState.mark_sent(draft.id)))


def approvals_page() -> rx.Component:
    return page_shell(
        "Approvals",
        rx.heading(rx.hstack(rx.text("Waiting for approval"),
                             rx.badge(number(WorkState.pending_count),
                                      custom_attrs={"data-testid": "pending-approvals-page-count"})),
                   size="4", as_="h2"),
        listed(PENDING_DRAFTS, rx.foreach(WorkState.pending_drafts, _pending),
               "No drafts waiting. Drafts appear here when an agent finishes a task."),
        rx.heading("Approved, to send", size="4", as_="h2"),
        listed(APPROVED_DRAFTS, rx.foreach(WorkState.approved_drafts, _approved),
               "No approved drafts to send. Drafts you approve wait here until you mark them sent."),
        rx.heading("Decided", size="4", as_="h2"),
        listed(DECIDED_DRAFTS, table(
            ("Subject", "Contact", "Decision", "Created"), WorkState.decided_drafts, lambda d: rx.table.row(
                *cells(d.subject, d.contact, rx.badge(label(d.status, DRAFT_STATUS)), when(d.created_at)), key=d.id),
        ), "No decided drafts yet. Drafts you reject or send are listed here."),
    )
