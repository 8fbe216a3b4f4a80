"""The "Publish to several clients" card: one status (and message) to the ticked clients."""

from __future__ import annotations

import asyncio

import reflex as rx

from app.models import MessageType
from app.rules.errors import InvalidInput, ServiceError
from app.rules.timeparse import parse_local_datetime
from app.services import system_status, throttle
from app.state.admin.forms import CLIENT_ERROR
from app.state.admin.lists import AdminListsState
from app.state.clock import BrowserClock
from app.state.events import event
from app.state.forms import form_dict, form_text
from app.state.signed_in import SignedIn

BULK_CLIENT_PREFIX = "bulk_client_"  # the card's checkboxes: bulk_client_<client id>


class BulkPublishState(SignedIn, rx.State):
    bulk_errors: dict[str, str] = {}
    bulk_note: str = ""
    bulk_count: int = 0

    @event
    async def publish_bulk(self, form_data: dict):
        """One transaction, one audit row per client."""
        actor, refusal = await self._signed_in()
        if actor is None:
            yield refusal
            return
        self.bulk_errors = {}
        self.bulk_note = ""
        form_data = form_dict(form_data)
        names = (await self.get_state(AdminListsState))._client_names()
        chosen = [key[len(BULK_CLIENT_PREFIX):] for key, value in form_data.items()
                  if isinstance(key, str) and key.startswith(BULK_CLIENT_PREFIX) and value]
        try:
            await asyncio.to_thread(throttle.check_write, actor, throttle.PUBLISH)
            if any(c not in names for c in chosen):
                raise InvalidInput({"client_ids": CLIENT_ERROR})
            offset = (await self.get_state(BrowserClock)).utc_offset_minutes
            expires_at = parse_local_datetime(form_text(form_data.get("expires_at")), offset)
            results = await asyncio.to_thread(
                system_status.publish_to_clients, actor, chosen, form_text(form_data.get("status")).lower(),
                form_text(form_data.get("message")), form_text(form_data.get("type")).lower() or MessageType.INFO,
                expires_at,
            )
        except ServiceError as error:
            self._show_refusal("bulk_errors", error)
            return
        self.bulk_count += 1
        self.bulk_note = (f"Published {results[0].status} for "
                          + ", ".join(names.get(str(r.client_id), "?") for r in results) + ".")
        yield rx.set_value("bulk-message-input", "")
        yield rx.toast.success(self.bulk_note)
