"""Helpers shared by the table modules."""

from datetime import datetime, timezone


def utc_now() -> datetime:
    """Aware UTC: SQLModel's datetime columns store and return UTC with its zone."""
    return datetime.now(timezone.utc)
