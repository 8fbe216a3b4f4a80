"""The Audit log tab (app/state/admin/audit.py): five filters over a paged window."""

import reflex as rx

from app.components.forms import labelled_field
from app.components.table import cells, table
from app.components.when import when
from app.pages.admin.controls import client_filter, pager
from app.state.admin.audit import AuditLogState
from app.views.audit import ACTOR_MAX_LENGTH, AUDIT_ACTIONS

ACTOR_DEBOUNCE_MS = 300  # read once typing pauses, not on every key


def _audit_filter(field: str):
    """What a filter control sends when it changes: its field and the new value."""
    return lambda value: AuditLogState.set_audit_filter(field, value)


def _audit_filters() -> rx.Component:
    errors = AuditLogState.errors
    return rx.hstack(
        labelled_field("Action", "audit-action", rx.el.select(
            rx.el.option("Any action", value=""),
            *[rx.el.option(action, value=action) for action in AUDIT_ACTIONS],
            id="audit-action", value=AuditLogState.action, on_change=_audit_filter("action"),
            style={"padding": "0.4em"},
        ), errors, "action", "audit", width=None),
        labelled_field("Actor", "audit-actor", rx.input(
            id="audit-actor", placeholder="Email or part of it", type="search", max_length=ACTOR_MAX_LENGTH,
            value=AuditLogState.actor, on_change=_audit_filter("actor"),
            debounce_timeout=ACTOR_DEBOUNCE_MS,
        ), errors, "actor", "audit", width=None),
        labelled_field("Audit client", "audit-client",
                       client_filter("audit-client", AuditLogState.client, _audit_filter("client")),
                       errors, "client", "audit", width=None),
        # Whole days in UTC; both ends included.
        labelled_field("From", "audit-since", rx.input(
            id="audit-since", type="date", default_value=AuditLogState.since,
            on_change=_audit_filter("since"),
        ), errors, "since", "audit", width=None),
        labelled_field("To", "audit-until", rx.input(
            id="audit-until", type="date", default_value=AuditLogState.until,
            on_change=_audit_filter("until"),
        ), errors, "until", "audit", width=None),
        rx.text("Dates are UTC days, both included.", size="1", color_scheme="gray"),
        width="100%", align="end", wrap="wrap", spacing="4",
    )


def audit_tab() -> rx.Component:
    return rx.vstack(
        _audit_filters(),
        table(("When", "Actor", "Action", "Target", "Before", "After"), AuditLogState.rows, lambda a: rx.table.row(
            *cells(when(a.created_at), a.actor, a.action, a.target, a.old, a.new),
            custom_attrs={"data-testid": "audit-row", "data-audit-id": a.id, "data-action": a.action}, key=a.id)),
        rx.cond(AuditLogState.loaded & (AuditLogState.total == 0),
                rx.text("No audit entries match these filters. Widen the dates or clear a filter.", size="2",
                        color_scheme="gray")),
        pager("audit", AuditLogState),
        spacing="3", width="100%",
    )
