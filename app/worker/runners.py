"""Task runners: what actually does an AI agent's work. Beacon ships a simulation; a real
runner (a language model, an email tool) implements the same one method."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from app.models import AIAgentKind
from app.services.tasks import ClaimedTask


@dataclass(frozen=True)
class TaskOutput:
    subject: str
    body: str


class TaskFailed(Exception):
    """The runner could not do the task; its message is the reason users see."""


class TaskRunner(Protocol):
    def run(self, task: ClaimedTask, still_working: Callable[[], None]) -> TaskOutput:
        """Do the task; call `still_working()` at least every few seconds (it renews the claim)."""


# The simulation's pacing: outreach research and writing take a few seconds of "work".
SIMULATED_MIN_SECONDS = 1.5
SIMULATED_MAX_SECONDS = 4.0
SIMULATED_STEP_SECONDS = 0.5  # how often it reports it is still working
DEFAULT_FAILURE_RATE = 0.1  # one task in ten fails, as a flaky mail server or CRM would make it
FAILURE_REASONS = (
    "The contact's mailbox rejected the lookup.",
    "The CRM did not answer in time.",
    "Not enough public information to personalise the message.",
)


def greeting_name(contact_name: str) -> str:
    """The first word of a contact's name, or "there" ("Hi there") when the name has none.

    Contacts come from imports and plain SQL too, so a name may be empty or only spaces:
    `" ".split()` is `[]`, and taking its first word used to raise IndexError in the runner.
    """
    words = (contact_name or "").split()
    return words[0] if words else "there"


class SimulatedOutreachRunner:
    """Pretends to research a contact and write to them, with realistic delays and failures."""

    def __init__(self, failure_rate: float = DEFAULT_FAILURE_RATE, min_seconds: float = SIMULATED_MIN_SECONDS,
                 max_seconds: float = SIMULATED_MAX_SECONDS, seed: int | None = None):
        self.failure_rate = failure_rate
        self.min_seconds = min_seconds
        self.max_seconds = max_seconds
        self.random = random.Random(seed)

    def run(self, task: ClaimedTask, still_working: Callable[[], None]) -> TaskOutput:
        duration = self.random.uniform(self.min_seconds, self.max_seconds)
        deadline = time.monotonic() + duration
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(SIMULATED_STEP_SECONDS, left))
            still_working()
        if self.random.random() < self.failure_rate:
            raise TaskFailed(self.random.choice(FAILURE_REASONS))
        first_name = greeting_name(task.contact_name)
        company = (task.contact_company or "").strip() or "your team"
        if task.kind == AIAgentKind.FOLLOW_UP:
            subject = f"Following up, {first_name}"
            body = (f"Hi {first_name},\n\nI wanted to follow up on my last note about how {company} "
                    f"could hand routine outreach to AI agents. Would a short call next week work?\n\n"
                    f"— {task.agent_name}")
        else:
            subject = f"An idea for {company}"
            body = (f"Hi {first_name},\n\nI noticed {company} is growing its support team. Beacon's "
                    f"agents take routine follow-ups off people's plates while they keep the "
                    f"conversations that matter.\n\nWould you be open to a 15-minute call?\n\n— {task.agent_name}")
        if task.instructions:
            body += f"\n\n(Notes: {task.instructions})"
        return TaskOutput(subject=subject, body=body)
