"""One check's answer, and the refusal a failed one raises."""

from __future__ import annotations

import sys
from dataclasses import dataclass

DEBUG_VARIABLE = "BEACON_DEBUG"  # set to 1: errors show their traceback instead of one line


@dataclass(frozen=True)
class Check:
    """What one check found: `ok` None means not applicable here (shown, never a failure)."""

    name: str
    ok: bool | None
    detail: str
    fix: str = ""  # what to run or change, for a failed check

    @property
    def line(self) -> str:
        """The one line a refusal prints: what is wrong, then what fixes it."""
        return f"{self.detail}; {self.fix}" if self.fix else self.detail


class NotReady(Exception):
    """The setup cannot be used as it is: what is wrong and what fixes it."""

    def __init__(self, problem: str, fix: str):
        super().__init__(f"{problem}; {fix}")
        self.problem = problem
        self.fix = fix

    @property
    def line(self) -> str:
        return f"{self.problem}; {self.fix}"

    def check(self, name: str) -> Check:
        return Check(name, False, self.problem, self.fix)


def debug_enabled() -> bool:
    from app.config import process_environment

    return process_environment().debug_enabled


def first_line(error: BaseException) -> str:
    """The readable start of an error's message (drivers add hints and SQL on later lines)."""
    text = str(getattr(error, "orig", None) or error).strip()
    line = text.splitlines()[0].strip() if text else ""
    return line or type(error).__name__


def say(line: str) -> None:
    print(f"beacon: {line}", file=sys.stderr, flush=True)
