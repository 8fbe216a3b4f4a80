"""Throttles on the page actions that write, and on the windows a tab asks for: per signed-in
user, per kind of action.

A person changes their status, assigns a task or schedules a follow-up a few times a minute at
most; a script sending the same event in a loop does it hundreds of times a second, and every
one is a transaction, an audit row and a change pushed to every open page of the tenant. Each
kind has its own limit (a moving window, with the `limits` library): past it the action is
refused before the service runs, nothing is written, and the page says "Too many changes; try
again in N s". Refused attempts do not count, so the allowance comes back as the window moves.

The counters live in Redis when REFLEX_REDIS_URL is set (several backend workers share them), in
this process's memory otherwise (the embedded default runs one backend worker).

The signed-in states (app/state/signed_in.py `_call`) count every page action against a limit
before its service runs: PAGE_ACTION unless the handler names its own kind. A handler that opens a
new window (a search, a page, "Show more") asks `_window_reader` instead, which counts WINDOW_READ. Handlers that write
outside `_call` call `check_write(actor, KIND)` just before the service call, inside the `try`
that turns a ServiceError into the page's message.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.storage import Storage
from limits.strategies import MovingWindowRateLimiter

from app.metrics import record
from app.rules.actors import Actor
from app.rules.errors import ServiceError
from app.services.limit_storage import counters_for_environment

# Keys in a shared Redis are namespaced so they never mix with Reflex's state or other limits.
REDIS_KEY_PREFIX = "beacon-writes"
TOO_MANY_CHANGES = "Too many changes"


@dataclass(frozen=True)
class ActionLimit:
    kind: str
    per_minute: int
    reason: str
    too_many: str = TOO_MANY_CHANGES  # what the refusal says, before "; try again in N s"
    item: RateLimitItem = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "item", RateLimitItemPerMinute(self.per_minute, namespace=f"write-{self.kind}"))


PRESENCE = ActionLimit("presence", 30, "a person sets their status a few times an hour; 30 a minute is a script")
ASSIGN_TASK = ActionLimit("assign_task", 30, "each assignment is a dialog to fill: seconds of a person's time")
SCHEDULE_FOLLOW_UP = ActionLimit("schedule_follow_up", 30, "each follow-up is a form to fill")
ASSIGN_CHAT = ActionLimit("assign_chat", 30, "a lead hands chats out one by one, a few a minute at a busy time")
# Publishing a status or message, and editing a message (each reaches every page it concerns).
PUBLISH = ActionLimit("publish", 30, "a status change reaches every page of every tenant it concerns")
# Every other page action that writes (cancel a task or follow-up, approve, reject, mark sent,
# close a chat, revoke a token): the signed-in states' default (app/state/signed_in.py), so no
# handler writes unthrottled by forgetting to name a limit.
PAGE_ACTION = ActionLimit("page_action", 60, "one click each; a person going down a list does not keep up one a second")
# Activity reports reach the service at most once per ACTIVITY_REPORT_MIN_SECONDS per sign-in
# session (services/presence.py); this bounds a user's sessions together.
ACTIVITY = ActionLimit("activity", 20, "each session reports at most every 25 s: 20 a minute is 8 sessions at once")
# A new window asked for by a tab: a search (typed, or the follow-up form's suggestions), a filter,
# a sort, a page, "Show more", a contact opened. Each is a read of the client's rows that the feed
# then re-reads on every change touching it, so a script sending searches in a loop costs every
# page of the tenant. The search box sends one after the typing pauses (150 ms): a person
# searching, paging and filtering asks for a few a second in a burst, not two a second for a minute.
WINDOW_READ = ActionLimit("window_read", 120,
                          "a person asks for a few windows a second in a burst, not 2/s for a minute",
                          too_many="Too many searches")
LIMITS = (PRESENCE, ASSIGN_TASK, SCHEDULE_FOLLOW_UP, ASSIGN_CHAT, PUBLISH, PAGE_ACTION, ACTIVITY, WINDOW_READ)


def too_many_message(seconds: float, too_many: str = TOO_MANY_CHANGES) -> str:
    return f"{too_many}; try again in {max(1, math.ceil(seconds))} s"


class TooManyChanges(ServiceError):
    """A page action refused by its throttle; nothing was written."""

    http_status = 429

    def __init__(self, retry_after_seconds: float, too_many: str = TOO_MANY_CHANGES):
        self.retry_after_seconds = max(0.0, retry_after_seconds)
        super().__init__(too_many_message(self.retry_after_seconds, too_many))


class WriteThrottle:
    def __init__(self, storage: Storage, clock: Callable[[], float] = time.time):
        self.storage = storage
        self._limiter = MovingWindowRateLimiter(storage)
        self._clock = clock  # the storage's clock: the retry time is read against it

    def check(self, actor: Actor, limit: ActionLimit) -> None:
        """Count one `limit.kind` write of `actor`; raise TooManyChanges (not counted) past the limit."""
        key = _key(actor)
        if self._limiter.hit(limit.item, key):
            return
        reset_at, _remaining = self._limiter.get_window_stats(limit.item, key)
        record.action_throttled(limit.kind)
        raise TooManyChanges(reset_at - self._clock(), limit.too_many)

    def reset(self, actor: Actor, limit: ActionLimit) -> None:
        self._limiter.clear(limit.item, _key(actor))


def _key(actor: Actor) -> str:
    # Page actions always come from a signed-in user; the email is a fallback for other actors.
    return f"user:{actor.user_id}" if actor.user_id is not None else f"actor:{actor.email}"


def storage_for_environment() -> Storage:
    return counters_for_environment(REDIS_KEY_PREFIX)


_throttle: WriteThrottle | None = None
_throttle_lock = threading.Lock()


def get_throttle() -> WriteThrottle:
    global _throttle
    with _throttle_lock:
        if _throttle is None:
            _throttle = WriteThrottle(storage_for_environment())
        return _throttle


def use_throttle(throttle: WriteThrottle | None) -> None:
    """Replace this process's throttle (tests); None: build it again from the environment."""
    global _throttle
    with _throttle_lock:
        _throttle = throttle


def check_write(actor: Actor, limit: ActionLimit) -> None:
    """The states' one call, before the service: raises TooManyChanges past `limit`."""
    get_throttle().check(actor, limit)
