"""The agents of the user's client and how many can take work now."""

from __future__ import annotations

import asyncio

import reflex as rx

from app.rules.errors import ServiceError
from app.services import chats, presence, throttle
from app.state.events import event
from app.state.forms import form_dict
from app.state.signed_in import SignedIn
from app.state.views import apply_view
from app.views.access import as_row_id, not_found
from app.views.shared import AgentLine, ChatLine, ChatsView, TenantView
from app.views.workforce import PresenceChange


class WorkforceState(SignedIn, rx.State):
    # The tenant view's workforce part (views/shared.py WorkforceView).
    available_agents: int = 0
    agents: list[AgentLine] = []

    chats: list[ChatLine] = []  # the chats view (ChatsView)
    chat_errors: dict[str, str] = {}
    history_agent: str = ""
    history: rx.Field[list[PresenceChange]] = rx.field(default_factory=list)

    def _apply_view(self, view: TenantView) -> None:
        apply_view(self, view.workforce)

    def _apply_chats(self, view: ChatsView) -> None:
        """The chats view: only pages of the roles that show chats follow it (views/live.py VIEW_ROLES)."""
        apply_view(self, view)

    @rx.var
    def assignable_names(self) -> list[str]:
        """Human agents who can take a chat now (available, below their limit), live."""
        return [a.name for a in self.agents if a.kind == "human" and a.can_take_work]

    @event
    async def assign_chat(self, form_data: dict):
        actor, refusal = await self._signed_in()
        if actor is None:
            return refusal
        form_data = form_dict(form_data)
        wanted = as_row_id(form_data.get("chat_id"))
        # Only a chat this page shows (its id, never the sent text, keys the error shown beside it).
        chat = next((c for c in self.chats if c.id == wanted), None)
        if chat is None:
            return rx.toast.error(not_found("chat").message)
        chat_id = str(chat.id)
        name = form_data.get("agent")
        agent = next((a for a in self.agents if a.kind == "human" and a.name == name
                      and a.client_id == chat.client_id), None)
        if agent is None:
            self.chat_errors = {chat_id: "Choose an available agent."}
            return
        name = agent.name
        try:
            await asyncio.to_thread(throttle.check_write, actor, throttle.ASSIGN_CHAT)
            await asyncio.to_thread(chats.assign_chat, actor, chat.id, agent.id)
        except ServiceError as error:
            self.chat_errors = {chat_id: error.message}
            return
        self.chat_errors = {}
        return rx.toast.success(f"{chat.subject}: assigned to {name}.")

    @event
    async def close_chat(self, chat_id: str):
        # No toast on success: a closed chat leaves the list (live_views shows open chats only).
        return await self._call(chats.close_chat, chat_id)

    @event
    async def show_history(self, agent_id: str, name: str = ""):
        """`name` is what the page showed; the dialog's title is the agent's name as the server
        has it (nothing the page sends is kept)."""
        def show(changes: list[PresenceChange]) -> None:
            wanted = as_row_id(agent_id)
            self.history_agent = next((a.name for a in self.agents if a.kind == "human" and a.id == wanted), "Agent")
            self.history = changes

        return await self._call(presence.presence_history, agent_id, reads_only=True, success=show)

    @event
    def hide_history(self):
        self.history_agent = ""
