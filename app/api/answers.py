"""What the API answers, declared once per shape: pydantic models read from the typed rows the
views give (by attribute), dumped as JSON. No door builds a second dict of a row by hand, so a
row's new field is either declared here or, on purpose, not answered."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer

from app.views.status import SystemSnapshot

# A moment as the API has always written it: ISO 8601 with its UTC offset ("+00:00").
IsoMoment = Annotated[datetime, PlainSerializer(datetime.isoformat, return_type=str)]


class Answer(BaseModel):
    """An answer's shape: its fields are read from a typed row's attributes of the same names."""

    model_config = ConfigDict(from_attributes=True)

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class MessageAnswer(Answer):
    """A system message in force (views/status.py MessageFacts; whether it is active is implied)."""

    id: int
    client_id: int | None  # None: every client
    type: str
    message: str
    expires_at: IsoMoment | None
    created_at: IsoMoment


class SystemStatusAnswer(Answer):
    """GET /api/v1/system-status: what the banner of a client's pages shows, every message listed."""

    client_id: int | None
    status: str
    status_scope: str
    banner_visible: bool
    message: MessageAnswer | None  # the one the banner shows
    messages: list[MessageAnswer]  # that one first, then the others in force

    @classmethod
    def of(cls, snapshot: SystemSnapshot) -> SystemStatusAnswer:
        shown = [snapshot.shown] if snapshot.shown else []
        return cls.model_validate({
            "client_id": snapshot.client_id, "status": snapshot.status, "status_scope": snapshot.status_scope,
            "banner_visible": snapshot.banner_visible, "message": snapshot.shown,
            "messages": shown + snapshot.others,
        })
