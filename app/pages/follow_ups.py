"""/follow-ups: the schedule, a form to add one, and the history."""

import reflex as rx

from app.components.card import form_card
from app.components.forms import datetime_input, field_error
from app.components.labels import FOLLOW_UP_STATUS, label
from app.components.layout import page_shell
from app.components.lists import listed
from app.components.table import cells, table
from app.components.when import when
from app.state.work import WorkState
from app.views.lists import FOLLOW_UP_HISTORY, SCHEDULED_FOLLOW_UPS

ROUTE = "/follow-ups"


def _schedule_form() -> rx.Component:
    errors = WorkState.follow_up_errors
    return form_card(
        "Schedule a follow-up",
        rx.grid(
            rx.vstack(rx.el.label("Contact", html_for="follow-up-contact", style={"fontWeight": 500}),
                      rx.input(id="follow-up-contact", name="contact", width="100%", max_length=100,
                               placeholder="Type a name or email", list="follow-up-contacts",
                               auto_complete="off", on_change=WorkState.suggest_contacts,
                               debounce_timeout=250),
                      rx.el.datalist(rx.foreach(WorkState.contact_suggestions, lambda n: rx.el.option(value=n)),
                                     id="follow-up-contacts"),
                      field_error(errors, "contact"), width="100%"),
            rx.vstack(rx.el.label("When", html_for="follow-up-when", style={"fontWeight": 500}),
                      datetime_input("follow-up-when", "scheduled_for"),
                      field_error(errors, "scheduled_for"), width="100%"),
            columns=rx.breakpoints(initial="1", sm="2"), spacing="4", width="100%",
        ),
        rx.el.label("Note", html_for="follow-up-note", style={"fontWeight": 500}),
        rx.text_area(id="follow-up-note", name="note", width="100%", placeholder="What to follow up on"),
        field_error(errors, "note"),
        field_error(errors, "form"),
        rx.button("Schedule", type="submit"),
        on_submit=WorkState.schedule_follow_up, heading_as="h2",
    )


def _table(name: str, rows, with_cancel: bool, empty: str) -> rx.Component:
    headers = ("Contact", "Agent", "When", "Note", "Status") + (("",) if with_cancel else ("Done",))
    return listed(name, table(headers, rows, lambda f: rx.table.row(
        *cells(f.contact, f.agent, when(f.scheduled_for), f.note, rx.badge(label(f.status, FOLLOW_UP_STATUS)),
               rx.button("Cancel", size="1", variant="soft", color_scheme="red",
                         on_click=WorkState.cancel_follow_up(f.id)) if with_cancel else when(f.done_at)),
        custom_attrs={"data-testid": "follow-up-row", "data-status": f.status},
        key=f.id,
    )), empty)


def follow_ups_page() -> rx.Component:
    return page_shell(
        "Follow-ups",
        _schedule_form(),
        rx.heading("Scheduled", size="4", as_="h2"),
        rx.box(_table(SCHEDULED_FOLLOW_UPS, WorkState.scheduled_follow_ups, True,
                      "No follow-ups scheduled. Use the form above to schedule one."),
               width="100%", custom_attrs={"data-testid": "follow-up-schedule"}),
        rx.heading("History", size="4", as_="h2"),
        rx.box(_table(FOLLOW_UP_HISTORY, WorkState.follow_up_history, False,
                      "No follow-ups done or cancelled yet. They are listed here once they run or are cancelled."),
               width="100%", custom_attrs={"data-testid": "follow-up-history"}),
    )
