"""Prometheus metrics: where the values live across processes (directory.py), what is measured
(families.py), the calls the feed, services, jobs and worker make (record.py), and one scrape
(scrape.py), served by GET /metrics (app/api/metrics.py)."""
