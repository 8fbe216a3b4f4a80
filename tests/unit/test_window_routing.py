"""Which open windows a batch of changes touches (views/touch.py), as pure rules."""

from app.rules import work as work_rules
from app.views.contacts import NO_BADGE, ContactFacts, ContactsWindow
from app.views.tasks import TasksWindow
from app.views.touch import WorkTouched, contacts_window_touch, for_client, tasks_window_touched

ACME = 1
WINDOW = ContactsWindow(client_id=ACME)
SHOWN = frozenset({10, 11, 12})


def facts(contact_id: int, name: str = "Zed Zimmer", client_id: int = ACME) -> ContactFacts:
    return ContactFacts(id=contact_id, client_id=client_id, name=name, email=f"c{contact_id}@x.example",
                        company="Initech")


def test_a_new_badge_on_a_shown_card_is_patched_without_a_read():
    work = WorkTouched(badges={11: work_rules.BADGE_WORKING}, badge_facts={11: facts(11)})
    touch = contacts_window_touch(WINDOW, SHOWN, work)
    assert not touch.reread
    assert touch.badges == {11: work_rules.BADGE_WORKING}


def test_a_badge_change_of_a_contact_on_another_page_touches_nothing():
    work = WorkTouched(badges={999: work_rules.BADGE_FAILED}, badge_facts={999: facts(999)})
    assert contacts_window_touch(WINDOW, SHOWN, work).nothing


def test_a_changed_shown_contact_rereads_the_window():
    work = WorkTouched(contacts={12: facts(12, "Renamed")})
    assert contacts_window_touch(WINDOW, SHOWN, work).reread


def test_a_new_contact_matching_the_search_rereads_the_window():
    window = ContactsWindow(client_id=ACME, search="zimm")
    assert contacts_window_touch(window, SHOWN, WorkTouched(contacts={50: facts(50)})).reread


def test_a_new_contact_not_matching_the_search_touches_nothing():
    window = ContactsWindow(client_id=ACME, search="okafor")
    assert contacts_window_touch(window, SHOWN, WorkTouched(contacts={50: facts(50)})).nothing


def test_a_deleted_contact_rereads_the_window_since_it_may_have_counted():
    assert contacts_window_touch(WINDOW, SHOWN, WorkTouched(contacts={77: None})).reread


def test_under_a_badge_filter_a_badge_change_of_a_matching_contact_rereads():
    window = ContactsWindow(client_id=ACME, badge=work_rules.BADGE_FAILED)
    work = WorkTouched(badges={500: work_rules.BADGE_FAILED}, badge_facts={500: facts(500)})
    assert contacts_window_touch(window, SHOWN, work).reread


def test_under_a_badge_filter_a_contact_outside_the_search_touches_nothing():
    window = ContactsWindow(client_id=ACME, search="okafor", badge=work_rules.BADGE_FAILED)
    work = WorkTouched(badges={500: work_rules.BADGE_FAILED}, badge_facts={500: facts(500)})
    assert contacts_window_touch(window, SHOWN, work).nothing


def test_a_new_contact_counts_under_the_no_badge_filter_but_not_under_failed():
    new = WorkTouched(contacts={60: facts(60)})
    assert contacts_window_touch(ContactsWindow(client_id=ACME, badge=NO_BADGE), SHOWN, new).reread
    assert contacts_window_touch(ContactsWindow(client_id=ACME, badge=work_rules.BADGE_FAILED), SHOWN, new).nothing


def test_a_window_still_being_read_rereads_on_any_contact_work():
    work = WorkTouched(badges={999: work_rules.BADGE_FAILED}, badge_facts={999: facts(999)})
    assert contacts_window_touch(WINDOW, None, work).reread


def test_a_contacts_tasks_window_follows_only_that_contacts_tasks():
    window = TasksWindow(client_id=ACME, contact_id=10)
    assert tasks_window_touched(window, WorkTouched(task_contacts={10}))
    assert not tasks_window_touched(window, WorkTouched(task_contacts={11}))


def test_an_agents_tasks_window_follows_only_that_agents_tasks():
    window = TasksWindow(client_id=ACME, ai_agent_id=3)
    assert tasks_window_touched(window, WorkTouched(task_agents={3}))
    assert not tasks_window_touched(window, WorkTouched(task_agents={4}))


def test_another_clients_work_never_reaches_a_clients_windows():
    work = WorkTouched(contacts={10: facts(10, client_id=2)}, badges={10: work_rules.BADGE_FAILED},
                       badge_facts={10: facts(10, client_id=2)}, task_contacts={10}, task_agents={3})
    mine = for_client(work, ACME, contact_client={10: 2}, agent_client={3: 2}, unresolved_clients=set())
    assert not mine
    assert contacts_window_touch(WINDOW, SHOWN | {10}, mine).nothing


def test_a_platform_admin_sees_every_clients_work():
    work = WorkTouched(task_contacts={10})
    assert for_client(work, None, contact_client={10: 2}, agent_client={}, unresolved_clients=set()) is work
