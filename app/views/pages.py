"""What each live page follows: one table, route -> shared views, lists and windows.

A page's live link reads this once when it starts (app/state/live.py): the shared views it
subscribes to (besides the tenant view and the work summary, which every page shows), the
newest-first lists it opens, and the windows its states open. A route of the app without an entry
here fails at start (app/registrations.py) and in tests/unit/test_registrations.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.models import Role
from app.rules.actors import ALL_TENANTS
from app.views.access import as_row_id
from app.views.lists import (
    ACTIVITY,
    APPROVED_DRAFTS,
    DECIDED_DRAFTS,
    FOLLOW_UP_HISTORY,
    PENDING_DRAFTS,
    SCHEDULED_FOLLOW_UPS,
)
from app.views.live import ADMIN_VIEW, CHATS_VIEW, SUMMARY_VIEW, TENANT_VIEW
from app.views.windows import AGENT_TASKS_WINDOW, AUDIT_WINDOW, CONTACTS_WINDOW, STATUS_HISTORY_WINDOW

DASHBOARD_PAGE = "/"
AGENTS_PAGE = "/agents"
AGENT_PAGE = "/agents/[agent_id]"  # one AI agent's page; the pattern Reflex routes
CONTACTS_PAGE = "/contacts"
APPROVALS_PAGE = "/approvals"
FOLLOW_UPS_PAGE = "/follow-ups"
ADMIN_PAGE = "/admin"
LOGIN_PAGE = "/login"


@dataclass(frozen=True)
class PageRoute:
    """A page's path, parsed once: which page it is, and for an agent's page which agent."""

    pattern: str
    agent_id: int | None = None  # /agents/<id>; None for a made-up id (no agent has it)

    @classmethod
    def of(cls, path: str) -> PageRoute:
        parts = [part for part in path.strip("/").split("/") if part]
        if len(parts) == 2 and parts[0] == "agents":
            return cls(AGENT_PAGE, as_row_id(parts[1]))
        return cls("/" + "/".join(parts))

    @property
    def agent_param(self) -> str:
        """The <id> of /agents/<id> as the URL has it ("" on other pages)."""
        return str(self.agent_id) if self.agent_id is not None else ""


@dataclass(frozen=True)
class Page:
    """What one page follows live."""

    views: frozenset[str] = frozenset()  # shared views besides EVERY_PAGE_VIEWS
    lists: tuple[str, ...] = ()  # newest-first lists (views/lists.py), each its own window
    windows: frozenset[str] = frozenset()  # window kinds (views/windows.py) its states open
    live: bool = True  # the sign-in page follows nothing


# Every live page shows the banner, metrics and top bar (tenant) and the AI agents, the
# pending-approvals count and notifications (summary).
EVERY_PAGE_VIEWS = frozenset({TENANT_VIEW, SUMMARY_VIEW})

PAGES: dict[str, Page] = {
    DASHBOARD_PAGE: Page(lists=(ACTIVITY,)),
    AGENTS_PAGE: Page(views=frozenset({CHATS_VIEW})),
    AGENT_PAGE: Page(lists=(ACTIVITY,), windows=frozenset({AGENT_TASKS_WINDOW})),
    # The open contact's tasks (CONTACT_TASKS_WINDOW) are opened by the person, not the page.
    CONTACTS_PAGE: Page(windows=frozenset({CONTACTS_WINDOW})),
    APPROVALS_PAGE: Page(lists=(PENDING_DRAFTS, APPROVED_DRAFTS, DECIDED_DRAFTS)),
    FOLLOW_UPS_PAGE: Page(lists=(SCHEDULED_FOLLOW_UPS, FOLLOW_UP_HISTORY)),
    ADMIN_PAGE: Page(views=frozenset({ADMIN_VIEW}), windows=frozenset({AUDIT_WINDOW, STATUS_HISTORY_WINDOW})),
    LOGIN_PAGE: Page(live=False),
}
NOT_LIVE = Page(live=False)  # a path no page answers: nothing to follow

# The roles whose pages show chats (the agents page's chat panel, app/pages/agents.py): only their
# pages follow the chats view, so no other role's tab ever holds a chat's subject.
CHAT_VIEWER_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.CLIENT_ADMIN})
# Who may follow each view that not every role's pages show (a view is built per audience, i.e.
# per tenant; what a role may not see must not be in its pages' subscriptions at all).
VIEW_ROLES: dict[str, frozenset[str]] = {
    ADMIN_VIEW: frozenset({Role.PLATFORM_ADMIN}),
    CHATS_VIEW: CHAT_VIEWER_ROLES,
}


def page_of(route: PageRoute) -> Page:
    return PAGES.get(route.pattern, NOT_LIVE)


def views_for_page(path: str, audience: str, role: str) -> frozenset[str]:
    """The shared views a page at `path` follows for a user of `role` in `audience`: the admin
    lists only for platform admins, the chats only for the roles whose pages show them."""
    views = set(EVERY_PAGE_VIEWS | page_of(PageRoute.of(path)).views)
    if audience != ALL_TENANTS:
        views.discard(ADMIN_VIEW)
    return frozenset(kind for kind in views if role in VIEW_ROLES.get(kind, frozenset({role})))
