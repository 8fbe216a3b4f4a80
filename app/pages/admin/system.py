"""The System tab: publishing, scheduled maintenance, bulk publishing, statuses, uptime, messages
and status history, one card each."""

import reflex as rx

from app.pages.admin.bulk import bulk_card
from app.pages.admin.history import history_card
from app.pages.admin.maintenance import schedule_card
from app.pages.admin.publish import messages_card, publish_card, statuses_card
from app.pages.admin.uptime import uptime_card


def system_tab() -> rx.Component:
    return rx.vstack(publish_card(), schedule_card(), bulk_card(), statuses_card(), uptime_card(), messages_card(),
                     history_card(), spacing="4", padding_top="1em", width="100%")
