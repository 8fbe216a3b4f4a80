"""Reading GET /metrics as Prometheus does: its text parsed by prometheus-client's own parser."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.support.api import call_api

REMOTE_PEER = ("203.0.113.9", 40000)  # TEST-NET-3: a caller on another machine


def parsed(text: str) -> dict[str, list[tuple[dict[str, str], float, str]]]:
    """Family name -> its samples as (labels, value, sample name)."""
    return {family.name: [(dict(s.labels), s.value, s.name) for s in family.samples]
            for family in text_string_to_metric_families(text)}


def scrape() -> dict[str, list[tuple[dict[str, str], float, str]]]:
    """A scrape from this machine (no token, no proxy header), parsed."""
    response = call_api("GET", "/metrics")
    assert response.status_code == 200, response.text
    return parsed(response.text)


def value(families: dict, name: str, sample: str | None = None, **labels: str) -> float:
    """The value of family `name`'s sample (`sample`: e.g. its _total or _count name) with `labels`;
    0 when there is none yet (a labelled counter appears at its first count)."""
    wanted = sample or name
    return sum(v for got, v, sample_name in families.get(name, [])
               if sample_name == wanted and all(got.get(k) == w for k, w in labels.items()))
