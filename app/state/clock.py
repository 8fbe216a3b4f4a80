"""The browser's time zone, so times people type in datetime-local fields mean what they see."""

import reflex as rx


class BrowserClock(rx.State):
    # Minutes to add to the browser's local time to get UTC (JavaScript's getTimezoneOffset).
    utc_offset_minutes: int = 0

    @rx.event
    def read(self):
        return rx.call_script("new Date().getTimezoneOffset()", callback=BrowserClock.remember)

    @rx.event
    def remember(self, minutes: int):
        try:
            self.utc_offset_minutes = int(minutes)
        except (TypeError, ValueError):
            self.utc_offset_minutes = 0
