"""The live-link indicator: connected, reconnecting, or polling (the declared fallback)."""

import reflex as rx
from reflex.components.core.banner import has_connection_errors

from app.state.live import POLLING, LiveLinkState

CONNECTED = "connected"
RECONNECTING = "reconnecting"

_state = rx.cond(
    has_connection_errors,
    RECONNECTING,
    rx.cond(LiveLinkState.mode == POLLING, "polling", CONNECTED),
)
_label = rx.cond(
    has_connection_errors,
    "Reconnecting…",
    rx.cond(LiveLinkState.mode == POLLING, "Polling", "Live"),
)
_colour = rx.cond(
    has_connection_errors, "var(--amber-9)", rx.cond(LiveLinkState.mode == POLLING, "var(--blue-9)", "var(--green-9)")
)


def connection_indicator() -> rx.Component:
    return rx.hstack(
        rx.box(width="8px", height="8px", border_radius="50%", background=_colour),
        rx.text(_label, size="1", color_scheme="gray"),
        align="center",
        spacing="1",
        role="status",
        custom_attrs={
            "data-testid": "connection-status",
            "data-state": _state,
            "data-worker": LiveLinkState.worker,
            "aria-live": "polite",
            "aria-label": rx.cond(has_connection_errors, "Live updates: reconnecting", "Live updates: " + _state),
        },
    )
