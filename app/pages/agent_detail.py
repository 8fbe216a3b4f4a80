"""/agents/<id>: one AI agent's tasks and activity, live."""

import reflex as rx

from app.components.layout import page_shell
from app.pages.contacts import task_rows
from app.pages.dashboard import activity_list
from app.state.work import WorkState

ROUTE = "/agents/[agent_id]"


def agent_detail_page() -> rx.Component:
    return page_shell(
        "Agent",
        rx.cond(
            WorkState.page_agent.id != 0,
            rx.vstack(
                rx.hstack(rx.icon("bot"), rx.heading(WorkState.page_agent.name, size="5"),
                          rx.badge(WorkState.page_agent.kind), align="center"),
                rx.heading("Tasks", size="4"),
                task_rows(WorkState.page_agent_tasks),
                rx.cond(WorkState.page_agent_has_more,
                        rx.button("Show more", size="1", variant="soft", on_click=WorkState.more_agent_tasks,
                                  custom_attrs={"data-testid": "show-more-agent-tasks"})),
                rx.heading("Activity", size="4"),
                activity_list(),
                width="100%",
            ),
            rx.text("No such agent here.", color_scheme="gray"),
        ),
    )
