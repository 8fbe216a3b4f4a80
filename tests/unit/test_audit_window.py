"""Which audit-log and status-history windows a batch of changes touches, as pure rules."""

from datetime import date

from app.views.audit import (
    ANY_CLIENT,
    AUDIT_PAGE_SIZE,
    GLOBAL_CLIENT,
    AuditWindow,
    StatusHistoryWindow,
    client_matches,
    valid_client_filter,
)
from app.views.touch import WorkTouched, for_client
from app.views.windows import AUDIT_WINDOW, STATUS_HISTORY_WINDOW, window_touch

ACME = 1
GLOBEX = 2
KINDS = ((AUDIT_WINDOW, AuditWindow), (STATUS_HISTORY_WINDOW, StatusHistoryWindow))


def touched(kind: str, window, audit_clients: set[int | None], shown=frozenset()) -> bool:
    """New audit rows in `audit_clients` (status publishes, for the status history's sake)."""
    work = WorkTouched(audit_clients=audit_clients, status_audit_clients=audit_clients)
    touch = window_touch(kind, window, shown, work)
    assert not touch.badges  # audit windows are re-read or left alone, never patched
    return touch.reread


def test_a_batch_without_audit_rows_touches_no_audit_window():
    for kind, window in KINDS:
        assert not touched(kind, window(), set())
        assert not touched(kind, window(client=str(ACME)), set())


def test_any_new_audit_row_rereads_an_unfiltered_window():
    for kind, window in KINDS:
        assert touched(kind, window(), {ACME})
        assert touched(kind, window(), {None})  # a platform-wide row (a global publish)


def test_a_client_filter_is_touched_only_by_that_clients_rows():
    for kind, window in KINDS:
        acme = window(client=str(ACME))
        assert touched(kind, acme, {ACME})
        assert touched(kind, acme, {GLOBEX, ACME})
        assert not touched(kind, acme, {GLOBEX})
        assert not touched(kind, acme, {None})


def test_the_global_filter_is_touched_only_by_platform_wide_rows():
    for kind, window in KINDS:
        only_global = window(client=GLOBAL_CLIENT)
        assert touched(kind, only_global, {None})
        assert touched(kind, only_global, {ACME, None})
        assert not touched(kind, only_global, {ACME, GLOBEX})


def test_later_pages_are_reread_too_since_a_new_row_shifts_them():
    for kind, window in KINDS:
        assert touched(kind, window(offset=AUDIT_PAGE_SIZE), {ACME})
        assert touched(kind, window(client=str(ACME), offset=3 * AUDIT_PAGE_SIZE), {ACME})
        assert not touched(kind, window(client=str(ACME), offset=AUDIT_PAGE_SIZE), {GLOBEX})


def test_a_window_not_read_yet_follows_the_same_rule():
    for kind, window in KINDS:
        assert touched(kind, window(), {ACME}, shown=None)
        assert not touched(kind, window(client=str(GLOBEX)), {ACME}, shown=None)


def test_the_other_audit_filters_do_not_hide_a_change_the_batch_cannot_name():
    # The batch names clients, not actions or actors: a filtered window is re-read to be safe.
    window = AuditWindow(action="system_status.publish", actor="admin", client=str(ACME),
                         since=date(2026, 1, 1), until=date(2026, 12, 31))
    assert touched(AUDIT_WINDOW, window, {ACME})


def test_audit_rows_of_other_actions_leave_the_status_history_alone():
    work = WorkTouched(audit_clients={ACME, None}, status_audit_clients=set())  # e.g. a user created
    assert window_touch(AUDIT_WINDOW, AuditWindow(), frozenset(), work).reread
    assert not window_touch(STATUS_HISTORY_WINDOW, StatusHistoryWindow(), frozenset(), work).reread


def test_a_tenant_audience_sees_only_its_own_clients_audit_rows():
    work = WorkTouched(audit_clients={ACME, GLOBEX, None})
    assert for_client(work, ACME, {}, {}, set()).audit_clients == {ACME}
    assert for_client(work, None, {}, {}, set()).audit_clients == {ACME, GLOBEX, None}  # platform admin


def test_client_filters():
    assert client_matches(ANY_CLIENT, None) and client_matches(ANY_CLIENT, ACME)
    assert client_matches(GLOBAL_CLIENT, None) and not client_matches(GLOBAL_CLIENT, ACME)
    assert client_matches("1", ACME) and not client_matches("1", None) and not client_matches("1", GLOBEX)
    assert all(valid_client_filter(v) for v in ("", "global", "1", "12345"))
    assert not any(valid_client_filter(v) for v in ("acme", "-1", "1.5", " 1", "١", "9" * 21))


def test_windows_normalize_what_a_page_could_send():
    window = AuditWindow(action="drop table", actor="  Ada   Admin " + "x" * 400, client="acme", offset=73)
    normal = window.normalized()
    assert normal.action == "" and normal.client == ANY_CLIENT and normal.offset == AUDIT_PAGE_SIZE
    assert normal.actor.startswith("Ada Admin x") and len(normal.actor) == 254
    assert AuditWindow(offset=-5).normalized().offset == 0
    assert StatusHistoryWindow(client="x", offset=149).normalized() == StatusHistoryWindow(offset=100)
    # Equal filters are equal windows (hashable): the feed reads each once for every page holding it.
    assert len({AuditWindow(action="task.fail").normalized(), AuditWindow(action="task.fail")}) == 1
