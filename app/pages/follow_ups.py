"""/follow-ups: the schedule, a form to add one, and the history."""

import reflex as rx

from app.components.labels import FOLLOW_UP_STATUS, label
from app.components.layout import page_shell
from app.components.lists import listed
from app.components.when import when
from app.state.work import WorkState
from app.views.lists import FOLLOW_UP_HISTORY, SCHEDULED_FOLLOW_UPS

ROUTE = "/follow-ups"


def _error(field: str) -> rx.Component:
    return rx.cond(WorkState.follow_up_errors.contains(field),
                   rx.text(WorkState.follow_up_errors[field], color_scheme="red", size="1", role="alert"))


def _schedule_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Schedule a follow-up", size="4", as_="h2"),
                rx.grid(
                    rx.vstack(rx.el.label("Contact", html_for="follow-up-contact", style={"fontWeight": 500}),
                              rx.input(id="follow-up-contact", name="contact", width="100%", max_length=100,
                                       placeholder="Type a name or email", list="follow-up-contacts",
                                       auto_complete="off", on_change=WorkState.suggest_contacts,
                                       debounce_timeout=250),
                              rx.el.datalist(rx.foreach(WorkState.contact_suggestions, lambda n: rx.el.option(value=n)),
                                             id="follow-up-contacts"),
                              _error("contact"), width="100%"),
                    rx.vstack(rx.el.label("When", html_for="follow-up-when", style={"fontWeight": 500}),
                              rx.input(id="follow-up-when", name="scheduled_for", type="datetime-local", step="1", width="100%"),
                              _error("scheduled_for"), width="100%"),
                    columns=rx.breakpoints(initial="1", sm="2"), spacing="4", width="100%",
                ),
                rx.el.label("Note", html_for="follow-up-note", style={"fontWeight": 500}),
                rx.text_area(id="follow-up-note", name="note", width="100%", placeholder="What to follow up on"),
                _error("note"),
                _error("form"),
                rx.button("Schedule", type="submit"),
                width="100%",
            ),
            on_submit=WorkState.schedule_follow_up,
        ),
        width="100%",
    )


def _table(name: str, rows, with_cancel: bool, empty: str) -> rx.Component:
    headers = ("Contact", "Agent", "When", "Note", "Status") + (("",) if with_cancel else ("Done",))
    return listed(name, rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
        rx.table.body(rx.foreach(rows, lambda f: rx.table.row(
            rx.table.cell(f.contact), rx.table.cell(f.agent), rx.table.cell(when(f.scheduled_for)),
            rx.table.cell(f.note), rx.table.cell(rx.badge(label(f.status, FOLLOW_UP_STATUS))),
            rx.table.cell(rx.button("Cancel", size="1", variant="soft", color_scheme="red",
                                    on_click=WorkState.cancel_follow_up(f.id)) if with_cancel else when(f.done_at)),
            custom_attrs={"data-testid": "follow-up-row", "data-status": f.status},
            key=f.id,
        ))),
        width="100%",
    ), empty)


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
