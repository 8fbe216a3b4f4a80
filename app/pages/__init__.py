"""One module per route."""

from app.pages import admin, agent_detail, agents, approvals, contacts, dashboard, follow_ups, login

# Every route the app serves (app/app.py adds each page): each must have an entry in the live
# page table (app/views/pages.py), checked at start (app/state/registrations.py).
ROUTES = tuple(page.ROUTE for page in (login, dashboard, agents, agent_detail, contacts, approvals, follow_ups,
                                       admin))
