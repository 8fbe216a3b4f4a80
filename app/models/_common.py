"""Helpers shared by the table modules."""

from datetime import datetime, timezone


def utc_now() -> datetime:
    """Aware UTC: SQLModel's datetime columns store and return UTC with its zone."""
    return datetime.now(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """Aware UTC from what a column or a caller gives (SQLite hands naive UTC back; a caller may
    give another zone); None stays None."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
