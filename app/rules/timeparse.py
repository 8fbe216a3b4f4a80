"""Reading the date-times people type (browser datetime-local fields, CLI options, API bodies),
and the one span parser (`parse_span`: a maintenance window's start and end) the CLI, the API
and the admin page share."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.models import utc_now
from app.rules.errors import InvalidInput

_DURATION = re.compile(r"^(\d{1,12})\s*([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Nothing Beacon schedules (an expiry, a follow-up) is meant for later than this: a later date is
# a typo or a probe, and past ~year 9999 it would not even be a date.
HORIZON = timedelta(days=3660)
TEXT_MAX_LENGTH = 64  # longer than any ISO date-time with a zone, or any duration
TOO_FAR = "Choose a time within 10 years."


def _within_horizon(moment: datetime, field: str) -> datetime:
    if moment - utc_now() > HORIZON:
        raise InvalidInput({field: TOO_FAR})
    return moment


def _text(value: Any, field: str, hint: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        raise InvalidInput({field: hint})
    if len(text) > TEXT_MAX_LENGTH:
        raise InvalidInput({field: hint})
    return text


def parse_local_datetime(value: str, utc_offset_minutes: int, field: str = "expires_at") -> datetime | None:
    """A browser's datetime-local value ("2026-11-22T14:05[:30]") in the browser's zone.

    `utc_offset_minutes` is JavaScript's getTimezoneOffset(): minutes to ADD to local time to get UTC.
    """
    hint = "Enter a date and time like 2026-11-22 14:05."
    value = _text(value, field, hint)
    if not value:
        return None
    try:
        local = datetime.fromisoformat(value)
        if local.tzinfo is not None:
            moment = local.astimezone(UTC)
        else:
            moment = (local + timedelta(minutes=int(utc_offset_minutes))).replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise InvalidInput({field: hint}) from None
    return _within_horizon(moment, field)


def parse_expiry(value: str | None, field: str = "expires_at") -> datetime | None:
    """CLI/API expiry: an ISO date-time (UTC unless it names a zone) or a duration like 90s, 5m, 2h."""
    hint = "Use an ISO date-time (2026-11-22T14:05:00Z) or a duration (90s, 5m, 2h)."
    text = _text(value, field, hint)
    if not text:
        return None
    match = _DURATION.match(text)
    try:
        if match:
            seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
            if seconds > HORIZON.total_seconds():
                raise InvalidInput({field: TOO_FAR})
            return utc_now() + timedelta(seconds=seconds)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidInput({field: hint}) from None
    return _within_horizon(moment, field)


def parse_duration(value: str | None, field: str) -> timedelta | None:
    """A duration like 90s, 10m, 2h, 1d (the CLI's --starts-in and --lasts)."""
    hint = "Use a duration like 90s, 10m, 2h or 1d."
    text = _text(value, field, hint)
    if not text:
        return None
    match = _DURATION.match(text)
    if not match:
        raise InvalidInput({field: hint})
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds > HORIZON.total_seconds():
        raise InvalidInput({field: TOO_FAR})
    return timedelta(seconds=seconds)


@dataclass(frozen=True)
class Span:
    """A start and an end as typed (None: not given); the service judges their order."""

    starts_at: datetime | None
    ends_at: datetime | None


def _moment(value: str | None, field: str, utc_offset_minutes: int | None) -> datetime | None:
    if utc_offset_minutes is None:
        return parse_expiry(value, field)
    return parse_local_datetime(value or "", utc_offset_minutes, field)


def parse_span(starts: str | None, ends: str | None, *, starts_in: str | None = None, lasts: str | None = None,
               fields: tuple[str, str] = ("starts_at", "ends_at"),
               utc_offset_minutes: int | None = None) -> Span:
    """Both ends of a span, each one's problem named at once (under `fields`).

    Each end is an ISO date-time (UTC unless it names a zone) or a duration from now (90s, 2h),
    or, with `utc_offset_minutes`, a browser's datetime-local value in that zone. `starts_in`
    (a duration from now) stands for the start and `lasts` (a duration from the start) for the
    end: the CLI's --starts-in and --lasts; a caller refuses both forms of one end given at once.
    """
    problems: dict[str, str] = {}
    starts_at = ends_at = None
    try:
        offset = parse_duration(starts_in, "starts_in")
        starts_at = utc_now() + offset if offset is not None else _moment(starts, fields[0], utc_offset_minutes)
    except InvalidInput as error:
        problems.update(error.fields)
    try:
        length = parse_duration(lasts, "lasts")
        if length is not None:
            ends_at = starts_at + length if starts_at else None
        else:
            ends_at = _moment(ends, fields[1], utc_offset_minutes)
    except InvalidInput as error:
        problems.update(error.fields)
    if problems:
        raise InvalidInput(problems)
    return Span(starts_at, ends_at)
