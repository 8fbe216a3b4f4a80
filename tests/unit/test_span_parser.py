"""The one span parser (app/rules/timeparse.py `parse_span`) the CLI, the API and the admin page
read a maintenance window's start and end with."""

from datetime import UTC, datetime, timedelta

import pytest

from app.models import utc_now
from app.rules.errors import InvalidInput
from app.rules.timeparse import parse_span


def test_iso_times_are_utc_unless_they_name_a_zone():
    span = parse_span("2030-01-01T02:00", "2030-01-01T05:00+02:00")
    assert span.starts_at == datetime(2030, 1, 1, 2, 0, tzinfo=UTC)
    assert span.ends_at == datetime(2030, 1, 1, 3, 0, tzinfo=UTC)


def test_a_duration_is_measured_from_now():
    before = utc_now()
    span = parse_span("10m", "2h")
    assert span.starts_at is not None and span.ends_at is not None
    assert timedelta(minutes=10) <= span.starts_at - before < timedelta(minutes=11)
    assert timedelta(hours=2) <= span.ends_at - before < timedelta(hours=2, minutes=1)


def test_lasts_measures_the_end_from_the_start():
    span = parse_span(None, None, starts_in="1h", lasts="30m")
    assert span.starts_at is not None and span.ends_at == span.starts_at + timedelta(minutes=30)


def test_a_browsers_local_time_is_read_in_its_zone():
    span = parse_span("2030-01-01T02:00", "2030-01-01T03:00", utc_offset_minutes=-60)  # UTC+1
    assert span.starts_at == datetime(2030, 1, 1, 1, 0, tzinfo=UTC)


def test_missing_ends_are_none_for_the_caller_to_ask_for():
    assert (parse_span(None, "").starts_at, parse_span(None, "").ends_at) == (None, None)


def test_both_ends_problems_are_named_at_once_under_the_callers_fields():
    with pytest.raises(InvalidInput) as refused:
        parse_span("soon", "later", fields=("starts", "ends"))
    assert set(refused.value.fields) == {"starts", "ends"}


def test_a_span_past_the_horizon_is_refused():
    with pytest.raises(InvalidInput) as refused:
        parse_span("1h", "9999d")
    assert set(refused.value.fields) == {"ends_at"}
