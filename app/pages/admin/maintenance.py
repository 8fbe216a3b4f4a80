"""The "Scheduled maintenance" card and its Extend dialog (app/state/admin/maintenance.py): the
window starts and ends by itself (the leader's timer)."""

import reflex as rx

from app.components import tones
from app.components.card import section_card
from app.components.forms import datetime_input, field_error, form_dialog, labelled_field, labelled_select, submit_row
from app.components.table import cells, table
from app.components.when import when
from app.models import ALL_CLIENTS_LABEL, MaintenanceState
from app.state.admin.lists import AdminListsState
from app.state.admin.maintenance import NOT_EXTENDING, ScheduledMaintenanceState


def _window_row(w) -> rx.Component:
    window_id = w.id.to_string()
    return rx.table.row(
        *cells(window_id, w.client, when(w.starts_at), when(w.ends_at), w.message,
               rx.badge(w.state, color_scheme=tones.tone(w.state, tones.WINDOW_STATE))),
        rx.table.cell(rx.cond(
            (w.state == MaintenanceState.SCHEDULED) | (w.state == MaintenanceState.IN_PROGRESS),
            rx.hstack(
                rx.button("Extend", size="1", variant="soft", on_click=ScheduledMaintenanceState.start_extend(w.id),
                          custom_attrs={"aria-label": "Extend maintenance " + window_id}),
                rx.button("Cancel", size="1", variant="soft", color_scheme="red",
                          on_click=ScheduledMaintenanceState.cancel_window(w.id),
                          custom_attrs={"aria-label": "Cancel maintenance " + window_id}),
            ),
        )),
        custom_attrs={"data-testid": "window-row", "data-window-id": w.id, "data-state": w.state},
        key=w.id,
    )


def schedule_card() -> rx.Component:
    errors = ScheduledMaintenanceState.schedule_errors
    return section_card(
        "Scheduled maintenance",
        rx.form(
            rx.vstack(
                rx.grid(
                    labelled_select("Client", "window-client-select", AdminListsState.client_choices, "client",
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
                           ScheduledMaintenanceState.schedule_note, ScheduledMaintenanceState.schedule_count,
                           "schedule-result"),
                rx.text("Times are your browser's local time. Pages of the clients concerned turn to "
                        "Maintenance at the start and back at the end by themselves.",
                        size="1", color_scheme="gray"),
                spacing="3", width="100%",
            ),
            on_submit=ScheduledMaintenanceState.schedule,
        ),
        # The times are shown in the reader's zone, which each names (app/components/when.py).
        table(("#", "Client", "Starts", "Ends", "Message", "State", ""), AdminListsState.windows, _window_row),
        custom_attrs={"data-testid": "maintenance-card"},
    )


def extend_dialog() -> rx.Component:
    errors = ScheduledMaintenanceState.extend_errors
    return form_dialog(
        "Extend maintenance",
        rx.el.label("New end (UTC)", html_for="extend-ends", style={"fontWeight": 500}),
        datetime_input("extend-ends", "ends_at", width=None, default_value=ScheduledMaintenanceState.extend_ends),
        field_error(errors, "ends_at", "extend-error-ends_at"),
        field_error(errors, "form", "extend-error-form"),
        on_submit=ScheduledMaintenanceState.save_extend, on_cancel=ScheduledMaintenanceState.close_extend,
        is_open=ScheduledMaintenanceState.extending_id != NOT_EXTENDING,
        cancel="Close", submit="Save end",
    )
