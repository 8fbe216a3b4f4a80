"""Maintenance windows through their three doors (service, HTTP API, CLI) on a real database, the
timer's step, the status history it keeps, and bulk publishing."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from sqlmodel import col, func, select

from app.db import read_session
from app.models import AuditAction, ChangeLogEntry, MaintenanceWindow, StatusInterval, utc_now
from app.rules.errors import Forbidden, InvalidInput, NotFound
from app.services import maintenance
from app.services.auth import actor_for_email, create_api_token
from app.services.system_status import publish_system_status, publish_to_clients
from app.views import maintenance as maintenance_view
from app.views.live import build_views
from app.views.status import system_snapshot
from tests.support.api import call_api
from tests.support.cli import beacon
from tests.support.factory import audit_rows, client_id
from tests.support.loops import run_async


def soon(seconds: float):
    return utc_now() + timedelta(seconds=seconds)


def intervals(client_id) -> list[tuple[str, bool]]:
    with read_session() as session:
        query = select(StatusInterval).where(
            StatusInterval.client_id.is_(None) if client_id is None else StatusInterval.client_id == client_id
        ).order_by(col(StatusInterval.id))
        return [(r.status, r.ended_at is None) for r in session.exec(query)]


# --- the service ----------------------------------------------------------------------------

def test_the_timer_starts_and_ends_a_clients_window_with_audit_and_history(admin, client_ids):
    acme, globex = client_ids["Acme"], client_ids["Globex"]
    window = maintenance.schedule_window(admin, acme, soon(0.3), soon(0.8), "Database upgrade")
    assert window.state == "scheduled"
    next_at = maintenance.advance_windows()
    assert next_at == window.starts_at  # nothing due yet: the next instant is its start
    time.sleep(0.35)
    maintenance.advance_windows()
    assert system_snapshot(admin, acme).status == "maintenance"
    assert system_snapshot(admin, acme).status_scope == "window"
    assert system_snapshot(admin, globex).status == "active"
    time.sleep(0.5)
    assert maintenance.advance_windows() is None
    assert system_snapshot(admin, acme).status == "active"
    assert [a.action for a in audit_rows(*(a for a in AuditAction if a.startswith("maintenance.")))] == [
        "maintenance.schedule", "maintenance.start", "maintenance.complete"]
    assert intervals(acme) == [("maintenance", False), ("active", True)]
    assert intervals(globex) == []


def test_windows_reach_the_change_log(admin, client_ids):
    maintenance.schedule_window(admin, client_ids["Acme"], soon(60), soon(120), "")
    with read_session() as session:
        logged = session.exec(select(ChangeLogEntry).where(ChangeLogEntry.entity == "maintenance_windows")).all()
    assert [(c.op, c.client_id) for c in logged] == [("insert", client_ids["Acme"])]


def test_an_explicit_inactive_during_a_window_stays_inactive_after_it_ends(admin, client_ids):
    acme = client_ids["Acme"]
    maintenance.schedule_window(admin, acme, soon(-1), soon(0.4), "")
    publish_system_status(admin, acme, "inactive")
    assert system_snapshot(admin, acme).status == "inactive"
    time.sleep(0.45)
    maintenance.advance_windows()
    assert system_snapshot(admin, acme).status == "inactive"


def test_extending_an_in_progress_window_keeps_maintenance_past_the_old_end(admin, client_ids):
    acme = client_ids["Acme"]
    window = maintenance.schedule_window(admin, acme, soon(-1), soon(0.3), "")
    assert window.state == "in_progress"  # a start already past starts at once
    maintenance.extend_window(admin, window.id, soon(60))
    time.sleep(0.35)
    maintenance.advance_windows()
    assert system_snapshot(admin, acme).status == "maintenance"


def test_cancelling_an_in_progress_window_ends_it_at_once(admin, client_ids):
    acme = client_ids["Acme"]
    window = maintenance.schedule_window(admin, acme, soon(-1), soon(60), "")
    cancelled = maintenance.cancel_window(admin, window.id)
    assert cancelled.state == "cancelled"
    assert system_snapshot(admin, acme).status == "active"
    with pytest.raises(InvalidInput):
        maintenance.cancel_window(admin, window.id)
    with pytest.raises(InvalidInput) as refused:
        maintenance.extend_window(admin, window.id, soon(120))
    assert "ends_at" in refused.value.fields


def test_only_platform_admins_schedule_extend_or_cancel(database, admin, client_ids):
    acme_admin = actor_for_email("ops@acme.demo")
    window = maintenance.schedule_window(admin, client_ids["Acme"], soon(60), soon(120), "")
    for attempt in (lambda: maintenance.schedule_window(acme_admin, client_ids["Acme"], soon(60), soon(120)),
                    lambda: maintenance.extend_window(acme_admin, window.id, soon(300)),
                    lambda: maintenance.cancel_window(acme_admin, window.id)):
        with pytest.raises(Forbidden):
            attempt()


def test_a_client_user_lists_only_their_clients_and_global_windows(admin, client_ids):
    maintenance.schedule_window(admin, client_ids["Acme"], soon(60), soon(120), "acme")
    maintenance.schedule_window(admin, client_ids["Globex"], soon(60), soon(120), "globex")
    maintenance.schedule_window(admin, None, soon(60), soon(120), "everyone")
    seen = maintenance_view.list_windows(actor_for_email("ops@acme.demo"))
    assert sorted(w.message for w in seen) == ["acme", "everyone"]


def test_the_banner_announces_a_window_within_the_notice_and_not_before(admin, client_ids, monkeypatch):
    from app.config import reset_settings_cache

    acme = client_ids["Acme"]
    maintenance.schedule_window(admin, acme, soon(7200), soon(10800), "Upgrade")
    snapshot = system_snapshot(admin, acme)  # default notice: 24 h
    assert snapshot.maintenance_notices[0].startswith("Scheduled maintenance ")
    assert snapshot.maintenance_notices[0].endswith("UTC: Upgrade") and snapshot.banner_visible
    assert system_snapshot(admin, client_ids["Globex"]).maintenance_notices == []
    monkeypatch.setenv("BEACON_MAINTENANCE_NOTICE_HOURS", "1")
    reset_settings_cache()
    assert system_snapshot(admin, acme).maintenance_notices == []
    assert not system_snapshot(admin, acme).banner_visible


def test_a_window_for_all_clients_pauses_every_client_and_the_available_count(admin, client_ids):
    maintenance.schedule_window(admin, None, soon(-1), soon(60), "")
    views = build_views(f"client:{client_ids['Globex']}", {"tenant"})
    assert views["tenant"].service.status == "maintenance" and views["tenant"].workforce.available_agents == 0
    admin_view = build_views("all", {"admin"})["admin"]
    assert {s.status for s in admin_view.statuses} == {"maintenance"}


def test_the_uptime_bars_show_today_as_mixed_after_a_window(admin, client_ids):
    acme = client_ids["Acme"]
    maintenance.schedule_window(admin, acme, soon(-1), soon(0.2), "")
    time.sleep(0.25)
    maintenance.advance_windows()
    uptime = {u.name: u for u in build_views("all", {"admin"})["admin"].uptime}
    assert len(uptime["Acme"].days) == 90
    assert uptime["Acme"].days[-1].state == "mixed" and "Maintenance" in uptime["Acme"].days[-1].tooltip
    assert uptime["Globex"].days[-1].state == "active" and uptime["Globex"].active_30 == 100.0
    assert uptime["Acme"].active_30 < 100.0


def test_the_timer_wakes_for_a_window_scheduled_while_it_sleeps(admin, client_ids):
    from app.jobs import maintenance_timer

    acme = client_ids["Acme"]

    async def go():
        timer = asyncio.create_task(maintenance_timer.run_timer_steps())
        await asyncio.sleep(0.2)  # it has planned: nothing to do, a long sleep
        await asyncio.to_thread(maintenance.schedule_window, admin, acme, soon(0.3), soon(30), "")
        maintenance_timer.notify_windows_changed()  # what this process's change feed does
        await asyncio.sleep(0.6)
        status = (await asyncio.to_thread(system_snapshot, admin, acme)).status
        timer.cancel()
        return status

    assert run_async(go()) == "maintenance"


# --- bulk publishing ------------------------------------------------------------------------

def test_bulk_publishing_writes_one_audit_row_per_client_in_one_go(admin, client_ids):
    results = publish_to_clients(admin, [client_ids["Acme"], client_ids["Globex"]], "maintenance", "Patching")
    assert [r.client_id for r in results] == [client_ids["Acme"], client_ids["Globex"]]
    rows = audit_rows("system_status.publish")
    assert sorted(r.client_id for r in rows) == sorted(client_ids.values())
    assert system_snapshot(admin, client_ids["Globex"]).shown.message == "Patching"


def test_bulk_publishing_with_an_unknown_client_changes_nothing(admin, client_ids):
    with pytest.raises(NotFound):
        publish_to_clients(admin, [client_ids["Acme"], 99999], "inactive")
    assert system_snapshot(admin, client_ids["Acme"]).status == "active"
    assert audit_rows("system_status.publish") == []


# --- the HTTP API ---------------------------------------------------------------------------

def test_the_api_schedules_lists_extends_and_cancels_a_window(admin_token, client_ids):
    created = call_api("POST", "/api/v1/maintenance-windows", admin_token, json={
        "client_id": client_ids["Acme"], "starts_at": "2026-12-31T02:00:00Z", "ends_at": "2026-12-31T03:00Z",
        "message": "Upgrade"})
    assert created.status_code == 201, created.text
    window = created.json()
    assert (window["state"], window["client"], window["starts_at"]) == (
        "scheduled", "Acme", "2026-12-31T02:00:00+00:00")
    listed = call_api("GET", "/api/v1/maintenance-windows", admin_token).json()["windows"]
    assert [w["id"] for w in listed] == [window["id"]]
    changed = call_api("PATCH", f"/api/v1/maintenance-windows/{window['id']}", admin_token,
                       json={"ends_at": "2026-12-31T04:00:00Z"})
    assert changed.status_code == 200 and changed.json()["ends_at"] == "2026-12-31T04:00:00+00:00"
    cancelled = call_api("DELETE", f"/api/v1/maintenance-windows/{window['id']}", admin_token)
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"


@pytest.mark.parametrize("body, field", [
    ({"starts_at": "2026-12-31T03:00Z", "ends_at": "2026-12-31T02:00Z"}, "ends_at"),
    ({"starts_at": "2020-01-01T02:00Z", "ends_at": "2020-01-01T03:00Z"}, "ends_at"),
    ({"starts_at": "next tuesday", "ends_at": "2026-12-31T03:00Z"}, "starts_at"),
    ({"starts_at": "2026-12-31T02:00Z", "ends_at": "2026-12-31T03:00Z", "message": "x" * 501}, "message"),
    ({"starts_at": "2026-12-31T02:00Z"}, "ends_at"),
    ({"starts_at": "2026-12-31T02:00Z", "ends_at": "2026-12-31T03:00Z", "colour": "red"}, "colour"),
])
def test_bad_window_input_is_422_naming_the_field(admin_token, body, field):
    response = call_api("POST", "/api/v1/maintenance-windows", admin_token, json={"client_id": None, **body})
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["fields"]


def test_an_unknown_client_or_window_is_404(admin_token):
    response = call_api("POST", "/api/v1/maintenance-windows", admin_token, json={
        "client_id": 99999, "starts_at": "2026-12-31T02:00Z", "ends_at": "2026-12-31T03:00Z"})
    assert response.status_code == 404 and response.json()["error"]["status"] == 404
    for method, kwargs in (("PATCH", {"json": {"ends_at": "2026-12-31T04:00Z"}}), ("DELETE", {})):
        response = call_api(method, "/api/v1/maintenance-windows/99999", admin_token, **kwargs)
        assert response.status_code == 404


def test_a_client_admin_may_not_schedule_and_no_token_is_401(database, client_ids):
    token = create_api_token("ops@acme.demo")
    body = {"client_id": client_ids["Acme"], "starts_at": "2026-12-31T02:00Z", "ends_at": "2026-12-31T03:00Z"}
    assert call_api("POST", "/api/v1/maintenance-windows", token, json=body).status_code == 403
    assert call_api("POST", "/api/v1/maintenance-windows", None, json=body).status_code == 401
    assert call_api("GET", "/api/v1/maintenance-windows", token).status_code == 200


def test_the_api_publishes_to_several_clients_at_once(admin_token, client_ids):
    response = call_api("POST", "/api/v1/system-status/bulk", admin_token, json={
        "client_ids": [client_ids["Acme"], client_ids["Globex"]], "status": "inactive", "message": "Off"})
    assert response.status_code == 200, response.text
    assert [p["status"] for p in response.json()["published"]] == ["inactive", "inactive"]
    assert call_api("POST", "/api/v1/system-status/bulk", admin_token,
                    json={"client_ids": [], "status": "inactive"}).status_code == 422
    assert call_api("POST", "/api/v1/system-status/bulk", admin_token,
                    json={"client_ids": [99999], "status": "inactive"}).status_code == 404


# --- the CLI --------------------------------------------------------------------------------

def test_the_cli_schedules_lists_and_cancels(database):
    done = beacon(database, "maintenance", "schedule", "--as", "admin@beacon.demo", "--client", "Acme",
                  "--starts-in", "10m", "--lasts", "1h", "--message", "Upgrade")
    assert done.returncode == 0, done.stderr
    window_id = done.stdout.split()[0]
    assert "scheduled Acme:" in done.stdout
    listed = beacon(database, "maintenance", "list", "--as", "admin@beacon.demo")
    assert listed.stdout.startswith(f"{window_id} scheduled Acme")
    cancelled = beacon(database, "maintenance", "cancel", "--as", "admin@beacon.demo", window_id)
    assert cancelled.returncode == 0 and f"{window_id} cancelled" in cancelled.stdout


@pytest.mark.parametrize("args, words", [
    (("--starts", "2026-12-31T03:00Z", "--ends", "2026-12-31T02:00Z"), "after the start"),
    (("--starts", "soon", "--ends", "2026-12-31T02:00Z"), "starts:"),
    (("--client", "Nope", "--starts-in", "1m", "--lasts", "1h"), "No client named 'Nope'"),
    (("--starts-in", "1m"), "say when it ends"),
])
def test_the_cli_refuses_bad_windows_with_one_line(database, args, words):
    done = beacon(database, "maintenance", "schedule", "--as", "admin@beacon.demo", *args)
    assert done.returncode != 0
    assert done.stderr.strip().count("\n") == 0 and words in done.stderr, done.stderr


def test_windows_and_history_work_on_postgresql(postgres_database):
    admin = actor_for_email("admin@beacon.demo")
    acme = client_id("Acme")
    window = maintenance.schedule_window(admin, acme, soon(-1), soon(0.3), "pg")
    assert system_snapshot(admin, acme).status == "maintenance"
    time.sleep(0.35)
    maintenance.advance_windows()
    assert system_snapshot(admin, acme).status == "active"
    assert intervals(acme) == [("maintenance", False), ("active", True)]
    with read_session() as session:
        assert session.exec(select(func.count()).select_from(MaintenanceWindow)).one() == 1
        state = session.exec(select(MaintenanceWindow.state).where(MaintenanceWindow.id == window.id)).one()
        assert state == "completed"
    uptime = {u.name: u for u in build_views("all", {"admin"})["admin"].uptime}
    assert uptime["Acme"].days[-1].state == "mixed"


def test_the_uptime_and_banner_reads_go_through_indexes_on_sqlite(database):
    """The 90 bars of every scope are one indexed query (never a scan of the history)."""
    import sqlalchemy as sa

    captured = []
    with read_session() as session:
        connection = session.connection()
        sa.event.listen(connection, "before_cursor_execute",
                        lambda _c, _cursor, statement, parameters, _x, _m: captured.append((statement, parameters)))
        maintenance_view.intervals_since_in(session, utc_now() - timedelta(days=90))
        maintenance_view.banner_windows_in(session, 1, utc_now())
        maintenance_view.next_notice_at(session, utc_now())
        raw = connection.connection.driver_connection
        for statement, parameters in captured:
            plan = [row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters or ())]
            steps = [line for line in plan if "status_intervals" in line or "maintenance_windows" in line]
            assert steps and all(line.startswith("SEARCH") for line in steps), (statement, plan)
