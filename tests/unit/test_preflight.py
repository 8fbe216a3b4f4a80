"""The start checks that need no file, no database and no socket (app/setup/preflight.py): a bad
BEACON_DATABASE_URL or BEACON_ setting is one line naming the variable, before anything is opened.

Every command, the worker and the server make this check first; tests/integration/
test_start_checks.py shows it through their real entries and on real files and servers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import reset_settings_cache
from app.setup.check import NotReady
from app.setup.preflight import require_database


@pytest.fixture
def environment(monkeypatch):
    """Set variables for this test; the settings are read afresh, and all is put back after."""

    def set_variables(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        reset_settings_cache()

    yield set_variables
    monkeypatch.undo()
    reset_settings_cache()


def refusal() -> str:
    """The one line `require_database()` refuses with (the CLI prints it after "beacon: ")."""
    with pytest.raises(NotReady) as refused:
        require_database()
    line = refused.value.line
    assert "\n" not in line, line
    return line


@pytest.mark.parametrize("url", ["not a url", "mysql://db.example/beacon", "sqlite://"],
                         ids=["garbage", "unsupported", "in-memory"])
def test_a_bad_database_url(environment, url):
    environment(BEACON_DATABASE_URL=url)
    assert "BEACON_DATABASE_URL" in refusal()


def test_a_password_in_a_bad_url_is_not_printed(environment):
    environment(BEACON_DATABASE_URL="postgresql://beacon:s3cret@db:notaport/beacon")
    line = refusal()
    assert "s3cret" not in line and "***" in line


def test_a_bad_setting_is_named(environment, tmp_path: Path):
    environment(BEACON_DATABASE_URL=f"sqlite:///{tmp_path / 'beacon.db'}", BEACON_SESSION_HOURS="soon")
    assert "BEACON_SESSION_HOURS='soon'" in refusal()
    assert list(tmp_path.iterdir()) == []
