"""Reading the date-times people type (browser datetime-local fields, CLI options)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from app.models import utc_now
from app.services.errors import InvalidInput

_DURATION = re.compile(r"^(\d+)\s*([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_local_datetime(value: str, utc_offset_minutes: int, field: str = "expires_at") -> datetime | None:
    """A browser's datetime-local value ("2026-11-22T14:05[:30]") in the browser's zone.

    `utc_offset_minutes` is JavaScript's getTimezoneOffset(): minutes to ADD to local time to get UTC.
    """
    value = (value or "").strip()
    if not value:
        return None
    try:
        local = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput({field: "Enter a date and time like 2026-11-22 14:05."}) from None
    if local.tzinfo is not None:
        return local.astimezone(timezone.utc)
    return (local + timedelta(minutes=utc_offset_minutes)).replace(tzinfo=timezone.utc)


def parse_expiry(value: str | None, field: str = "expires_at") -> datetime | None:
    """CLI/API expiry: an ISO date-time (UTC unless it names a zone) or a duration like 90s, 5m, 2h."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    match = _DURATION.match(text)
    if match:
        return utc_now() + timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput({field: "Use an ISO date-time (2026-11-22T14:05:00Z) or a duration (90s, 5m, 2h)."}) from None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
