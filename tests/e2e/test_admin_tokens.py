"""The admin's Tokens tab: a platform admin sees every user's tokens and revokes one; the API
refuses it (401) from then on."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from tests.support.browser import sign_in

ADMIN_EMAIL = "admin@beacon.demo"
ADMIN_PASSWORD = "beacon-admin"


def test_an_admin_revokes_a_token_in_the_tokens_tab_and_the_api_answers_401(browser, server):
    created = server.beacon("token", "create", "--email", "ops@acme.demo", "--name", "e2e-revoke",
                            "--scope", "read", "--expires", "30d")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.split()[-1]
    headers = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(server.url + "/api/v1/system-status", headers=headers).status_code == 200
    listed = server.beacon("token", "list", "--email", "ops@acme.demo").stdout.splitlines()
    token_id = next(line for line in reversed(listed) if "'e2e-revoke'" in line).split()[0]

    admin = sign_in(browser, server, ADMIN_EMAIL, ADMIN_PASSWORD, "/admin")
    admin.get_by_role("tab", name="Tokens").click()
    row = admin.locator(f'[data-testid="token-row"][data-token-id="{token_id}"]')
    expect(row).to_have_attribute("data-state", "active")
    expect(row).to_contain_text("ops@acme.demo")
    expect(row).to_contain_text("e2e-revoke")
    expect(row).to_contain_text(secret[:12])
    expect(row).not_to_contain_text(secret[12:])  # the secret itself never reaches the page
    row.get_by_role("button", name="Revoke").click()
    expect(row).to_have_attribute("data-state", "revoked")
    expect(row.get_by_role("button", name="Revoke")).to_have_count(0)

    refused = httpx.get(server.url + "/api/v1/system-status", headers=headers)
    assert refused.status_code == 401 and refused.json()["error"]["status"] == 401
