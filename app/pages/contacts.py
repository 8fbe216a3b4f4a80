"""/contacts: one window of contact cards (search, badge filter, sort, pages of at most 100) with
live badges, the total that matches, assigning tasks, and each contact's tasks."""

import reflex as rx
from reflex.vars import ObjectVar

from app.components import tones
from app.components.forms import field_error, form_dialog
from app.components.layout import page_shell
from app.components.lists import more_or_note
from app.components.loading import page_loading, skeleton_rows
from app.components.work import task_table
from app.rules import work as work_rules
from app.state.contacts import ContactsState
from app.views.contacts import NO_BADGE, SORT_BY_NAME, SORT_NEWEST, ContactRow

ROUTE = "/contacts"


def task_badge(badge) -> rx.Component:
    return rx.cond(
        badge != "",
        rx.badge(
            rx.cond(badge == work_rules.BADGE_WORKING, rx.spinner(size="1"), rx.fragment()),
            badge,
            color_scheme=tones.tone(badge, tones.TASK_BADGE),
            variant="soft",
            custom_attrs={"data-testid": "task-badge"},
        ),
    )


@rx.memo
def contact_card(contact: ObjectVar[ContactRow], badge: rx.Var[str], rest: rx.RestProp) -> rx.Component:
    """One card. Memoized: when one badge moves, only that card renders again, not the window."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.link(rx.heading(contact.name, size="3"), href="#",
                        on_click=ContactsState.show_contact(contact.id).prevent_default),
                rx.spacer(),
                task_badge(badge),
                width="100%",
                align="center",
            ),
            rx.text(contact.company, color_scheme="gray", size="2"),
            rx.text(contact.email, size="1", color_scheme="gray"),
            rx.hstack(
                rx.button("Assign task", size="1", on_click=ContactsState.start_assign(contact.id)),
                rx.button("Tasks", size="1", variant="soft", on_click=ContactsState.show_contact(contact.id)),
                rx.spacer(),
                rx.text(contact.client, size="1", color_scheme="gray"),
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
        rest,
        custom_attrs={"data-testid": "contact-card", "data-contact-id": contact.id},
        width="100%",
    )


def _card(contact) -> rx.Component:
    return contact_card(contact=contact, badge=ContactsState.badges.get(contact.id.to_string(), ""), key=contact.id)


BADGE_FILTER_OPTIONS = [("All contacts", ""), (work_rules.BADGE_WORKING, work_rules.BADGE_WORKING),
                        (work_rules.BADGE_DRAFT_READY, work_rules.BADGE_DRAFT_READY),
                        (work_rules.BADGE_FAILED, work_rules.BADGE_FAILED), ("No badge", NO_BADGE)]
SEARCH_DEBOUNCE_MS = 150  # read once typing pauses (keys come ~40-100 ms apart), not on every key


def _controls() -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.el.label("Search contacts", html_for="contacts-search", style={"fontWeight": 500}),
            # "/" focuses it from anywhere on the page (assets/keys.js).
            rx.input(id="contacts-search", placeholder="Name, email or company (press /)", width="100%",
                     max_length=100, type="search", value=ContactsState.search,
                     on_change=ContactsState.set_search, debounce_timeout=SEARCH_DEBOUNCE_MS),
            rx.cond(ContactsState.search_error != "",
                    rx.text(ContactsState.search_error, color_scheme="red", size="1", role="alert",
                            custom_attrs={"data-testid": "error-search"})),
            spacing="1", flex="1 1 14em",
        ),
        rx.vstack(
            rx.el.label("Badge", html_for="contacts-badge", style={"fontWeight": 500}),
            rx.el.select(
                *[rx.el.option(label, value=value) for label, value in BADGE_FILTER_OPTIONS],
                id="contacts-badge", value=ContactsState.badge_filter,
                on_change=ContactsState.set_badge_filter, style={"padding": "0.4em"},
            ),
            spacing="1",
        ),
        rx.vstack(
            rx.el.label("Sort", html_for="contacts-sort", style={"fontWeight": 500}),
            rx.el.select(
                rx.el.option("Name", value=SORT_BY_NAME), rx.el.option("Newest", value=SORT_NEWEST),
                id="contacts-sort", value=ContactsState.sort,
                on_change=ContactsState.set_sort, style={"padding": "0.4em"},
            ),
            spacing="1",
        ),
        width="100%", align="end", wrap="wrap", spacing="4",
    )


def _page_buttons() -> list[rx.Component]:
    return [
        rx.button("Previous", size="1", variant="soft", disabled=~ContactsState.page.has_previous,
                  on_click=ContactsState.previous_page),
        rx.button("Next", size="1", variant="soft", disabled=~ContactsState.page.has_next,
                  on_click=ContactsState.next_page),
    ]


def _pager() -> rx.Component:
    return rx.hstack(
        rx.cond(ContactsState.reading, rx.spinner(size="2")),
        rx.text(
            rx.cond(ContactsState.loaded & ~page_loading,
                    rx.fragment(
                        "Showing ", ContactsState.page.first.to_string(), "–", ContactsState.page.last.to_string(),
                        " of ",
                        rx.el.span(ContactsState.total.to_string(), custom_attrs={"data-testid": "contacts-total"}),
                    ),
                    "Loading contacts…"),
            size="2", color_scheme="gray",
        ),
        rx.spacer(),
        *_page_buttons(),
        width="100%", align="center", wrap="wrap",
    )


def _contact_modal() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(ContactsState.open_contact.name),
            rx.dialog.description(ContactsState.open_contact.company + " · " + ContactsState.open_contact.email),
            rx.box(
                rx.cond(
                    ContactsState.open_contact_tasks.length() > 0,
                    rx.vstack(
                        task_table(ContactsState.open_contact_tasks),
                        more_or_note(ContactsState.open_contact_has_more, ContactsState.open_contact_older_hidden,
                                     ContactsState.more_contact_tasks),
                        width="100%",
                    ),
                    rx.text("No tasks yet. Assign a task to give one of the AI agents work on this contact.",
                            color_scheme="gray", size="2"),
                ),
                padding_y="1em",
                custom_attrs={"data-testid": "contact-tasks"},
            ),
            rx.hstack(
                rx.button("Assign task", on_click=[ContactsState.start_assign(ContactsState.open_contact.id),
                                                   ContactsState.hide_contact]),
                rx.button("Close", variant="soft", color_scheme="gray", on_click=ContactsState.hide_contact),
                justify="end", wrap="wrap",
            ),
            max_width="760px",
        ),
        open=ContactsState.open_contact.id != 0,
        on_open_change=lambda is_open: rx.cond(is_open, rx.noop(), ContactsState.hide_contact()),
    )


def _assign_dialog() -> rx.Component:
    errors = ContactsState.assign_errors
    return form_dialog(
        "Assign a task",
        rx.el.label("AI agent", html_for="assign-agent", style={"fontWeight": 500}),
        rx.select(ContactsState.assignable_agents, id="assign-agent", name="agent",
                  default_value="Outreach Agent", width="100%"),
        field_error(errors, "agent", alert=False),
        rx.el.label("Instructions", html_for="assign-instructions", style={"fontWeight": 500}),
        rx.text_area(id="assign-instructions", name="instructions", width="100%",
                     placeholder="Optional: what the agent should focus on"),
        field_error(errors, "instructions", alert=False),
        field_error(errors, "form"),
        description="Give one of the client's AI agents a task on " + ContactsState.assign_contact.name + ".",
        on_submit=ContactsState.assign, on_cancel=ContactsState.cancel_assign,
        is_open=ContactsState.assign_contact.id != 0, submit="Assign",
    )


def contacts_page() -> rx.Component:
    return page_shell(
        "Contacts",
        _controls(),
        _pager(),
        rx.cond(ContactsState.loaded & ~page_loading, rx.fragment(), skeleton_rows(4)),
        rx.grid(rx.foreach(ContactsState.rows, _card), columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                spacing="4", width="100%", custom_attrs={"data-testid": "contact-cards"}),
        rx.cond(ContactsState.loaded & ~page_loading & (ContactsState.total == 0),
                rx.text(rx.cond(ContactsState.search != "",
                                "No contacts match “" + ContactsState.search + "”. Try another name, email or company.",
                                rx.cond(ContactsState.badge_filter != "",
                                        "No contacts with this badge. Choose “All contacts” to see every contact.",
                                        "No contacts yet. Contacts appear here when they are added to your client.")),
                        color_scheme="gray", size="2", custom_attrs={"data-testid": "empty-state"})),
        rx.cond(ContactsState.page.has_next | ContactsState.page.has_previous,
                rx.hstack(rx.spacer(), *_page_buttons(), width="100%")),
        _contact_modal(),
        _assign_dialog(),
    )
