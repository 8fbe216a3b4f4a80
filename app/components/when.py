"""Times as people read them. Rows carry real datetimes (UTC); the page formats them."""

import reflex as rx


def when(value) -> rx.Component:
    """A UTC datetime var as "YYYY-MM-DD HH:MM:SS UTC" (empty when there is none)."""
    text = value.to(str)
    return rx.cond(value, rx.text(text[0:19] + " UTC", as_="span"), rx.fragment())
