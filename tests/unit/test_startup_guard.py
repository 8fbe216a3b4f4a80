"""Which bind addresses count as loopback for the start-up guard."""

import pytest

from app.setup.startup_guard import is_loopback, refusal


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_loopback_addresses(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "  ", "192.0.2.10", "10.1.2.3", "2001:db8::1",
                                  "no-such-host.invalid"])
def test_everything_else_is_not_loopback(host):
    assert not is_loopback(host)


def test_loopback_is_allowed_without_looking_at_the_database(monkeypatch):
    import app.services.users as users

    monkeypatch.setattr(users, "demo_accounts_with_demo_password",
                        lambda: pytest.fail("the database was read for a loopback host"))
    assert refusal("127.0.0.1") is None


def test_an_unreadable_database_refuses_rather_than_serves(monkeypatch):
    import app.services.users as users

    def broken():
        raise RuntimeError("database is down")

    monkeypatch.setattr(users, "demo_accounts_with_demo_password", broken)
    reason = refusal("0.0.0.0")
    assert reason is not None and "could not check" in reason and "database is down" in reason


def test_the_refusal_names_every_exposed_account_and_how_to_fix_the_first(monkeypatch):
    import app.services.users as users

    monkeypatch.setattr(users, "demo_accounts_with_demo_password", lambda: ["a@beacon.demo", "b@beacon.demo"])
    assert refusal("0.0.0.0") == (
        "refusing to serve on 0.0.0.0: the demo accounts a@beacon.demo, b@beacon.demo still have their published "
        "demo passwords; change them with `beacon user password --email a@beacon.demo` (and likewise for "
        "b@beacon.demo), or serve on 127.0.0.1 (the default: HOST=127.0.0.1)")


def test_doctor_shows_the_guards_check_without_reading_its_sentence_back(monkeypatch):
    import app.services.users as users
    from app.setup.doctor import DEMO_PASSWORDS_FIX, _address

    monkeypatch.setattr(users, "demo_accounts_with_demo_password", lambda: ["a@beacon.demo"])
    shown = _address("0.0.0.0", database_ok=True)
    assert (shown.ok, shown.fix) == (False, DEMO_PASSWORDS_FIX)
    assert shown.detail == ("0.0.0.0 is not loopback, and the demo accounts a@beacon.demo still have their published "
                            "demo passwords: Beacon refuses to serve there")
