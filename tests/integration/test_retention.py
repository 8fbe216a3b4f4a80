"""Retention on a real database (SQLite and PostgreSQL): old change_log and audit rows are pruned
in batches, young ones stay, the newest change_log row always stays."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from app.config import reset_settings_cache
from app.db import read_session, transaction
from app.feed.listener import changes_after, latest_seq
from app.models import AuditLog, ChangeLogEntry, utc_now
from app.services import retention
from app.services.retention import prune_old_rows
from tests.support.cli import beacon
from tests.support.factory import count

BACKENDS = ["database", pytest.param("postgres_database", marks=pytest.mark.postgres)]
OLD_ROWS = 23  # more than a few batches of BATCH
BATCH = 5


@pytest.fixture(params=BACKENDS)
def any_database(request) -> str:
    return request.getfixturevalue(request.param)


def _age_change_log(seqs_up_to: int, days: float) -> None:
    """Make every change_log row up to `seqs_up_to` look `days` old."""
    with transaction() as session:
        session.exec(sa.update(ChangeLogEntry).where(col(ChangeLogEntry.seq) <= seqs_up_to)
                     .values(created_at=utc_now() - timedelta(days=days)))


def _add_audit_rows(count: int, days_old: float, action: str) -> None:
    with transaction() as session:
        for i in range(count):
            session.add(AuditLog(actor_label="retention-test", action=action, target_type="test", target_id=str(i),
                                 created_at=utc_now() - timedelta(days=days_old)))


def _add_changes(count: int) -> None:
    """`count` watched writes (each appends a change_log row through the database's trigger)."""
    _add_audit_rows(count, 0, "test.change")


def test_old_change_log_rows_are_pruned_in_batches_and_young_ones_kept(any_database):
    _add_changes(OLD_ROWS)
    old_end = latest_seq()
    _age_change_log(old_end, days=2)
    old = count(ChangeLogEntry, col(ChangeLogEntry.seq) <= old_end)  # the seed's rows and ours
    assert old >= OLD_ROWS
    _add_changes(3)  # young rows
    young = count(ChangeLogEntry, col(ChangeLogEntry.seq) > old_end)
    assert young >= 3
    progress: list[int] = []

    result = prune_old_rows(batch_size=BATCH, pause_seconds=0,
                            progress=lambda table, n: progress.append(n) if table == retention.CHANGE_LOG else None)

    assert result.change_log == old
    assert count(ChangeLogEntry, col(ChangeLogEntry.seq) <= old_end) == 0
    assert count(ChangeLogEntry, col(ChangeLogEntry.seq) > old_end) == young
    # one transaction per batch of BATCH rows
    assert progress == [min(n, old) for n in range(BATCH, old + BATCH, BATCH)]


def test_the_newest_change_log_row_is_kept_after_a_quiet_day(any_database):
    _add_changes(OLD_ROWS)
    newest = latest_seq()
    _age_change_log(newest, days=3)  # nothing happened since: every row is old

    result = prune_old_rows(batch_size=BATCH, pause_seconds=0)

    assert result.change_log > 0
    with read_session() as session:
        assert list(session.exec(select(ChangeLogEntry.seq))) == [newest]
    assert latest_seq() == newest  # a listener starting now begins where the log ended
    _add_changes(1)
    assert latest_seq() == newest + 1  # new changes continue the sequence (SQLite reuses no number)
    assert [c.seq for c in changes_after(newest)] == [newest + 1]


def test_a_young_row_stops_the_prune_so_the_log_stays_unbroken(any_database):
    """Only a prefix of the log goes: an old row behind a young one waits for a later run."""
    _add_changes(6)
    end = latest_seq()
    _age_change_log(end, days=2)
    with transaction() as session:  # one row in the middle is young
        middle = end - 3
        session.exec(sa.update(ChangeLogEntry).where(ChangeLogEntry.seq == middle).values(created_at=utc_now()))

    prune_old_rows(batch_size=BATCH, pause_seconds=0)

    with read_session() as session:
        kept = list(session.exec(select(ChangeLogEntry.seq).order_by(col(ChangeLogEntry.seq))))
    assert kept == list(range(middle, end + 1))


def test_old_audit_rows_are_pruned_in_batches_and_younger_ones_kept(any_database):
    _add_audit_rows(OLD_ROWS, days_old=400, action="test.ancient")
    _add_audit_rows(4, days_old=300, action="test.recent")  # younger than the 365 days
    seen_before = count(AuditLog)
    progress: list[int] = []

    result = prune_old_rows(batch_size=BATCH, pause_seconds=0,
                            progress=lambda table, n: progress.append(n) if table == retention.AUDIT_LOGS else None)

    assert result.audit_logs == OLD_ROWS
    assert progress == [5, 10, 15, 20, 23]  # a transaction per batch of BATCH rows
    assert count(AuditLog, AuditLog.action == "test.ancient") == 0
    assert count(AuditLog, AuditLog.action == "test.recent") == 4
    assert count(AuditLog) == seen_before - OLD_ROWS  # the seed's own (new) rows stay


def test_retention_settings_are_honoured(any_database, monkeypatch):
    _add_audit_rows(2, days_old=40, action="test.month-old")
    _add_changes(2)
    end = latest_seq()
    _age_change_log(end, days=0.25)  # six hours old: kept under the default day
    assert prune_old_rows(pause_seconds=0).change_log == 0
    assert count(AuditLog, AuditLog.action == "test.month-old") == 2

    monkeypatch.setenv("BEACON_CHANGE_LOG_RETENTION", "2h")
    monkeypatch.setenv("BEACON_AUDIT_RETENTION_DAYS", "30")
    reset_settings_cache()
    try:
        result = prune_old_rows(pause_seconds=0)
    finally:
        monkeypatch.delenv("BEACON_CHANGE_LOG_RETENTION")
        monkeypatch.delenv("BEACON_AUDIT_RETENTION_DAYS")
        reset_settings_cache()
    assert result.audit_logs >= 2
    assert count(AuditLog, AuditLog.action == "test.month-old") == 0
    assert result.change_log > 0
    assert count(ChangeLogEntry, col(ChangeLogEntry.seq) < end) == 0


def test_beacon_prune_runs_once_with_a_progress_line(any_database):
    _add_audit_rows(7, days_old=400, action="test.ancient")
    done = beacon(any_database, "prune", "--batch-size", "3", timeout=60)
    assert done.returncode == 0, done.stderr
    assert "pruning audit_logs: 7 rows deleted" in done.stderr
    assert "Pruned" in done.stdout and "7 audit_logs rows" in done.stdout
    assert count(AuditLog, AuditLog.action == "test.ancient") == 0
