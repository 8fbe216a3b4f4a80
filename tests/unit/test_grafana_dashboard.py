"""The Grafana dashboard in the repository reads only metrics a real scrape has."""

from __future__ import annotations

import json
import re

from app.feed.listener import latest_seq
from app.metrics import record
from tests.support.metrics import scrape
from tests.support.project import ROOT

DASHBOARD = ROOT / "deploy" / "grafana" / "beacon.json"
METRIC = re.compile(r"\bbeacon_[a-z_]+")
# A sample's name beyond its family's: histograms' buckets, sums and counts; counters' totals.
SAMPLE_SUFFIX = re.compile(r"_(bucket|sum|count|total)$")


def panels() -> list[dict]:
    return json.loads(DASHBOARD.read_text())["panels"]


def test_the_dashboard_is_json_with_panels_that_each_query_beacon():
    assert panels()
    for panel in panels():
        assert panel["targets"] and all(METRIC.search(target["expr"]) for target in panel["targets"]), panel["title"]


def test_every_panels_metric_is_in_a_scrape(database):
    record.applied_position(latest_seq())  # a listener's position: the lag families are read against it
    families = scrape()
    for panel in panels():
        for target in panel["targets"]:
            for name in METRIC.findall(target["expr"]):
                assert name in families or SAMPLE_SUFFIX.sub("", name) in families, f"{panel['title']}: {name}"
