"""The live-link indicator: connecting, connected, reconnecting, polling (the declared fallback), or
paused (this page's link closed to make room for the same person's newer pages).

"Connecting" until the page's first snapshot (or the resync after a reconnect) has arrived: the
numbers on screen are not this page's yet. Text and colour both carry the state."""

import reflex as rx
from reflex.components.core.banner import has_connection_errors

from app.components.loading import page_loading
from app.state.live import PAUSED, POLLING, LiveLinkState

CONNECTING = "connecting"
CONNECTED = "connected"
RECONNECTING = "reconnecting"

_paused = LiveLinkState.mode == PAUSED
_state = rx.cond(
    has_connection_errors,
    RECONNECTING,
    rx.cond(page_loading, CONNECTING,
            rx.cond(_paused, PAUSED, rx.cond(LiveLinkState.mode == POLLING, "polling", CONNECTED))),
)
_label = rx.cond(
    has_connection_errors,
    "Reconnecting…",
    rx.cond(page_loading, "Connecting…",
            rx.cond(_paused, "Paused: reload to resume", rx.cond(LiveLinkState.mode == POLLING, "Polling", "Live"))),
)
_colour = rx.cond(
    has_connection_errors | page_loading, "var(--amber-9)",
    rx.cond(_paused, "var(--gray-9)", rx.cond(LiveLinkState.mode == POLLING, "var(--blue-9)", "var(--green-9)")),
)


def connection_indicator() -> rx.Component:
    return rx.hstack(
        rx.box(width="8px", height="8px", border_radius="50%", background=_colour, flex_shrink="0"),
        rx.text(_label, size="1", color_scheme="gray", white_space="nowrap"),
        align="center",
        spacing="1",
        role="status",
        custom_attrs={
            "data-testid": "connection-status",
            "data-state": _state,
            "data-worker": LiveLinkState.worker,
            "aria-live": "polite",
            "aria-label": "Live updates: " + _state,
        },
    )
