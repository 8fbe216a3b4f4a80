"""/contacts: contact cards with a live badge, assigning tasks, and each contact's tasks."""

import reflex as rx

from app.components.layout import page_shell
from app.state.work import WorkState

ROUTE = "/contacts"

BADGE_TONES = {"Agent Working": "blue", "Draft Ready": "green", "Failed": "red"}
TASK_TONES = {"pending": "gray", "in_progress": "blue", "completed": "green", "failed": "red", "cancelled": "gray"}


def task_badge(badge) -> rx.Component:
    return rx.cond(
        badge != "",
        rx.badge(
            rx.cond(badge == "Agent Working", rx.spinner(size="1"), rx.fragment()),
            badge,
            color_scheme=rx.match(badge, *BADGE_TONES.items(), "gray"),
            variant="soft",
            custom_attrs={"data-testid": "task-badge"},
        ),
    )


def _card(contact) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.link(rx.heading(contact["name"], size="3"), href="#",
                        on_click=WorkState.show_contact(contact["id"]).prevent_default),
                rx.spacer(),
                task_badge(contact["badge"]),
                width="100%",
                align="center",
            ),
            rx.text(contact["company"], color_scheme="gray", size="2"),
            rx.text(contact["email"], size="1", color_scheme="gray"),
            rx.hstack(
                rx.button("Assign task", size="1", on_click=WorkState.start_assign(contact["id"])),
                rx.button("Tasks", size="1", variant="soft", on_click=WorkState.show_contact(contact["id"])),
                rx.spacer(),
                rx.text(contact["client"], size="1", color_scheme="gray"),
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
        custom_attrs={"data-testid": "contact-card", "data-contact-id": contact["id"]},
        key=contact["id"],
        width="100%",
    )


def task_rows(rows) -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                        ("Task", "Agent", "Status", "Created", "Finished", "")])),
        rx.table.body(rx.foreach(rows, lambda t: rx.table.row(
            rx.table.cell("#" + t["id"]),
            rx.table.cell(t["agent"]),
            rx.table.cell(rx.badge(t["status_label"], color_scheme=rx.match(t["status"], *TASK_TONES.items(), "gray")),
                          rx.cond(t["error"] != "", rx.text(t["error"], size="1", color_scheme="red"))),
            rx.table.cell(t["created"]),
            rx.table.cell(t["finished"]),
            rx.table.cell(rx.cond(
                (t["status"] == "pending") | (t["status"] == "in_progress"),
                rx.button("Cancel", size="1", variant="soft", color_scheme="red",
                          on_click=WorkState.cancel_task(t["id"])),
            )),
            custom_attrs={"data-testid": "task-row", "data-status": t["status"]},
            key=t["id"],
        ))),
        width="100%",
    )


def _contact_modal() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(WorkState.open_contact["name"]),
            rx.dialog.description(WorkState.open_contact["company"] + " · " + WorkState.open_contact["email"]),
            rx.box(
                rx.cond(
                    WorkState.open_contact_tasks.length() > 0,
                    task_rows(WorkState.open_contact_tasks),
                    rx.text("No tasks yet.", color_scheme="gray"),
                ),
                padding_y="1em",
                custom_attrs={"data-testid": "contact-tasks"},
            ),
            rx.hstack(
                rx.button("Assign task", on_click=[WorkState.hide_contact, WorkState.start_assign(WorkState.open_contact_id)]),
                rx.button("Close", variant="soft", color_scheme="gray", on_click=WorkState.hide_contact),
                justify="end",
            ),
            max_width="760px",
        ),
        open=WorkState.open_contact_id != "",
        on_open_change=lambda is_open: rx.cond(is_open, rx.noop(), WorkState.hide_contact()),
    )


def _assign_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Assign a task"),
            rx.dialog.description("Give one of the client's AI agents a task on " + WorkState.assign_contact["name"] + "."),
            rx.form(
                rx.vstack(
                    rx.el.label("AI agent", html_for="assign-agent", style={"fontWeight": 500}),
                    rx.select(WorkState.assignable_agents, id="assign-agent", name="agent",
                              default_value="Outreach Agent", width="100%"),
                    rx.cond(WorkState.assign_errors.contains("agent"),
                            rx.text(WorkState.assign_errors["agent"], color_scheme="red", size="1")),
                    rx.el.label("Instructions", html_for="assign-instructions", style={"fontWeight": 500}),
                    rx.text_area(id="assign-instructions", name="instructions", width="100%",
                                 placeholder="Optional: what the agent should focus on"),
                    rx.cond(WorkState.assign_errors.contains("instructions"),
                            rx.text(WorkState.assign_errors["instructions"], color_scheme="red", size="1")),
                    rx.cond(WorkState.assign_errors.contains("form"),
                            rx.text(WorkState.assign_errors["form"], color_scheme="red", size="1", role="alert")),
                    rx.hstack(
                        rx.button("Cancel", type="button", variant="soft", color_scheme="gray",
                                  on_click=WorkState.cancel_assign),
                        rx.button("Assign", type="submit"),
                        justify="end", width="100%",
                    ),
                    width="100%",
                ),
                on_submit=WorkState.assign,
            ),
        ),
        open=WorkState.assign_contact_id != "",
    )


def contacts_page() -> rx.Component:
    return page_shell(
        "Contacts",
        rx.grid(rx.foreach(WorkState.contacts, _card), columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                spacing="4", width="100%"),
        _contact_modal(),
        _assign_dialog(),
    )
