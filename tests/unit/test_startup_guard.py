"""Which bind addresses count as loopback for the start-up guard."""

import pytest

from app.startup_guard import is_loopback, refusal


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
