"""The browser's time zone, so times people type in datetime-local fields mean what they see."""

import reflex as rx

from app.state.events import event

# Every zone on Earth is within UTC-12 .. UTC+14: a browser that says otherwise is not one.
UTC_OFFSET_LIMIT_MINUTES = 14 * 60


class BrowserClock(rx.State):
    # Minutes to add to the browser's local time to get UTC (JavaScript's getTimezoneOffset).
    utc_offset_minutes: int = 0

    @event
    def read(self):
        return rx.call_script("new Date().getTimezoneOffset()", callback=BrowserClock.remember)

    @event
    def remember(self, minutes: int):
        if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or minutes != minutes:
            self.utc_offset_minutes = 0
            return
        offset = int(max(-UTC_OFFSET_LIMIT_MINUTES, min(UTC_OFFSET_LIMIT_MINUTES, minutes)))
        self.utc_offset_minutes = offset
