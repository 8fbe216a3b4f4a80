"""GET /metrics is for this machine's scraper or a platform admin's token: the attacks a remote
caller would try (forged proxy headers, a client admin's or a support agent's token) get the API's
JSON error and no metric."""

from __future__ import annotations

import pytest

from app.config import reset_settings_cache
from app.services.tokens import create_token
from tests.support.api import call_api
from tests.support.factory import ADMIN
from tests.support.metrics import REMOTE_PEER

LOOPBACK_CLAIMS = [
    {"X-Forwarded-For": "127.0.0.1"},
    {"X-Forwarded-For": "127.0.0.1, 127.0.0.1"},
    {"X-Real-IP": "127.0.0.1"},
    {"Forwarded": "for=127.0.0.1"},
]


def refused(response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["status"] == status
    assert "beacon_" not in response.text


def test_a_scraper_on_this_machine_needs_no_token(database):
    assert call_api("GET", "/metrics").status_code == 200


def test_a_remote_caller_without_a_token_is_401(database):
    refused(call_api("GET", "/metrics", peer=REMOTE_PEER), 401)


@pytest.mark.parametrize("forged", LOOPBACK_CLAIMS)
def test_a_remote_caller_claiming_to_be_loopback_is_401(database, forged):
    refused(call_api("GET", "/metrics", peer=REMOTE_PEER, headers=forged), 401)


@pytest.mark.parametrize("forged", LOOPBACK_CLAIMS)
def test_a_request_relayed_by_a_trusted_proxy_on_this_machine_is_not_this_machines(database, forged, monkeypatch):
    # nginx on this host relays every remote caller from 127.0.0.1: the headers say it relayed it,
    # whatever address the caller wrote into them.
    monkeypatch.setenv("BEACON_TRUSTED_PROXIES", "127.0.0.1")
    reset_settings_cache()
    try:
        refused(call_api("GET", "/metrics", headers=forged), 401)
    finally:
        monkeypatch.delenv("BEACON_TRUSTED_PROXIES")
        reset_settings_cache()


def test_a_client_admins_token_is_403(acme_token):
    refused(call_api("GET", "/metrics", acme_token, peer=REMOTE_PEER), 403)


def test_a_client_admins_token_is_403_from_loopback_behind_a_proxy(acme_token):
    refused(call_api("GET", "/metrics", acme_token, headers={"X-Forwarded-For": "127.0.0.1"}), 403)


def test_a_support_agents_read_token_is_403(database):
    _id, token, _expires = create_token(None, "sam@acme.demo", scope="read")
    refused(call_api("GET", "/metrics", token, peer=REMOTE_PEER), 403)


def test_a_forged_token_is_401(database):
    refused(call_api("GET", "/metrics", "bkn_forged", peer=REMOTE_PEER), 401)


def test_a_platform_admins_read_token_scrapes_from_anywhere(database):
    _id, token, _expires = create_token(None, ADMIN, scope="read")
    response = call_api("GET", "/metrics", token, peer=REMOTE_PEER, headers={"X-Forwarded-For": "198.51.100.7"})
    assert response.status_code == 200 and "beacon_live_links" in response.text


def test_a_platform_admins_token_scrapes_from_anywhere(admin_token):
    assert call_api("GET", "/metrics", admin_token, peer=REMOTE_PEER).status_code == 200
