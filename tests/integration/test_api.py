"""The HTTP API through httpx, on the API's own ASGI app and the real database."""

import pytest

from tests.support.api import call_api as call


def test_publishing_returns_the_clients_new_effective_status(admin_token, client_ids):
    response = call("POST", "/api/v1/system-status", admin_token, json={
        "client_id": client_ids["Acme"], "status": "maintenance", "message": "Upgrading", "type": "warning",
        "expires_at": "10m",
    })
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "maintenance" and body["message"]["type"] == "warning"
    assert body["published"]["previous_status"] is None


def test_reading_the_status_of_a_client(admin_token, acme_token, client_ids):
    call("POST", "/api/v1/system-status", admin_token, json={"client_id": None, "status": "inactive"})
    response = call("GET", "/api/v1/system-status", acme_token)
    assert response.status_code == 200
    assert response.json()["status"] == "inactive" and response.json()["client_id"] == client_ids["Acme"]


def test_no_token_is_401_with_a_json_body(database):
    response = call("GET", "/api/v1/system-status")
    assert response.status_code == 401
    assert response.json()["error"]["status"] == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_invalid_token_is_401(database):
    assert call("GET", "/api/v1/system-status", "bkn_forged").status_code == 401


def test_a_client_admin_publishing_is_403_and_changes_nothing(acme_token, admin_token, client_ids):
    response = call("POST", "/api/v1/system-status", acme_token,
                    json={"client_id": client_ids["Acme"], "status": "inactive"})
    assert response.status_code == 403 and "error" in response.json()
    after = call("GET", f"/api/v1/system-status?client={client_ids['Acme']}", admin_token).json()
    assert after["status"] == "active"


def test_reading_another_clients_status_is_403(acme_token, client_ids):
    assert call("GET", f"/api/v1/system-status?client={client_ids['Globex']}", acme_token).status_code == 403


def test_an_unknown_client_is_404(admin_token):
    assert call("GET", "/api/v1/system-status?client=999", admin_token).status_code == 404
    assert call("POST", "/api/v1/system-status", admin_token,
                json={"client_id": 999, "status": "active"}).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "sleeping"}, "status"),
        ({"status": "active", "type": "loud", "message": "x"}, "type"),
        ({"status": "active", "message": "x" * 501}, "message"),
        ({"status": "active", "message": "x", "expires_at": "yesterday"}, "expires_at"),
        ({"status": "active", "message": "x", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"status": "active", "client_id": "acme"}, "client_id"),
        ({"message": "no status"}, "status"),
        ({"status": "active", "colour": "red"}, "colour"),
    ],
)
def test_invalid_input_is_422_naming_the_field(admin_token, body, field):
    response = call("POST", "/api/v1/system-status", admin_token, json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["fields"]


def test_a_body_that_is_not_json_is_422(admin_token):
    response = call("POST", "/api/v1/system-status", admin_token, content=b"{nope",
                    )
    assert response.status_code == 422 and response.json()["error"]["status"] == 422
