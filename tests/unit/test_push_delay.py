"""A page's push delay is measured from the commit of the newest change a delivery brings it, and
only of a change it did not have (app/state/live.py measure_push)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import REGISTRY

from app.feed.changes import Change
from app.feed.registry import registry
from app.metrics.families import beacon_metrics
from app.models import Entity
from app.state.live import measure_push

SEQ = 10_000_001  # far past any test database's log: this registry's own entry


def pushes() -> float:
    beacon_metrics()
    return REGISTRY.get_sample_value("beacon_push_delay_seconds_count") or 0.0


def pushed_within(low: float, high: float) -> float:
    """Observations between `low` and `high` seconds (the histogram's bucket counts)."""
    below_high = REGISTRY.get_sample_value("beacon_push_delay_seconds_bucket", {"le": str(high)}) or 0.0
    below_low = REGISTRY.get_sample_value("beacon_push_delay_seconds_bucket", {"le": str(low)}) or 0.0
    return below_high - below_low


def test_a_delivery_of_a_new_change_measures_from_its_commit():
    registry.committed([Change(SEQ, Entity.AGENT_STATUS, 1, committed_at=datetime.now(UTC) - timedelta(seconds=0.3))])
    before, slow_before = pushes(), pushed_within(0.25, 0.5)
    assert measure_push({"tenant": (SEQ, None), "link": (SEQ - 5, None)}, SEQ - 1) == SEQ
    assert pushes() == before + 1 and pushed_within(0.25, 0.5) == slow_before + 1


def test_a_view_rebuilt_without_a_new_change_measures_nothing():
    registry.committed([Change(SEQ + 1, Entity.AGENT_STATUS, 1, committed_at=datetime.now(UTC) - timedelta(hours=3))])
    before = pushes()
    assert measure_push({"tenant": (SEQ + 1, None)}, SEQ + 1) == SEQ + 1  # a message expired: no new change
    assert pushes() == before


def test_a_naive_commit_time_is_utc():
    registry.committed([Change(SEQ + 2, Entity.AGENT_STATUS, 1, committed_at=datetime.now(UTC).replace(tzinfo=None))])
    fast_before = pushed_within(0.0, 0.1)
    measure_push({"tenant": (SEQ + 2, None)}, SEQ + 1)  # SQLite's naive UTC: not hours off
    assert pushed_within(0.0, 0.1) == fast_before + 1
