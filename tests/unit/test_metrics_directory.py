"""Where the workers' metrics meet (app/metrics/directory.py): made once per run, an operator's
own directory used as given, and a dead worker's live gauges dropped while its counts stay."""

from __future__ import annotations

import os
import subprocess

from app.metrics.directory import MULTIPROC_VARIABLE, RUN_DIRECTORY_PREFIX, forget_dead_processes, use_metrics_directory


def test_without_a_directory_given_the_run_makes_one_its_workers_inherit(monkeypatch):
    monkeypatch.setenv(MULTIPROC_VARIABLE, "")  # so that the variable the run sets is taken back after
    monkeypatch.delenv(MULTIPROC_VARIABLE)
    made = use_metrics_directory()
    assert made.is_dir() and made.name.startswith(RUN_DIRECTORY_PREFIX)
    assert os.environ[MULTIPROC_VARIABLE] == str(made)  # granian's workers start with it
    assert use_metrics_directory() == made  # a worker loading the app again joins it


def test_an_operators_directory_is_used_as_given(monkeypatch, tmp_path):
    given = tmp_path / "metrics"
    monkeypatch.setenv(MULTIPROC_VARIABLE, str(given))
    assert use_metrics_directory() == given and given.is_dir()


def test_a_dead_workers_live_gauges_go_and_its_counters_stay(tmp_path):
    dead = _finished_pid()
    alive = os.getpid()
    for name in (f"gauge_livesum_{dead}.db", f"gauge_livesum_{alive}.db", f"counter_{dead}.db"):
        (tmp_path / name).write_bytes(b"")
    assert forget_dead_processes(tmp_path) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"counter_{dead}.db", f"gauge_livesum_{alive}.db"]


def _finished_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()  # reaped: its pid names no process now
    return process.pid
