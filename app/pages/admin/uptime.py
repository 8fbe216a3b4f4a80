"""The uptime card (app/state/admin/uptime.py): 90 daily bars of one scope's effective status,
the Active shares, and message statistics."""

import reflex as rx

from app.components import tones
from app.components.card import section_card
from app.components.forms import LABEL_STYLE
from app.components.table import cells, table
from app.models import ALL_CLIENTS_LABEL
from app.state.admin.uptime import ALL_SCOPES, UptimeState


def uptime_card() -> rx.Component:
    shown = UptimeState.uptime_shown
    scope = (
        rx.el.label("Uptime client", html_for="uptime-client", style=LABEL_STYLE),
        rx.el.select(
            rx.el.option(ALL_CLIENTS_LABEL, value=ALL_SCOPES),
            rx.foreach(UptimeState.clients, lambda c: rx.el.option(c.name, value=c.id.to_string())),
            id="uptime-client", value=UptimeState.uptime_scope, on_change=UptimeState.set_uptime_scope,
            style={"padding": "0.4em"},
        ),
    )
    return section_card(
        "Status history: uptime",
        rx.hstack(
            rx.foreach(shown.days, lambda d: rx.box(
                width="100%", height="32px", border_radius="2px",
                background=tones.tone(d.state, tones.UPTIME_DAY, tones.UPTIME_DAY_DEFAULT),
                title=d.tooltip,
                role="listitem",  # a screen reader reads the days as a list, each by its tooltip
                custom_attrs={"data-testid": "uptime-day", "data-state": d.state, "data-day": d.day,
                              "aria-label": d.tooltip},
                key=d.day,
            )),
            spacing="1", width="100%", role="list",
            custom_attrs={"data-testid": "uptime-bars", "aria-label": "Daily status, the last 90 days"},
        ),
        rx.hstack(
            rx.text("90 days ago", size="1", color_scheme="gray"), rx.spacer(),
            rx.text("Active: ",
                    rx.el.strong(shown.active_30_label, custom_attrs={"data-testid": "uptime-30"}),
                    " over 30 days, ",
                    rx.el.strong(shown.active_90_label, custom_attrs={"data-testid": "uptime-90"}),
                    " over 90 days", size="2"),
            rx.spacer(), rx.text("today", size="1", color_scheme="gray"),
            width="100%",
        ),
        rx.heading("Messages", size="3"),
        table(("Type", "In force", "Expired", "Withdrawn"), UptimeState.message_stats, lambda m: rx.table.row(
            *cells(m.type, m.in_force.to_string(), m.expired.to_string(), m.withdrawn.to_string()),
            custom_attrs={"data-testid": "message-stat", "data-type": m.type}), size="1", width=None),
        aside=scope,
    )
