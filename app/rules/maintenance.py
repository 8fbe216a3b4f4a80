"""Pure rules of scheduled maintenance and of the status history: precedence, the windows' own
moves, the banner's notice, and the daily shares of the uptime bars.

No I/O here: these take plain values and are unit-tested without a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from app.models import MaintenanceState, ServiceStatus, as_utc
from app.rules import status as status_rules
from app.rules.status import MESSAGE_MAX_LENGTH

# The states a window can still be extended or cancelled in.
OPEN_STATES = frozenset({MaintenanceState.SCHEDULED, MaintenanceState.IN_PROGRESS})

# A window's message shows in the banner like a system message: the same limit.
WINDOW_MESSAGE_MAX_LENGTH = MESSAGE_MAX_LENGTH
# The status history pictured: 90 daily bars (as public status pages draw them), and the share of
# time Active over the last 30 and 90 days.
UPTIME_DAYS = 90
SHARE_PERIODS_DAYS = (30, 90)
# A day's bar is "mixed" when no single status covers all of it; shares are rounded for people.
SHARE_DECIMALS = 2
MIXED_DAY = "mixed"  # a day no single status covers all of
DAY_STATES = (*ServiceStatus, MIXED_DAY)


@dataclass(frozen=True)
class WindowFacts:
    id: int
    client_id: int | None
    starts_at: datetime
    ends_at: datetime
    state: MaintenanceState
    message: str = ""


def applies_to(window: WindowFacts, client_id: int | None) -> bool:
    """A window for all clients applies to every scope; a client's window to that client only.
    The all-clients scope (client_id None: platform admins, the global bar) has only global windows."""
    return window.client_id is None or (client_id is not None and window.client_id == client_id)


def in_force(window: WindowFacts) -> bool:
    """A window holds the service in maintenance while it is in progress (the timer starts and
    ends it at its instants; cancelling ends it at once)."""
    return window.state == MaintenanceState.IN_PROGRESS


def with_windows(explicit_status: ServiceStatus, window_in_force: bool) -> ServiceStatus:
    """The precedence: an explicit Inactive beats a window; a window beats Active (an explicit
    Maintenance stays Maintenance either way)."""
    if explicit_status == ServiceStatus.INACTIVE:
        return ServiceStatus.INACTIVE
    if window_in_force:
        return ServiceStatus.MAINTENANCE
    return explicit_status


def effective_status(client_status: ServiceStatus | None, global_status: ServiceStatus | None,
                     windows: Iterable[WindowFacts], client_id: int | None) -> ServiceStatus:
    """What a scope shows: its explicit status (the client's own row over the global one, none at
    all meaning Active), then the windows in force that apply to it. Overlapping windows merge:
    the scope is in maintenance while any of them is in force."""
    explicit = status_rules.effective_status(client_status, global_status)
    return with_windows(explicit, any(in_force(w) and applies_to(w, client_id) for w in windows))


@dataclass(frozen=True)
class MergedWindow:
    """Overlapping (or touching) windows read as one: from the first start to the last end."""

    starts_at: datetime
    ends_at: datetime
    messages: tuple[str, ...] = ()
    in_progress: bool = False
    ids: tuple[int, ...] = ()


def merge_windows(windows: Iterable[WindowFacts]) -> list[MergedWindow]:
    merged: list[MergedWindow] = []
    for w in sorted(windows, key=lambda w: (w.starts_at, w.ends_at, w.id)):
        message = (w.message,) if w.message else ()
        if merged and w.starts_at <= merged[-1].ends_at:
            last = merged[-1]
            merged[-1] = MergedWindow(
                last.starts_at, max(last.ends_at, w.ends_at),
                last.messages + tuple(m for m in message if m not in last.messages),
                last.in_progress or in_force(w), last.ids + (w.id,),
            )
        else:
            merged.append(MergedWindow(w.starts_at, w.ends_at, message, in_force(w), (w.id,)))
    return merged


def validate_window(starts_at: datetime | None, ends_at: datetime | None, message: str,
                    now: datetime) -> dict[str, str]:
    """What is wrong with a window, by field (empty: nothing)."""
    problems: dict[str, str] = {}
    if starts_at is None:
        problems["starts_at"] = "Give the start, like 2026-12-01T02:00Z."
    if ends_at is None:
        problems["ends_at"] = "Give the end, like 2026-12-01T03:00Z."
    elif ends_at <= now:
        problems["ends_at"] = "The end must be in the future."
    elif starts_at is not None and ends_at <= starts_at:
        problems["ends_at"] = "The end must be after the start."
    if len(message) > WINDOW_MESSAGE_MAX_LENGTH:
        problems["message"] = f"Keep the message to {WINDOW_MESSAGE_MAX_LENGTH} characters ({len(message)} now)."
    return problems


def validate_new_end(window: WindowFacts, ends_at: datetime | None, now: datetime) -> dict[str, str]:
    """Extending (or shortening) a window: only while it is scheduled or in progress."""
    if window.state not in OPEN_STATES:
        return {"ends_at": f"This window is {window.state.replace('_', ' ')}; only a scheduled or "
                           "in-progress window can change its end."}
    return {k: v for k, v in validate_window(window.starts_at, ends_at, "", now).items() if k == "ends_at"}


def due_state(window: WindowFacts, now: datetime) -> MaintenanceState:
    """Where the timer moves a window at `now` (its own state when nothing is due)."""
    if window.state not in OPEN_STATES:
        return window.state
    if window.ends_at <= now:
        return MaintenanceState.COMPLETED
    if window.starts_at <= now:
        return MaintenanceState.IN_PROGRESS
    return window.state


def due_transitions(windows: Iterable[WindowFacts], now: datetime) -> list[tuple[int, MaintenanceState]]:
    return [(w.id, state) for w in windows if (state := due_state(w, now)) != w.state]


def next_instant(windows: Iterable[WindowFacts], now: datetime) -> datetime | None:
    """The next instant the timer must act at: a scheduled window's start, an open window's end."""
    instants = []
    for w in windows:
        if w.state == MaintenanceState.SCHEDULED and w.starts_at > now:
            instants.append(w.starts_at)
        if w.state in OPEN_STATES and w.ends_at > now:
            instants.append(w.ends_at)
    return min(instants) if instants else None


def notice_windows(windows: Iterable[WindowFacts], client_id: int | None, now: datetime,
                   notice: timedelta) -> list[MergedWindow]:
    """The windows a scope's banner tells of: in progress, or scheduled to start within `notice`."""
    shown = [w for w in windows if applies_to(w, client_id) and (
        in_force(w) or (w.state == MaintenanceState.SCHEDULED and w.starts_at - notice <= now < w.ends_at))]
    return merge_windows(shown)


def next_notice_at(windows: Iterable[WindowFacts], now: datetime, notice: timedelta) -> datetime | None:
    """When the next scheduled window's notice appears (the feed rebuilds banners then)."""
    upcoming = [w.starts_at - notice for w in windows
                if w.state == MaintenanceState.SCHEDULED and w.starts_at - notice > now]
    return min(upcoming) if upcoming else None


def _clock(moment: datetime, day_too: bool) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%a %H:%M") if day_too else moment.strftime("%H:%M")


def notice_text(window: MergedWindow) -> str:
    """ "Scheduled maintenance Tue 02:00-03:00 UTC: <message>" (the end names its day when it is
    another one); "Maintenance until Tue 03:00 UTC: ..." once it is in progress."""
    same_day = window.starts_at.astimezone(UTC).date() == window.ends_at.astimezone(UTC).date()
    message = "; ".join(window.messages)
    tail = f": {message}" if message else ""
    if window.in_progress:
        return f"Maintenance until {_clock(window.ends_at, True)} UTC{tail}"
    return f"Scheduled maintenance {_clock(window.starts_at, True)}-{_clock(window.ends_at, not same_day)} UTC{tail}"


# --- the status history ---------------------------------------------------------------------

@dataclass(frozen=True)
class Interval:
    """A stretch of one effective status; `end` None: still going."""

    status: str
    start: datetime
    end: datetime | None = None


@dataclass(frozen=True)
class DayShare:
    day: date
    seconds: dict[str, float] = field(default_factory=dict)  # by status, within the day (up to now)

    @property
    def total(self) -> float:
        return sum(self.seconds.values())

    @property
    def shares(self) -> dict[ServiceStatus, float]:
        total = self.total
        return {s: (self.seconds.get(s, 0.0) / total if total else 0.0) for s in ServiceStatus}

    @property
    def state(self) -> str:
        present = [s for s, secs in self.seconds.items() if secs > 0]
        return present[0] if len(present) == 1 else (MIXED_DAY if present else ServiceStatus.ACTIVE)



def seconds_by_status(intervals: Sequence[Interval], start: datetime, end: datetime,
                      default: str = ServiceStatus.ACTIVE) -> dict[str, float]:
    """Seconds of each status within [start, end). Time no interval covers (before the scope's
    history began) counts as `default`: no status row means Active."""
    totals: dict[str, float] = {}
    covered = 0.0
    for interval in intervals:
        lo = max(start, as_utc(interval.start))
        hi = min(end, as_utc(interval.end) if interval.end is not None else end)
        if hi > lo:
            seconds = (hi - lo).total_seconds()
            totals[interval.status] = totals.get(interval.status, 0.0) + seconds
            covered += seconds
    rest = (end - start).total_seconds() - covered
    if rest > 0:
        totals[default] = totals.get(default, 0.0) + rest
    return totals


def daily_shares(intervals: Sequence[Interval], last_day: date, now: datetime,
                 days: int = UPTIME_DAYS, default: str = ServiceStatus.ACTIVE) -> list[DayShare]:
    """One DayShare per UTC day, the oldest first, ending with `last_day` (today: up to `now`)."""
    now = as_utc(now)
    result = []
    for back in range(days - 1, -1, -1):
        day = last_day - timedelta(days=back)
        start = datetime.combine(day, time.min, tzinfo=UTC)
        end = min(start + timedelta(days=1), now)
        result.append(DayShare(day, seconds_by_status(intervals, start, end, default) if end > start else {}))
    return result


def active_share(intervals: Sequence[Interval], now: datetime, days: int, default: str = ServiceStatus.ACTIVE) -> float:
    """The share of the last `days` days (up to now) the scope was Active, 0..1."""
    now = as_utc(now)
    totals = seconds_by_status(intervals, now - timedelta(days=days), now, default)
    whole = sum(totals.values())
    return totals.get(ServiceStatus.ACTIVE, 0.0) / whole if whole else 1.0


def percent(share: float) -> str:
    """A share for people: 2 decimals, and never "0%" or "100%" for a share that is neither."""
    smallest = 10 ** -SHARE_DECIMALS
    value = round(share * 100, SHARE_DECIMALS)
    if share > 0 and value < smallest:
        return f"<{smallest}%"
    if share < 1 and value >= 100:
        return f">{100 - smallest}%"
    return f"{value:g}%"


def day_tooltip(share: DayShare) -> str:
    """ "2026-12-01: Active 95.83%, Maintenance 4.17%" (only the statuses the day had)."""
    parts = [f"{status_rules.STATUS_LABELS[s]} {percent(v)}" for s, v in share.shares.items() if v > 0]
    return f"{share.day.isoformat()}: " + (", ".join(parts) if parts else "no time yet")
