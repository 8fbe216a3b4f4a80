"""Where the metrics of several processes meet: prometheus-client's multiprocess mode.

Each backend worker (granian, GRANIAN_WORKERS) writes its values into files of its own in one
directory (PROMETHEUS_MULTIPROC_DIR), and a scrape of any worker adds them all up. prometheus-client
reads that variable when it is first imported, so `use_metrics_directory` runs when the app is
loaded to serve (app/app.py), before anything records a value: granian's workers, forked from
(or spawned by) that process, inherit the directory.

Given by the operator (the same directory for the backend and `beacon worker`, emptied before each
start, as systemd's RuntimeDirectory= is), it is used as it is. Otherwise the process that loads
the app first makes a directory for this run and removes it when it exits.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path

from app.config import process_environment

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's own name for it
RUN_DIRECTORY_PREFIX = "beacon-metrics-"
# A live gauge's file of one process: gauge_livesum_<pid>.db (prometheus_client.multiprocess).
_LIVE_GAUGE_FILE = re.compile(r"^gauge_live\w+?_(\d+)\.db$")


def metrics_directory() -> Path | None:
    """The directory the processes share, or None: this process keeps its values in memory alone."""
    given = process_environment().metrics_directory
    return Path(given) if given else None


def use_metrics_directory() -> Path:
    """The shared directory, made for this run (and removed at this process's exit) when none is
    given. Call before prometheus_client is imported."""
    given = metrics_directory()
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        return given
    made = Path(tempfile.mkdtemp(prefix=RUN_DIRECTORY_PREFIX))
    os.environ[MULTIPROC_VARIABLE] = str(made)
    atexit.register(_remove_run_directory, made, os.getpid())
    return made


def _remove_run_directory(directory: Path, maker: int) -> None:
    # A worker forked from the maker inherits this handler: only the maker removes the directory.
    if os.getpid() == maker:
        shutil.rmtree(directory, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def forget_dead_processes(directory: Path) -> list[int]:
    """Drop the live gauges (open links, leadership) of processes that are gone, killed or exited:
    their counters and histograms stay, as what they did still happened. Answers their pids."""
    from prometheus_client import multiprocess

    dead = sorted({int(m.group(1)) for name in os.listdir(directory)
                   if (m := _LIVE_GAUGE_FILE.match(name)) and not _alive(int(m.group(1)))})
    for pid in dead:
        with contextlib.suppress(FileNotFoundError):  # another worker's scrape removed it first
            multiprocess.mark_process_dead(pid, str(directory))
    return dead
