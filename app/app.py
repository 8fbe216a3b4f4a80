"""The Reflex app: pages, the API and the change feed, wired together."""

import reflex as rx

from app.api.routes import api
from app.config import get_settings
from app.feed.listener import run_change_feed
from app.pages import admin, agents, dashboard, login
from app.state.admin import AdminState
from app.state.auth import AuthState
from app.state.live import LiveLinkState

app = rx.App(
    api_transformer=api,
    head_components=[rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml")],
)

_signed_in = [AuthState.require_sign_in, LiveLinkState.follow_changes]

app.add_page(login.login_page, route=login.ROUTE, title="Sign in · Beacon",
             on_load=AuthState.redirect_if_signed_in)
app.add_page(dashboard.dashboard_page, route=dashboard.ROUTE, title="Dashboard · Beacon", on_load=_signed_in)
app.add_page(agents.agents_page, route=agents.ROUTE, title="Agents · Beacon", on_load=_signed_in)
app.add_page(admin.admin_page, route=admin.ROUTE, title="Admin · Beacon",
             on_load=[AuthState.require_platform_admin, AdminState.read_browser_offset, LiveLinkState.follow_changes])

if get_settings().live_updates:
    app.register_lifespan_task(run_change_feed)
