"""The top-bar banner: the service status and the most relevant system message."""

import reflex as rx

from app.components import tones
from app.components.labels import MESSAGE_TYPE, label
from app.models import MessageType, ServiceStatus
from app.state.system import SystemState

TYPE_ICONS = {MessageType.INFO: "info", MessageType.WARNING: "triangle-alert", MessageType.ERROR: "circle-x",
              MessageType.SUCCESS: "circle-check"}


def _tone(status, message_type) -> rx.Var:
    """Maintenance is yellow and inactive red; otherwise the message's own type sets the colour."""
    # Only an upcoming maintenance to tell of: an info line.
    no_message = rx.cond(SystemState.maintenance_notices.length() > 0,
                         tones.MESSAGE_TYPE[MessageType.INFO], tones.DEFAULT)
    return tones.tone(status, tones.SERVICE_STATUS, tones.tone(message_type, tones.MESSAGE_TYPE, no_message))


def maintenance_notices() -> rx.Component:
    """Scheduled maintenance, one line per (merged) window: "Scheduled maintenance Tue 02:00-03:00 UTC: ..."."""
    return rx.foreach(
        SystemState.maintenance_notices,
        lambda line: rx.hstack(
            rx.icon("calendar-clock", size=16),
            rx.text(line, size="2"),
            align="center", spacing="2",
            custom_attrs={"data-testid": "maintenance-notice"},
        ),
    )


def type_label(message_type) -> rx.Var:
    """A message type as people read it (Info, Warning, ...)."""
    return label(message_type, MESSAGE_TYPE)


def message_icon(message_type) -> rx.Component:
    return rx.match(
        message_type,
        *[(t, rx.icon(icon, size=16)) for t, icon in TYPE_ICONS.items()],
        rx.icon("megaphone", size=16),
    )


def system_banner() -> rx.Component:
    """A live region that is always in the page (so what appears in it is announced): assertive
    while the service is inactive, polite otherwise."""
    inactive = SystemState.status == ServiceStatus.INACTIVE
    return rx.box(
        _banner(),
        role=rx.cond(inactive, "alert", "status"),
        custom_attrs={"aria-live": rx.cond(inactive, "assertive", "polite"), "aria-atomic": "true"},
        class_name="beacon-banner",
        width="100%",
    )


def _banner() -> rx.Component:
    tone = _tone(SystemState.status, SystemState.shown_message.type)
    return rx.cond(
        SystemState.banner_visible,
        rx.callout.root(
            rx.hstack(
                message_icon(SystemState.shown_message.type),
                rx.cond(
                    SystemState.service_unavailable,
                    rx.badge("Agent service: " + SystemState.status_label, color_scheme=tone, variant="solid"),
                ),
                rx.cond(
                    SystemState.has_message,
                    rx.text(
                        # The icon and colour show the type; this says it to screen readers.
                        rx.el.span(type_label(SystemState.shown_message.type), ": ", class_name="beacon-sr-only"),
                        SystemState.shown_message.message, weight="medium",
                    ),
                ),
                maintenance_notices(),
                rx.cond(
                    SystemState.other_messages.length() > 0,
                    rx.popover.root(
                        rx.popover.trigger(
                            rx.button(
                                "+"
                                + (SystemState.other_messages.length() + SystemState.more_messages).to_string()
                                + " more",
                                size="1", variant="ghost",
                            )
                        ),
                        rx.popover.content(
                            rx.vstack(
                                rx.foreach(
                                    SystemState.other_messages,
                                    lambda m: rx.hstack(
                                        rx.badge(type_label(m.type),
                                                 color_scheme=tones.tone(m.type, tones.MESSAGE_TYPE)),
                                        rx.text(m.message, size="2"),
                                        rx.text(m.scope, size="1", color_scheme="gray"),
                                    ),
                                ),
                                spacing="2",
                            )
                        ),
                    ),
                ),
                align="center",
                spacing="3",
                wrap="wrap",
            ),
            color_scheme=tone,
            variant="surface",
            width="100%",
            custom_attrs={
                "data-testid": "system-banner",
                "data-status": SystemState.status,
                "data-type": SystemState.shown_message.type,
            },
        ),
    )
