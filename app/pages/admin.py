"""/admin: status & messaging, messages, status history, audit log, clients, users and API tokens."""

import reflex as rx

from app.components import tones
from app.components.card import form_card, section_card
from app.components.forms import (
    LABEL_STYLE,
    datetime_input,
    field_error,
    form_dialog,
    labelled_field,
    labelled_select,
    submit_row,
)
from app.components.labels import MESSAGE_STATE, MESSAGE_TYPE, ROLE, SERVICE_STATUS, TOKEN_SCOPE, TOKEN_STATE, label
from app.components.layout import page_shell
from app.components.table import cells, table
from app.components.when import when
from app.models import ALL_CLIENTS_LABEL, MaintenanceState
from app.state.admin import BULK_CLIENT_PREFIX, STATUS_CHOICES, TYPE_CHOICES, AdminState
from app.views.audit import ACTOR_MAX_LENGTH, ANY_CLIENT, AUDIT_ACTIONS, GLOBAL_CLIENT

ROUTE = "/admin"


def _publish_card() -> rx.Component:
    errors = AdminState.form_errors
    return form_card(
        "Agent Status & Messaging",
        rx.grid(
            labelled_select("Client", "client-select", AdminState.client_choices, "client", ALL_CLIENTS_LABEL,
                            errors),
            labelled_select("Agent status", "status-select", STATUS_CHOICES, "status", "Active", errors),
            labelled_select("Message type", "type-select", TYPE_CHOICES, "type", "Info", errors),
            labelled_field("Expires at", "expires-input",
                           datetime_input("expires-input", "expires_at"), errors, "expires_at"),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="4",
            width="100%",
        ),
        labelled_field("Message", "message-input",
                       rx.text_area(id="message-input", name="message", rows="3", width="100%",
                                    placeholder="Optional: what users should know"), errors, "message"),
        field_error(errors, "form", "error-form"),
        submit_row(
            rx.button(
                rx.cond(AdminState.publishing, rx.spinner(size="2"), rx.icon("send", size=16)),
                "Publish", type="submit", disabled=AdminState.publishing,
            ),
            AdminState.published_note, AdminState.published_count, "publish-result",
        ),
        on_submit=AdminState.publish, spacing="4",
        # The "Scheduled maintenance" card has a Client and a Message too: scripts find this one here.
        custom_attrs={"data-testid": "publish-card"},
    )


def _window_row(w) -> rx.Component:
    return rx.table.row(
        *cells(w["id"], w["client"], w["starts"], w["ends"], w["message"],
               rx.badge(w["state"], color_scheme=tones.tone(w["state"], tones.WINDOW_STATE))),
        rx.table.cell(rx.cond(
            (w["state"] == MaintenanceState.SCHEDULED) | (w["state"] == MaintenanceState.IN_PROGRESS),
            rx.hstack(
                rx.button("Extend", size="1", variant="soft", on_click=AdminState.start_extend(w["id"]),
                          custom_attrs={"aria-label": "Extend maintenance " + w["id"]}),
                rx.button("Cancel", size="1", variant="soft", color_scheme="red",
                          on_click=AdminState.cancel_window(w["id"]),
                          custom_attrs={"aria-label": "Cancel maintenance " + w["id"]}),
            ),
        )),
        custom_attrs={"data-testid": "window-row", "data-window-id": w["id"], "data-state": w["state"]},
        key=w["id"],
    )


def _schedule_card() -> rx.Component:
    """Scheduled maintenance: the window starts and ends by itself (the leader's timer)."""
    errors = AdminState.schedule_errors
    return section_card(
        "Scheduled maintenance",
        rx.form(
            rx.vstack(
                rx.grid(
                    labelled_select("Client", "window-client-select", AdminState.client_choices, "client",
                                    ALL_CLIENTS_LABEL, errors, "window"),
                    labelled_field("Starts at", "window-starts-input",
                                   datetime_input("window-starts-input", "starts_at"), errors, "starts_at", "window"),
                    labelled_field("Ends at", "window-ends-input",
                                   datetime_input("window-ends-input", "ends_at"), errors, "ends_at", "window"),
                    columns="3", spacing="4", width="100%",
                ),
                labelled_field("Message", "window-message-input",
                               rx.input(id="window-message-input", name="message", width="100%",
                                        placeholder="What the banner says, e.g. Database upgrade"),
                               errors, "message", "window"),
                field_error(errors, "form", "window-error-form"),
                submit_row(rx.button(rx.icon("calendar-clock", size=16), "Schedule", type="submit"),
                           AdminState.schedule_note, AdminState.schedule_count, "schedule-result"),
                rx.text("Times are your browser's local time. Pages of the clients concerned turn to "
                        "Maintenance at the start and back at the end by themselves.",
                        size="1", color_scheme="gray"),
                spacing="3", width="100%",
            ),
            on_submit=AdminState.schedule,
        ),
        table(("#", "Client", "Starts (UTC)", "Ends (UTC)", "Message", "State", ""), AdminState.windows, _window_row),
        custom_attrs={"data-testid": "maintenance-card"},
    )


def _extend_dialog() -> rx.Component:
    errors = AdminState.extend_errors
    return form_dialog(
        "Extend maintenance",
        rx.el.label("New end (UTC)", html_for="extend-ends", style={"fontWeight": 500}),
        datetime_input("extend-ends", "ends_at", width=None, default_value=AdminState.extend_ends),
        field_error(errors, "ends_at", "extend-error-ends_at"),
        field_error(errors, "form", "extend-error-form"),
        on_submit=AdminState.save_extend, on_cancel=AdminState.close_extend, is_open=AdminState.extending_id != "",
        cancel="Close", submit="Save end",
    )


def _bulk_card() -> rx.Component:
    """One status (and message) to the ticked clients: one transaction, one audit row per client."""
    errors = AdminState.bulk_errors
    return form_card(
        "Publish to several clients",
        rx.vstack(
            rx.text("Clients", weight="medium", size="2"),
            rx.hstack(
                rx.foreach(AdminState.clients, lambda c: rx.el.label(
                    rx.el.input(type="checkbox", name=BULK_CLIENT_PREFIX + c["id"],
                                id="bulk-client-" + c["id"]),
                    " ", c["name"],
                    style={"display": "flex", "gap": "0.3em", "alignItems": "center"},
                )),
                spacing="4", wrap="wrap",
            ),
            field_error(errors, "client_ids", "bulk-error-client_ids"),
            spacing="1",
        ),
        rx.grid(
            labelled_select("Bulk status", "bulk-status-select", STATUS_CHOICES, "status", "Maintenance",
                            errors, "bulk"),
            labelled_select("Bulk message type", "bulk-type-select", TYPE_CHOICES, "type", "Info", errors,
                            "bulk"),
            labelled_field("Bulk expires at", "bulk-expires-input",
                           datetime_input("bulk-expires-input", "expires_at"), errors, "expires_at", "bulk"),
            columns="3", spacing="4", width="100%",
        ),
        labelled_field("Bulk message", "bulk-message-input",
                       rx.input(id="bulk-message-input", name="message", width="100%"), errors, "message",
                       "bulk"),
        field_error(errors, "form", "bulk-error-form"),
        submit_row(rx.button(rx.icon("send", size=16), "Apply to selected clients", type="submit"),
                   AdminState.bulk_note, AdminState.bulk_count, "bulk-result"),
        on_submit=AdminState.publish_bulk,
    )


def _uptime_card() -> rx.Component:
    """90 daily bars of one scope's effective status, the Active shares, and message statistics."""
    scope = (
        rx.el.label("Uptime client", html_for="uptime-client", style=LABEL_STYLE),
        rx.el.select(
            rx.el.option(ALL_CLIENTS_LABEL, value=""),
            rx.foreach(AdminState.clients, lambda c: rx.el.option(c["name"], value=c["id"])),
            id="uptime-client", value=AdminState.uptime_scope, on_change=AdminState.set_uptime_scope,
            style={"padding": "0.4em"},
        ),
    )
    return section_card(
        "Status history: uptime",
        rx.hstack(
            rx.foreach(AdminState.uptime_shown.days, lambda d: rx.box(
                width="100%", height="32px", border_radius="2px",
                background=tones.tone(d.state, tones.UPTIME_DAY, tones.UPTIME_DAY_DEFAULT),
                title=d.tooltip,
                role="listitem",  # a screen reader reads the days as a list, each by its tooltip
                custom_attrs={"data-testid": "uptime-day", "data-state": d.state, "data-day": d.day,
                              "aria-label": d.tooltip},
                key=d.day,
            )),
            spacing="1", width="100%", role="list",
            custom_attrs={"data-testid": "uptime-bars", "aria-label": "Daily status, the last 90 days"},
        ),
        rx.hstack(
            rx.text("90 days ago", size="1", color_scheme="gray"), rx.spacer(),
            rx.text("Active: ",
                    rx.el.strong(AdminState.uptime_shown.active_30_label, custom_attrs={"data-testid": "uptime-30"}),
                    " over 30 days, ",
                    rx.el.strong(AdminState.uptime_shown.active_90_label, custom_attrs={"data-testid": "uptime-90"}),
                    " over 90 days", size="2"),
            rx.spacer(), rx.text("today", size="1", color_scheme="gray"),
            width="100%",
        ),
        rx.heading("Messages", size="3"),
        table(("Type", "In force", "Expired", "Withdrawn"), AdminState.message_stats, lambda m: rx.table.row(
            *cells(m.type, m.in_force.to_string(), m.expired.to_string(), m.withdrawn.to_string()),
            custom_attrs={"data-testid": "message-stat", "data-type": m.type}), size="1", width=None),
        aside=scope,
    )


def _status_row(s) -> rx.Component:
    return rx.table.row(
        *cells(s["client"], label(s["status"], SERVICE_STATUS), s["updated"]),
        rx.table.cell(rx.cond(
            (s["override"] == "yes") & (s["client_id"] != ""),
            rx.button("Use global status", size="1", variant="soft",
                      on_click=AdminState.clear_override(s["client_id"])),
        )),
        custom_attrs={"data-testid": "status-row"})


def _statuses_card() -> rx.Component:
    return section_card(
        "Status by client",
        table(("Scope", "Effective status", "Own row updated"), AdminState.statuses, _status_row, actions=True,
              empty="No status set yet: every client is Active."),
    )


def _message_row(m) -> rx.Component:
    return rx.table.row(
        rx.table.cell(m["scope"]),
        rx.table.cell(rx.badge(label(m["type"], MESSAGE_TYPE), color_scheme=tones.tone(m["type"], tones.MESSAGE_TYPE))),
        rx.table.cell(rx.text(m["message"])),
        rx.table.cell(m["expires"]),
        rx.table.cell(rx.badge(label(m["state"], MESSAGE_STATE), variant="outline")),
        rx.table.cell(
            rx.cond(
                m["state"] == "live",
                rx.hstack(
                    rx.button("Edit", size="1", variant="soft", on_click=AdminState.start_edit(m)),
                    rx.button("Withdraw", size="1", variant="soft", color_scheme="red",
                              on_click=AdminState.withdraw(m["id"])),
                ),
            )
        ),
        custom_attrs={"data-testid": "admin-message-row", "data-message-id": m["id"], "data-state": m["state"]},
    )


def _messages_card() -> rx.Component:
    return section_card(
        "System messages",
        table(("Scope", "Type", "Message", "Expires", "State"), AdminState.messages, _message_row, actions=True,
              empty="No messages yet. Publish one above; it appears in every affected user's top bar."),
    )


def _edit_dialog() -> rx.Component:
    errors = AdminState.edit_errors
    return form_dialog(
        "Edit message",
        rx.el.label("Message", html_for="edit-message", style={"fontWeight": 500}),
        rx.text_area(id="edit-message", name="message", default_value=AdminState.edit_message, width="100%"),
        field_error(errors, "message", alert=False),
        rx.el.label("Message type", html_for="edit-type", style={"fontWeight": 500}),
        rx.select(TYPE_CHOICES, id="edit-type", name="type", default_value=AdminState.edit_type),
        rx.el.label("Expires at (UTC)", html_for="edit-expires", style={"fontWeight": 500}),
        datetime_input("edit-expires", "expires_at", width=None, default_value=AdminState.edit_expires),
        field_error(errors, "expires_at", alert=False),
        field_error(errors, "form", alert=False),
        on_submit=AdminState.save_edit, on_cancel=AdminState.cancel_edit, is_open=AdminState.editing_id != "",
    )


ACTOR_DEBOUNCE_MS = 300  # read once typing pauses, not on every key


def _client_select(control_id: str, value, on_change) -> rx.Component:
    return rx.el.select(
        rx.el.option("Any client", value=ANY_CLIENT),
        rx.el.option("Global (no client)", value=GLOBAL_CLIENT),
        rx.foreach(AdminState.clients, lambda c: rx.el.option(c["name"], value=c["id"])),
        id=control_id, value=value, on_change=on_change, style={"padding": "0.4em"},
    )


def _pager(name: str, loaded, reading, page, total, on_previous, on_next) -> rx.Component:
    """ "Showing a–b of N" with Previous/Next; N is in data-testid `<name>-total`."""
    return rx.hstack(
        rx.cond(reading, rx.spinner(size="2")),
        rx.text(
            rx.cond(loaded,
                    rx.fragment("Showing ", page.first.to_string(), "–", page.last.to_string(), " of ",
                                rx.el.span(total.to_string(), custom_attrs={"data-testid": f"{name}-total"})),
                    "Loading…"),
            size="2", color_scheme="gray", custom_attrs={"data-testid": f"{name}-showing"},
        ),
        rx.spacer(),
        rx.button("Previous", size="1", variant="soft", disabled=~page.has_previous, on_click=on_previous,
                  custom_attrs={"data-testid": f"{name}-previous"}),
        rx.button("Next", size="1", variant="soft", disabled=~page.has_next, on_click=on_next,
                  custom_attrs={"data-testid": f"{name}-next"}),
        width="100%", align="center",
    )


def _history_card() -> rx.Component:
    scope = labelled_field("History client", "history-client",
                           _client_select("history-client", AdminState.history_client, AdminState.set_history_client),
                           AdminState.history_errors, "client", "history", width=None)
    return section_card(
        "Status history",
        table(("When", "Who", "Scope", "From", "To", "Message"), AdminState.history_rows, lambda h: rx.table.row(
            *cells(when(h.created_at), h.actor, h.scope, h.old, h.new, h.message),
            custom_attrs={"data-testid": "history-row", "data-audit-id": h.id}, key=h.id)),
        rx.cond(AdminState.history_loaded & (AdminState.history_total == 0),
                rx.text("No status changes recorded for this choice yet.", size="2", color_scheme="gray")),
        _pager("history", AdminState.history_loaded, AdminState.history_reading, AdminState.history_page,
               AdminState.history_total, AdminState.history_previous, AdminState.history_next),
        aside=(scope,), aside_align="end",
    )


def _audit_filter(field: str):
    """What a filter control sends when it changes: its field and the new value."""
    return lambda value: AdminState.set_audit_filter(field, value)


def _audit_filters() -> rx.Component:
    errors = AdminState.audit_errors
    return rx.hstack(
        labelled_field("Action", "audit-action", rx.el.select(
            rx.el.option("Any action", value=""),
            *[rx.el.option(action, value=action) for action in AUDIT_ACTIONS],
            id="audit-action", value=AdminState.audit_action, on_change=_audit_filter("action"),
            style={"padding": "0.4em"},
        ), errors, "action", "audit", width=None),
        labelled_field("Actor", "audit-actor", rx.input(
            id="audit-actor", placeholder="Email or part of it", type="search", max_length=ACTOR_MAX_LENGTH,
            value=AdminState.audit_actor, on_change=_audit_filter("actor"),
            debounce_timeout=ACTOR_DEBOUNCE_MS,
        ), errors, "actor", "audit", width=None),
        labelled_field("Audit client", "audit-client",
                       _client_select("audit-client", AdminState.audit_client, _audit_filter("client")),
                       errors, "client", "audit", width=None),
        # Whole days in UTC, as the table shows times; both ends included.
        labelled_field("From", "audit-since", rx.input(
            id="audit-since", type="date", default_value=AdminState.audit_since,
            on_change=_audit_filter("since"),
        ), errors, "since", "audit", width=None),
        labelled_field("To", "audit-until", rx.input(
            id="audit-until", type="date", default_value=AdminState.audit_until,
            on_change=_audit_filter("until"),
        ), errors, "until", "audit", width=None),
        rx.text("Dates are UTC days, both included.", size="1", color_scheme="gray"),
        width="100%", align="end", wrap="wrap", spacing="4",
    )


def _audit_tab() -> rx.Component:
    return rx.vstack(
        _audit_filters(),
        table(("When", "Actor", "Action", "Target", "Before", "After"), AdminState.audit_rows, lambda a: rx.table.row(
            *cells(when(a.created_at), a.actor, a.action, a.target, a.old, a.new),
            custom_attrs={"data-testid": "audit-row", "data-audit-id": a.id, "data-action": a.action}, key=a.id)),
        rx.cond(AdminState.audit_loaded & (AdminState.audit_total == 0),
                rx.text("No audit entries match these filters. Widen the dates or clear a filter.", size="2",
                        color_scheme="gray")),
        _pager("audit", AdminState.audit_loaded, AdminState.audit_reading, AdminState.audit_page,
               AdminState.audit_total, AdminState.audit_previous, AdminState.audit_next),
        spacing="3", width="100%",
    )


def _clients_tab() -> rx.Component:
    return table(("Client", "Id"), AdminState.clients, lambda c: rx.table.row(*cells(c["name"], c["id"])),
                 empty="No clients yet.")


def _users_tab() -> rx.Component:
    return table(("Email", "Name", "Role", "Client"), AdminState.users, lambda u: rx.table.row(
        *cells(u["email"], u["name"], label(u["role"], ROLE), u["client"])), empty="No users yet.")


def _token_row(t) -> rx.Component:
    return rx.table.row(
        *cells(t.email, t.name, rx.code(t.prefix + "…"), label(t.scope, TOKEN_SCOPE), when(t.expires_at),
               rx.cond(t.last_used_at, when(t.last_used_at, relative=True), rx.text("Never", as_="span")),
               rx.badge(label(t.state, TOKEN_STATE), color_scheme=tones.tone(t.state, tones.TOKEN_STATE))),
        rx.table.cell(rx.cond(
            t.state != "revoked",
            rx.button("Revoke", size="1", variant="soft", color_scheme="red",
                      on_click=AdminState.revoke_token(t.id),
                      custom_attrs={"aria-label": "Revoke token " + t.prefix}),
        )),
        custom_attrs={"data-testid": "token-row", "data-token-id": t.id, "data-state": t.state},
        key=t.id,
    )


def _tokens_tab() -> rx.Component:
    """Every user's newest API tokens (read when the tab opens), with Revoke."""
    return rx.vstack(
        rx.text("The newest API tokens of every user. `beacon token create` issues them; a revoked or "
                "expired token gets 401 from the API.", size="2", color_scheme="gray"),
        table(("Email", "Name", "Prefix", "Scope", "Expires", "Last used", "State"), AdminState.tokens, _token_row,
              actions=True),
        rx.cond(AdminState.tokens_loaded & (AdminState.tokens.length() == 0),
                rx.text("No API tokens yet. `beacon token create --email E` issues one.", size="2",
                        color_scheme="gray")),
        spacing="3", width="100%",
        on_mount=AdminState.load_tokens,
        custom_attrs={"data-testid": "tokens-tab"},
    )


def admin_page() -> rx.Component:
    return page_shell(
        "Admin",
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("System", value="system"),
                rx.tabs.trigger("Audit log", value="audit"),
                rx.tabs.trigger("Clients", value="clients"),
                rx.tabs.trigger("Users", value="users"),
                rx.tabs.trigger("Tokens", value="tokens"),
            ),
            rx.tabs.content(
                rx.vstack(_publish_card(), _schedule_card(), _bulk_card(), _statuses_card(), _uptime_card(),
                          _messages_card(), _history_card(),
                          spacing="4", padding_top="1em", width="100%"),
                value="system",
            ),
            rx.tabs.content(rx.box(_audit_tab(), padding_top="1em"), value="audit"),
            rx.tabs.content(rx.box(_clients_tab(), padding_top="1em"), value="clients"),
            rx.tabs.content(rx.box(_users_tab(), padding_top="1em"), value="users"),
            rx.tabs.content(rx.box(_tokens_tab(), padding_top="1em"), value="tokens"),
            default_value="system",
            width="100%",
        ),
        _edit_dialog(),
        _extend_dialog(),
    )
