"""`beacon`, run as a separate process against the same database."""

import json

from tests.support.cli import beacon


def test_status_set_publishes_through_the_service_and_status_show_reads_it(database):
    done = beacon(database, "status", "set", "--as", "admin@beacon.demo", "--client", "Acme",
                  "--status", "maintenance", "--message", "Patching", "--type", "warning", "--expires", "5m")
    assert done.returncode == 0, done.stderr
    assert "Acme: (none) -> maintenance" in done.stdout
    shown = beacon(database, "status", "show", "--as", "ops@acme.demo", "--client", "Acme", "--json")
    body = json.loads(shown.stdout)
    assert body["status"] == "maintenance" and body["messages"][0]["message"] == "Patching"


def test_a_non_admin_actor_fails_with_one_line_and_a_nonzero_exit(database):
    done = beacon(database, "status", "set", "--as", "ops@acme.demo", "--status", "inactive")
    assert done.returncode != 0
    assert done.stderr.strip().count("\n") == 0 and "platform admin" in done.stderr


def test_an_unknown_client_fails_readably(database):
    done = beacon(database, "status", "set", "--as", "admin@beacon.demo", "--client", "Nope", "--status", "active")
    assert done.returncode != 0 and "No client named 'Nope'" in done.stderr


def test_token_create_prints_a_token_the_api_accepts(database):
    done = beacon(database, "token", "create", "--email", "admin@beacon.demo")
    assert done.returncode == 0
    from app.services.auth import actor_for_api_token

    assert actor_for_api_token(done.stdout.strip()).email == "admin@beacon.demo"


def test_user_create_then_message_list(database):
    created = beacon(database, "user", "create", "--email", "pat@globex.demo", "--role", "user",
                     "--client", "Globex", "--password-stdin", stdin="long-enough-pw\n")
    assert created.returncode == 0, created.stderr
    beacon(database, "status", "set", "--as", "admin@beacon.demo", "--status", "active", "--message", "Hi all")
    listed = beacon(database, "message", "list", "--as", "pat@globex.demo")
    assert "Hi all" in listed.stdout


def test_seed_demo_leaves_a_populated_database_alone(database):
    done = beacon(database, "seed", "demo")
    assert done.returncode == 0 and "left as it is" in done.stdout


def test_chat_create_hands_a_chat_to_the_client(database):
    done = beacon(database, "chat", "create", "--client", "Globex", "--subject", "Refund request")
    assert done.returncode == 0 and "is waiting for an agent" in done.stdout
    bad = beacon(database, "chat", "create", "--client", "Globex", "--subject", "")
    assert bad.returncode != 0 and "subject" in bad.stderr


def test_an_id_no_row_can_have_is_refused_with_one_line_by_the_one_id_rule(database):
    from tests.support.cli import beacon_in_process

    # Not digits, not ASCII digits, zero, past a BIGINT: none is any row's id (views/access.py).
    for text in ("abc", "１２", "0", str(2**63)):
        for command in (("token", "revoke", text), ("maintenance", "cancel", text, "--as", "admin@beacon.demo")):
            done = beacon_in_process(database, *command)
            assert done.returncode == 2, (command, done.stderr)
            assert done.stderr.count("\n") == 1 and "is not a" in done.stderr, done.stderr
