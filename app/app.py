"""The Reflex app: pages, the API and the change feed, wired together."""

import reflex as rx

from app.api.routes import api
from app.config import get_settings
from app.feed.listener import run_change_feed
from app.feed.observers import EntityObserver, observe_changes
from app.jobs.maintenance_timer import notify_windows_changed, run_maintenance_timer
from app.jobs.presence_sweeper import run_presence_sweeper
from app.jobs.retention import run_retention
from app.metrics.directory import use_metrics_directory
from app.models import Entity
from app.pages import ROUTES, admin, agent_detail, agents, approvals, contacts, dashboard, follow_ups, login
from app.setup.preflight import refuse_unready_start
from app.setup.startup_guard import refuse_unsafe_start
from app.state.auth import AuthState
from app.state.clock import BrowserClock
from app.state.event_guard import BoundedEventInput
from app.state.live import LiveLinkState
from app.state.presence import PresenceState
from app.state.registrations import check_registrations
from app.state.tab_owner import TabOwner
from app.state.work import WorkState
from app.web.edge import browser_edge
from app.web.origin import refuse_open_cors

# Before any value is recorded: the backend workers share one directory of metrics, so a scrape
# of any of them adds up all of them (app/metrics/directory.py). Their parent runs this first.
use_metrics_directory()
# Before anything is built or served: the database exists, answers and is migrated (and Redis
# answers, when REFLEX_REDIS_URL is set); else one line and exit 1, nothing created on the way.
refuse_unready_start()
# Before anything serves: on a non-loopback address, no demo account may keep its demo password.
# `reflex run` imports this module before it binds the port, and each backend worker imports it.
refuse_unsafe_start()
# Before anything serves: no cross-origin access but BEACON_PUBLIC_ORIGIN's (app/web/origin.py).
refuse_open_cors()

app = rx.App(
    # The API (with Reflex's backend mounted beneath it), then the browser edge around every
    # request, the websocket's included (app/web/edge.py): security headers, the same-origin rule
    # for the websocket and POST /auth/*, and the session cookie turned into its key.
    api_transformer=[api, browser_edge],
    head_components=[
        rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml"),
        rx.el.script(src="/notify.js"),
        rx.el.script(src="/login.js"),
        rx.el.script(src="/keys.js"),
        rx.el.link(rel="stylesheet", href="/beacon.css"),
    ],
)

# Before any other middleware (the hydrate one answers at once): bound what every event brings,
# then make sure the tab's state belongs to the sign-in its connection brings (app/state/tab_owner.py).
app.add_middleware(BoundedEventInput(), index=0)
app.add_middleware(TabOwner(), index=1)

_signed_in = [LiveLinkState.begin, AuthState.require_sign_in, PresenceState.load,
              WorkState.read_notification_permission, LiveLinkState.follow_changes]

app.add_page(login.login_page, route=login.ROUTE, title="Sign in · Beacon",
             on_load=AuthState.open_login)
app.add_page(dashboard.dashboard_page, route=dashboard.ROUTE, title="Dashboard · Beacon", on_load=_signed_in)
app.add_page(agents.agents_page, route=agents.ROUTE, title="Agents · Beacon", on_load=_signed_in)
app.add_page(agent_detail.agent_detail_page, route=agent_detail.ROUTE, title="Agent · Beacon", on_load=_signed_in)
app.add_page(contacts.contacts_page, route=contacts.ROUTE, title="Contacts · Beacon", on_load=_signed_in)
app.add_page(approvals.approvals_page, route=approvals.ROUTE, title="Approvals · Beacon", on_load=_signed_in)
app.add_page(follow_ups.follow_ups_page, route=follow_ups.ROUTE, title="Follow-ups · Beacon",
             on_load=[*_signed_in, BrowserClock.read])
app.add_page(admin.admin_page, route=admin.ROUTE, title="Admin · Beacon",
             on_load=[LiveLinkState.begin, AuthState.require_platform_admin, BrowserClock.read,
                      WorkState.read_notification_permission, LiveLinkState.follow_changes])

# Before anything serves: every live entity, view, window kind and page is declared wherever it
# must be (app/state/registrations.py), so a forgotten one stops the start, naming itself.
check_registrations(ROUTES)

if get_settings().live_updates:
    # A window scheduled, moved or cancelled: the leader's maintenance timer (if this process
    # leads) plans again, so a window due sooner than its current sleep starts on time.
    observe_changes(EntityObserver([Entity.MAINTENANCE_WINDOWS], notify_windows_changed))
    app.register_lifespan_task(run_change_feed)
app.register_lifespan_task(run_presence_sweeper)
app.register_lifespan_task(run_retention)
app.register_lifespan_task(run_maintenance_timer)
