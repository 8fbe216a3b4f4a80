"""/admin: status & messaging, messages, status history, audit log, clients, users and API tokens."""

import reflex as rx

from app.components.banner import TYPE_TONES
from app.components.labels import MESSAGE_STATE, MESSAGE_TYPE, ROLE, SERVICE_STATUS, TOKEN_SCOPE, TOKEN_STATE, label
from app.components.layout import page_shell
from app.components.loading import empty_or
from app.components.when import when
from app.models import ALL_CLIENTS_LABEL, MaintenanceState, ServiceStatus
from app.services.maintenance_rules import MIXED_DAY
from app.state.admin import BULK_CLIENT_PREFIX, STATUS_CHOICES, TYPE_CHOICES, AdminState
from app.views.audit import ACTOR_MAX_LENGTH, ANY_CLIENT, AUDIT_ACTIONS, GLOBAL_CLIENT

ROUTE = "/admin"


def _error(field: str) -> rx.Component:
    return rx.cond(
        AdminState.form_errors.contains(field),
        rx.text(AdminState.form_errors[field], color_scheme="red", size="1", role="alert",
                custom_attrs={"data-testid": f"error-{field}"}),
    )


def _labelled(label: str, control_id: str, control: rx.Component, field: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=control_id, style={"fontWeight": 500, "fontSize": "14px"}),
        control,
        _error(field),
        spacing="1",
        width="100%",
    )


def _publish_card() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Agent Status & Messaging", size="4"),
                rx.grid(
                    _labelled("Client", "client-select",
                              rx.select(AdminState.client_choices, id="client-select", name="client",
                                        default_value=ALL_CLIENTS_LABEL, width="100%"), "client"),
                    _labelled("Agent status", "status-select",
                              rx.select(STATUS_CHOICES, id="status-select", name="status",
                                        default_value="Active", width="100%"), "status"),
                    _labelled("Message type", "type-select",
                              rx.select(TYPE_CHOICES, id="type-select", name="type",
                                        default_value="Info", width="100%"), "type"),
                    _labelled("Expires at", "expires-input",
                              rx.input(id="expires-input", name="expires_at", type="datetime-local",
                                       step="1", width="100%"), "expires_at"),
                    columns=rx.breakpoints(initial="1", sm="2"),
                    spacing="4",
                    width="100%",
                ),
                _labelled("Message", "message-input",
                          rx.text_area(id="message-input", name="message", rows="3", width="100%",
                                       placeholder="Optional: what users should know"), "message"),
                _error("form"),
                rx.hstack(
                    rx.button(
                        rx.cond(AdminState.publishing, rx.spinner(size="2"), rx.icon("send", size=16)),
                        "Publish", type="submit", disabled=AdminState.publishing,
                    ),
                    rx.text(AdminState.published_note, size="2", color_scheme="green",
                            custom_attrs={"data-testid": "publish-result",
                                          "data-count": AdminState.published_count.to_string()}),
                    align="center",
                ),
                spacing="4",
                width="100%",
            ),
            on_submit=AdminState.publish,
        ),
        width="100%",
        # The "Scheduled maintenance" card has a Client and a Message too: scripts find this one here.
        custom_attrs={"data-testid": "publish-card"},
    )


def _field_error(errors, field: str, prefix: str) -> rx.Component:
    return rx.cond(
        errors.contains(field),
        rx.text(errors[field], color_scheme="red", size="1", role="alert",
                custom_attrs={"data-testid": f"{prefix}-error-{field}"}),
    )


def _card_field(label: str, control_id: str, control: rx.Component, errors, field: str,
                prefix: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=control_id, style={"fontWeight": 500, "fontSize": "14px"}),
        control,
        _field_error(errors, field, prefix),
        spacing="1", width="100%",
    )


WINDOW_STATE_TONES = {MaintenanceState.SCHEDULED: "blue", MaintenanceState.IN_PROGRESS: "amber",
                      MaintenanceState.COMPLETED: "gray", MaintenanceState.CANCELLED: "gray"}


def _window_row(w) -> rx.Component:
    return rx.table.row(
        rx.table.cell(w["id"]), rx.table.cell(w["client"]), rx.table.cell(w["starts"]), rx.table.cell(w["ends"]),
        rx.table.cell(w["message"]),
        rx.table.cell(rx.badge(w["state"], color_scheme=rx.match(w["state"], *WINDOW_STATE_TONES.items(), "gray"))),
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
    return rx.card(
        rx.vstack(
            rx.heading("Scheduled maintenance", size="4"),
            rx.form(
                rx.vstack(
                    rx.grid(
                        _card_field("Client", "window-client-select",
                                    rx.select(AdminState.client_choices, id="window-client-select", name="client",
                                              default_value=ALL_CLIENTS_LABEL, width="100%"), errors, "client", "window"),
                        _card_field("Starts at", "window-starts-input",
                                    rx.input(id="window-starts-input", name="starts_at", type="datetime-local",
                                             step="1", width="100%"), errors, "starts_at", "window"),
                        _card_field("Ends at", "window-ends-input",
                                    rx.input(id="window-ends-input", name="ends_at", type="datetime-local",
                                             step="1", width="100%"), errors, "ends_at", "window"),
                        columns="3", spacing="4", width="100%",
                    ),
                    _card_field("Message", "window-message-input",
                                rx.input(id="window-message-input", name="message", width="100%",
                                         placeholder="What the banner says, e.g. Database upgrade"),
                                errors, "message", "window"),
                    _field_error(errors, "form", "window"),
                    rx.hstack(
                        rx.button(rx.icon("calendar-clock", size=16), "Schedule", type="submit"),
                        rx.text(AdminState.schedule_note, size="2", color_scheme="green",
                                custom_attrs={"data-testid": "schedule-result",
                                              "data-count": AdminState.schedule_count.to_string()}),
                        align="center",
                    ),
                    rx.text("Times are your browser's local time. Pages of the clients concerned turn to "
                            "Maintenance at the start and back at the end by themselves.",
                            size="1", color_scheme="gray"),
                    spacing="3", width="100%",
                ),
                on_submit=AdminState.schedule,
            ),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                ("#", "Client", "Starts (UTC)", "Ends (UTC)", "Message", "State", "")])),
                rx.table.body(rx.foreach(AdminState.windows, _window_row)),
                width="100%",
            ),
            width="100%",
        ),
        width="100%",
        custom_attrs={"data-testid": "maintenance-card"},
    )


def _extend_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Extend maintenance"),
            rx.form(
                rx.vstack(
                    rx.el.label("New end (UTC)", html_for="extend-ends", style={"fontWeight": 500}),
                    rx.input(id="extend-ends", name="ends_at", type="datetime-local", step="1",
                             default_value=AdminState.extend_ends),
                    _field_error(AdminState.extend_errors, "ends_at", "extend"),
                    _field_error(AdminState.extend_errors, "form", "extend"),
                    rx.hstack(
                        rx.button("Close", type="button", variant="soft", color_scheme="gray",
                                  on_click=AdminState.close_extend),
                        rx.button("Save end", type="submit"),
                        justify="end", width="100%",
                    ),
                    width="100%",
                ),
                on_submit=AdminState.save_extend,
            ),
        ),
        open=AdminState.extending_id != "",
    )


def _bulk_card() -> rx.Component:
    """One status (and message) to the ticked clients: one transaction, one audit row per client."""
    errors = AdminState.bulk_errors
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Publish to several clients", size="4"),
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
                    _field_error(errors, "client_ids", "bulk"),
                    spacing="1",
                ),
                rx.grid(
                    _card_field("Bulk status", "bulk-status-select",
                                rx.select(STATUS_CHOICES, id="bulk-status-select", name="status",
                                          default_value="Maintenance", width="100%"), errors, "status", "bulk"),
                    _card_field("Bulk message type", "bulk-type-select",
                                rx.select(TYPE_CHOICES, id="bulk-type-select", name="type",
                                          default_value="Info", width="100%"), errors, "type", "bulk"),
                    _card_field("Bulk expires at", "bulk-expires-input",
                                rx.input(id="bulk-expires-input", name="expires_at", type="datetime-local",
                                         step="1", width="100%"), errors, "expires_at", "bulk"),
                    columns="3", spacing="4", width="100%",
                ),
                _card_field("Bulk message", "bulk-message-input",
                            rx.input(id="bulk-message-input", name="message", width="100%"), errors, "message", "bulk"),
                _field_error(errors, "form", "bulk"),
                rx.hstack(
                    rx.button(rx.icon("send", size=16), "Apply to selected clients", type="submit"),
                    rx.text(AdminState.bulk_note, size="2", color_scheme="green",
                            custom_attrs={"data-testid": "bulk-result",
                                          "data-count": AdminState.bulk_count.to_string()}),
                    align="center",
                ),
                spacing="3", width="100%",
            ),
            on_submit=AdminState.publish_bulk,
        ),
        width="100%",
    )


DAY_TONES = {ServiceStatus.ACTIVE: "var(--green-9)", ServiceStatus.MAINTENANCE: "var(--amber-9)",
             ServiceStatus.INACTIVE: "var(--red-9)", MIXED_DAY: "var(--orange-7)"}


def _uptime_card() -> rx.Component:
    """90 daily bars of one scope's effective status, the Active shares, and message statistics."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Status history: uptime", size="4"),
                rx.spacer(),
                rx.el.label("Uptime client", html_for="uptime-client", style=FILTER_LABEL_STYLE),
                rx.el.select(
                    rx.el.option(ALL_CLIENTS_LABEL, value=""),
                    rx.foreach(AdminState.clients, lambda c: rx.el.option(c["name"], value=c["id"])),
                    id="uptime-client", value=AdminState.uptime_scope, on_change=AdminState.set_uptime_scope,
                    style={"padding": "0.4em"},
                ),
                width="100%", align="center",
            ),
            rx.hstack(
                rx.foreach(AdminState.uptime_days, lambda d: rx.box(
                    width="100%", height="32px", border_radius="2px",
                    background=rx.match(d.state, *DAY_TONES.items(), "var(--gray-6)"),
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
                rx.text("Active: ", rx.el.strong(AdminState.uptime_30, custom_attrs={"data-testid": "uptime-30"}),
                        " over 30 days, ",
                        rx.el.strong(AdminState.uptime_90, custom_attrs={"data-testid": "uptime-90"}),
                        " over 90 days", size="2"),
                rx.spacer(), rx.text("today", size="1", color_scheme="gray"),
                width="100%",
            ),
            rx.heading("Messages", size="3"),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                ("Type", "In force", "Expired", "Withdrawn")])),
                rx.table.body(rx.foreach(AdminState.message_stats, lambda m: rx.table.row(
                    rx.table.cell(m.type), rx.table.cell(m.in_force.to_string()),
                    rx.table.cell(m.expired.to_string()), rx.table.cell(m.withdrawn.to_string()),
                    custom_attrs={"data-testid": "message-stat", "data-type": m.type}))),
                size="1",
            ),
            width="100%",
        ),
        width="100%",
    )


def _statuses_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Status by client", size="4"),
            empty_or(AdminState.statuses, rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell("Scope"), rx.table.column_header_cell("Effective status"),
                    rx.table.column_header_cell("Own row updated"),
                    rx.table.column_header_cell(rx.el.span("Actions", class_name="beacon-sr-only")))),
                rx.table.body(rx.foreach(AdminState.statuses, lambda s: rx.table.row(
                    rx.table.cell(s["client"]), rx.table.cell(label(s["status"], SERVICE_STATUS)),
                    rx.table.cell(s["updated"]),
                    rx.table.cell(rx.cond(
                        (s["override"] == "yes") & (s["client_id"] != ""),
                        rx.button("Use global status", size="1", variant="soft",
                                  on_click=AdminState.clear_override(s["client_id"])),
                    )),
                    custom_attrs={"data-testid": "status-row"}))),
                width="100%",
            ), "No status set yet: every client is Active."),
            width="100%",
        ),
        width="100%",
    )


def _message_row(m) -> rx.Component:
    return rx.table.row(
        rx.table.cell(m["scope"]),
        rx.table.cell(rx.badge(label(m["type"], MESSAGE_TYPE),
                               color_scheme=rx.match(m["type"], *TYPE_TONES.items(), "gray"))),
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
    return rx.card(
        rx.vstack(
            rx.heading("System messages", size="4"),
            empty_or(AdminState.messages, rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                ("Scope", "Type", "Message", "Expires", "State")],
                                             rx.table.column_header_cell(rx.el.span("Actions", class_name="beacon-sr-only")))),
                rx.table.body(rx.foreach(AdminState.messages, _message_row)),
                width="100%",
            ), "No messages yet. Publish one above; it appears in every affected user's top bar."),
            width="100%",
        ),
        width="100%",
    )


def _edit_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Edit message"),
            rx.form(
                rx.vstack(
                    rx.el.label("Message", html_for="edit-message", style={"fontWeight": 500}),
                    rx.text_area(id="edit-message", name="message", default_value=AdminState.edit_message, width="100%"),
                    rx.cond(AdminState.edit_errors.contains("message"),
                            rx.text(AdminState.edit_errors["message"], color_scheme="red", size="1")),
                    rx.el.label("Message type", html_for="edit-type", style={"fontWeight": 500}),
                    rx.select(TYPE_CHOICES, id="edit-type", name="type", default_value=AdminState.edit_type),
                    rx.el.label("Expires at (UTC)", html_for="edit-expires", style={"fontWeight": 500}),
                    rx.input(id="edit-expires", name="expires_at", type="datetime-local", step="1",
                             default_value=AdminState.edit_expires),
                    rx.cond(AdminState.edit_errors.contains("expires_at"),
                            rx.text(AdminState.edit_errors["expires_at"], color_scheme="red", size="1")),
                    rx.cond(AdminState.edit_errors.contains("form"),
                            rx.text(AdminState.edit_errors["form"], color_scheme="red", size="1")),
                    rx.hstack(
                        rx.button("Cancel", type="button", variant="soft", color_scheme="gray",
                                  on_click=AdminState.cancel_edit),
                        rx.button("Save", type="submit"),
                        justify="end", width="100%",
                    ),
                    width="100%",
                ),
                on_submit=AdminState.save_edit,
            ),
        ),
        open=AdminState.editing_id != "",
    )


ACTOR_DEBOUNCE_MS = 300  # read once typing pauses, not on every key
FILTER_LABEL_STYLE = {"fontWeight": 500, "fontSize": "14px"}


def _filter(label: str, control_id: str, control: rx.Component, errors, field: str,
            testid_prefix: str) -> rx.Component:
    """A labelled filter control with its error (a refused value) beneath it."""
    return rx.vstack(
        rx.el.label(label, html_for=control_id, style=FILTER_LABEL_STYLE),
        control,
        rx.cond(errors.contains(field),
                rx.text(errors[field], color_scheme="red", size="1", role="alert",
                        custom_attrs={"data-testid": f"{testid_prefix}-error-{field}"})),
        spacing="1",
    )


def _client_select(control_id: str, value, on_change) -> rx.Component:
    return rx.el.select(
        rx.el.option("Any client", value=ANY_CLIENT),
        rx.el.option("Global (no client)", value=GLOBAL_CLIENT),
        rx.foreach(AdminState.clients, lambda c: rx.el.option(c["name"], value=c["id"])),
        id=control_id, value=value, on_change=on_change, style={"padding": "0.4em"},
    )


def _pager(name: str, loaded, reading, first, last, total, has_previous, has_next,
           on_previous, on_next) -> rx.Component:
    """ "Showing a–b of N" with Previous/Next; N is in data-testid `<name>-total`."""
    return rx.hstack(
        rx.cond(reading, rx.spinner(size="2")),
        rx.text(
            rx.cond(loaded,
                    rx.fragment("Showing ", first.to_string(), "–", last.to_string(), " of ",
                                rx.el.span(total.to_string(), custom_attrs={"data-testid": f"{name}-total"})),
                    "Loading…"),
            size="2", color_scheme="gray", custom_attrs={"data-testid": f"{name}-showing"},
        ),
        rx.spacer(),
        rx.button("Previous", size="1", variant="soft", disabled=~has_previous, on_click=on_previous,
                  custom_attrs={"data-testid": f"{name}-previous"}),
        rx.button("Next", size="1", variant="soft", disabled=~has_next, on_click=on_next,
                  custom_attrs={"data-testid": f"{name}-next"}),
        width="100%", align="center",
    )


def _history_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Status history", size="4"),
                rx.spacer(),
                _filter("History client", "history-client",
                        _client_select("history-client", AdminState.history_client, AdminState.set_history_client),
                        AdminState.history_errors, "client", "history"),
                width="100%", align="end",
            ),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                ("When", "Who", "Scope", "From", "To", "Message")])),
                rx.table.body(rx.foreach(AdminState.history_rows, lambda h: rx.table.row(
                    rx.table.cell(when(h.created_at)), rx.table.cell(h.actor), rx.table.cell(h.scope),
                    rx.table.cell(h.old), rx.table.cell(h.new), rx.table.cell(h.message),
                    custom_attrs={"data-testid": "history-row", "data-audit-id": h.id}, key=h.id))),
                width="100%",
            ),
            rx.cond(AdminState.history_loaded & (AdminState.history_total == 0),
                    rx.text("No status changes recorded for this choice yet.", size="2", color_scheme="gray")),
            _pager("history", AdminState.history_loaded, AdminState.history_reading, AdminState.history_from,
                   AdminState.history_to, AdminState.history_total, AdminState.history_has_previous,
                   AdminState.history_has_next, AdminState.history_previous, AdminState.history_next),
            width="100%",
        ),
        width="100%",
    )


def _audit_filters() -> rx.Component:
    errors = AdminState.audit_errors
    return rx.hstack(
        _filter("Action", "audit-action", rx.el.select(
            rx.el.option("Any action", value=""),
            *[rx.el.option(action, value=action) for action in AUDIT_ACTIONS],
            id="audit-action", value=AdminState.audit_action, on_change=AdminState.set_audit_action,
            style={"padding": "0.4em"},
        ), errors, "action", "audit"),
        _filter("Actor", "audit-actor", rx.input(
            id="audit-actor", placeholder="Email or part of it", type="search", max_length=ACTOR_MAX_LENGTH,
            value=AdminState.audit_actor, on_change=AdminState.set_audit_actor,
            debounce_timeout=ACTOR_DEBOUNCE_MS,
        ), errors, "actor", "audit"),
        _filter("Audit client", "audit-client",
                _client_select("audit-client", AdminState.audit_client, AdminState.set_audit_client),
                errors, "client", "audit"),
        # Whole days in UTC, as the table shows times; both ends included.
        _filter("From", "audit-since", rx.input(
            id="audit-since", type="date", default_value=AdminState.audit_since,
            on_change=AdminState.set_audit_since,
        ), errors, "since", "audit"),
        _filter("To", "audit-until", rx.input(
            id="audit-until", type="date", default_value=AdminState.audit_until,
            on_change=AdminState.set_audit_until,
        ), errors, "until", "audit"),
        rx.text("Dates are UTC days, both included.", size="1", color_scheme="gray"),
        width="100%", align="end", wrap="wrap", spacing="4",
    )


def _audit_tab() -> rx.Component:
    return rx.vstack(
        _audit_filters(),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                            ("When", "Actor", "Action", "Target", "Before", "After")])),
            rx.table.body(rx.foreach(AdminState.audit_rows, lambda a: rx.table.row(
                rx.table.cell(when(a.created_at)), rx.table.cell(a.actor), rx.table.cell(a.action),
                rx.table.cell(a.target), rx.table.cell(a.old), rx.table.cell(a.new),
                custom_attrs={"data-testid": "audit-row", "data-audit-id": a.id, "data-action": a.action},
                key=a.id))),
            width="100%",
        ),
        rx.cond(AdminState.audit_loaded & (AdminState.audit_total == 0),
                rx.text("No audit entries match these filters. Widen the dates or clear a filter.", size="2",
                        color_scheme="gray")),
        _pager("audit", AdminState.audit_loaded, AdminState.audit_reading, AdminState.audit_from,
               AdminState.audit_to, AdminState.audit_total, AdminState.audit_has_previous,
               AdminState.audit_has_next, AdminState.audit_previous, AdminState.audit_next),
        spacing="3", width="100%",
    )


def _clients_tab() -> rx.Component:
    return empty_or(AdminState.clients, rx.table.root(
        rx.table.header(rx.table.row(rx.table.column_header_cell("Client"), rx.table.column_header_cell("Id"))),
        rx.table.body(rx.foreach(AdminState.clients, lambda c: rx.table.row(
            rx.table.cell(c["name"]), rx.table.cell(c["id"])))),
        width="100%",
    ), "No clients yet.")


def _users_tab() -> rx.Component:
    return empty_or(AdminState.users, rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in ("Email", "Name", "Role", "Client")])),
        rx.table.body(rx.foreach(AdminState.users, lambda u: rx.table.row(
            rx.table.cell(u["email"]), rx.table.cell(u["name"]), rx.table.cell(label(u["role"], ROLE)),
            rx.table.cell(u["client"])))),
        width="100%",
    ), "No users yet.")


TOKEN_STATE_TONES = {"active": "green", "expired": "gray", "revoked": "red"}


def _token_row(t) -> rx.Component:
    return rx.table.row(
        rx.table.cell(t.email), rx.table.cell(t.name), rx.table.cell(rx.code(t.prefix + "…")),
        rx.table.cell(label(t.scope, TOKEN_SCOPE)), rx.table.cell(when(t.expires_at)),
        rx.table.cell(rx.cond(t.last_used_at, when(t.last_used_at, relative=True), rx.text("Never", as_="span"))),
        rx.table.cell(rx.badge(label(t.state, TOKEN_STATE),
                               color_scheme=rx.match(t.state, *TOKEN_STATE_TONES.items(), "gray"))),
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
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                            ("Email", "Name", "Prefix", "Scope", "Expires", "Last used",
                                             "State")],
                                         rx.table.column_header_cell(rx.el.span("Actions", class_name="beacon-sr-only")))),
            rx.table.body(rx.foreach(AdminState.tokens, _token_row)),
            width="100%",
        ),
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
