"""Scheduled maintenance windows and the status history (intervals of effective status)."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models._common import enum_field, utc_now
from app.models.enums import MaintenanceState, ServiceStatus


class MaintenanceWindow(SQLModel, table=True):
    """A planned maintenance of one client (or of all: client_id NULL).

    state: scheduled -> in_progress -> completed, or cancelled (from scheduled or in_progress).
    The leading backend worker moves it on at starts_at and ends_at (app/jobs/maintenance_timer.py).
    """

    __tablename__ = "maintenance_windows"
    __table_args__ = (
        # The timer's and the banner's reads: open windows by when they start / end.
        sa.Index("ix_maintenance_windows_state_starts_at", "state", "starts_at"),
        sa.Index("ix_maintenance_windows_state_ends_at", "state", "ends_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int | None = Field(default=None, foreign_key="clients.id", index=True)
    starts_at: datetime
    ends_at: datetime
    message: str = Field(default="", max_length=1000)
    state: MaintenanceState = enum_field(MaintenanceState, 16, default=MaintenanceState.SCHEDULED)
    created_by: int | None = Field(default=None, foreign_key="users.id")
    updated_by: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)


class StatusInterval(SQLModel, table=True):
    """One stretch of a scope's effective status (client_id NULL: the all-clients scope).

    Kept by the services in the transaction that changes the effective status (a publish, an
    override cleared, a window starting or ending): the open interval (ended_at NULL) is closed
    and the next one opened. A day's uptime bar reads the intervals overlapping it by index.
    """

    __tablename__ = "status_intervals"
    __table_args__ = (
        sa.Index("ix_status_intervals_client_id_started_at", "client_id", "started_at"),
        sa.Index("ix_status_intervals_ended_at", "ended_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int | None = Field(default=None, foreign_key="clients.id")
    status: ServiceStatus = enum_field(ServiceStatus, 16)
    started_at: datetime
    ended_at: datetime | None = None
