"""/agents/<id>: one AI agent's tasks and activity, live."""

import reflex as rx

from app.components.layout import page_shell
from app.pages.contacts import task_rows
from app.state.work import WorkState

ROUTE = "/agents/[agent_id]"


def agent_detail_page() -> rx.Component:
    return page_shell(
        "Agent",
        rx.cond(
            WorkState.page_agent.contains("id"),
            rx.vstack(
                rx.hstack(rx.icon("bot"), rx.heading(WorkState.page_agent["name"], size="5"),
                          rx.badge(WorkState.page_agent["kind"]), align="center"),
                rx.heading("Tasks", size="4"),
                task_rows(WorkState.page_agent_tasks),
                rx.heading("Activity", size="4"),
                rx.vstack(rx.foreach(WorkState.page_agent_activity, lambda a: rx.hstack(
                    rx.text(a["when"], size="1", color_scheme="gray"), rx.text(a["text"], size="2"))), width="100%"),
                width="100%",
            ),
            rx.text("No such agent here.", color_scheme="gray"),
        ),
    )
