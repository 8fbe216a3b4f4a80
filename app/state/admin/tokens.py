"""The Tokens tab: every user's newest API tokens (at most ADMIN_LIST_LIMIT), read when the tab
opens and after a revoke (tokens are not on the change feed)."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from app.rules.actors import Actor
from app.services import tokens as token_service
from app.state.events import event
from app.state.signed_in import SignedIn
from app.views.access import as_row_id


class TokensState(SignedIn, rx.State):
    tokens: rx.Field[list[token_service.TokenRow]] = rx.field(default_factory=list)
    tokens_loaded: bool = False

    async def _read_tokens(self, actor: Actor) -> None:
        self.tokens = await asyncio.to_thread(token_service.recent_tokens, actor)
        self.tokens_loaded = True

    @event
    async def load_tokens(self):
        actor, refusal = await self._platform_admin()
        if actor is None:
            return refusal
        await self._read_tokens(actor)
        return None

    @event
    async def revoke_token(self, token_id: Any):
        actor, refusal = await self._platform_admin()
        if actor is None:
            return refusal
        wanted = as_row_id(token_id)  # the one id rule: text, a huge number, an object are no token's
        if wanted is None:
            return rx.toast.error("Choose a token from the list.")

        async def revoked(changed: bool):
            await self._read_tokens(actor)
            return rx.toast.success(f"Token #{wanted} revoked." if changed else f"Token #{wanted} was revoked already.")

        return await self._call_as(actor, token_service.revoke_token, wanted, success=revoked)
