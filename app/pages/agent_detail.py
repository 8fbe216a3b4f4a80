"""/agents/<id>: one AI agent's tasks and activity, live."""

import reflex as rx

from app.components.labels import label
from app.components.layout import page_shell
from app.components.lists import more_or_note
from app.components.loading import loaded
from app.components.work import activity_list, task_table
from app.models import AIAgentKind
from app.state.work import WorkState
from app.views.pages import AGENT_PAGE

ROUTE = AGENT_PAGE

AI_AGENT_KIND = {AIAgentKind.OUTREACH: "Outreach", AIAgentKind.FOLLOW_UP: "Follow-up"}


def agent_detail_page() -> rx.Component:
    return page_shell(
        "Agent",
        loaded(rx.cond(
            WorkState.page_agent.id != 0,
            rx.vstack(
                rx.hstack(rx.icon("bot", aria_hidden="true"), rx.heading(WorkState.page_agent.name, size="5", as_="h2"),
                          rx.badge(label(WorkState.page_agent.kind, AI_AGENT_KIND)), align="center"),
                rx.heading("Tasks", size="4", as_="h2"),
                rx.cond(WorkState.page_agent_tasks.length() > 0, task_table(WorkState.page_agent_tasks),
                        rx.text("No tasks yet. Assign one from a contact on the Contacts page.",
                                color_scheme="gray", size="2", custom_attrs={"data-testid": "empty-state"})),
                more_or_note(WorkState.page_agent_has_more, WorkState.page_agent_older_hidden,
                             WorkState.more_agent_tasks, "show-more-agent-tasks"),
                rx.heading("Activity", size="4", as_="h2"),
                activity_list(),
                width="100%",
            ),
            rx.text("No such agent here. The Agents page lists your client's agents.", color_scheme="gray"),
        )),
    )
