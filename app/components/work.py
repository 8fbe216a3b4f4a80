"""The AI agents' work as the contacts page and an agent's page both show it: a table of tasks and
the activity feed."""

import reflex as rx

from app.components import tones
from app.components.lists import listed
from app.components.table import cells, table
from app.components.when import ago, when
from app.state.work import WorkState
from app.views.lists import ACTIVITY


def _task_row(t) -> rx.Component:
    return rx.table.row(
        rx.table.cell("#" + t.id.to_string()),
        rx.table.cell(t.agent),
        rx.table.cell(rx.badge(t.status_label, color_scheme=tones.tone(t.status, tones.TASK_STATUS)),
                      rx.cond(t.error != "", rx.text(t.error, size="1", color_scheme="red"))),
        *cells(when(t.created_at), when(t.finished_at)),
        rx.table.cell(rx.cond(
            (t.status == "pending") | (t.status == "in_progress"),
            rx.button("Cancel", size="1", variant="soft", color_scheme="red",
                      on_click=WorkState.cancel_task(t.id),
                      custom_attrs={"aria-label": "Cancel task #" + t.id.to_string()}),
        )),
        custom_attrs={"data-testid": "task-row", "data-status": t.status},
        key=t.id,
    )


def task_table(rows) -> rx.Component:
    """Tasks (newest first) with their status, times and, while they can be, Cancel."""
    return table(("Task", "Agent", "Status", "Created", "Finished"), rows, _task_row, actions=True)


def activity_list() -> rx.Component:
    """The newest agent activity of the client (or of the page's agent), with "Show more"."""
    return listed(ACTIVITY, rx.vstack(rx.foreach(WorkState.activity, lambda a: rx.hstack(
        rx.text(ago(a.created_at), size="1", color_scheme="gray", min_width="6.5em"),
        rx.text(a.text, size="2"),
        custom_attrs={"data-testid": "activity-item"}, align="center", key=a.id)), width="100%", spacing="1"),
        "No agent activity yet. It appears here as the agents work.")
