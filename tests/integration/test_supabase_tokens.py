"""Supabase Auth users on the HTTP API: their access tokens act as the linked Beacon user, on
/api/v1 and on the set-system-status function; unknown, expired, forged and unlinked tokens 401,
insufficient rights 403. HS256 with the project's JWT secret, or asymmetric keys from its JWKS."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.config import reset_settings_cache
from app.services import supabase_auth
from app.services.users import link_auth_user
from tests.support.api import call_api
from tests.support.supabase import ISSUER, JWT_SECRET, access_token, claims_of

HELD_FETCH_TIMEOUT_S = 20.0  # a held key-server fetch is released long before this; only a hang reaches it

FUNCTION = "/functions/v1/set-system-status"
MAINTENANCE = {"client_id": None, "status": "maintenance", "message": "Through Supabase", "type": "warning"}


@pytest.fixture
def linked(database, monkeypatch) -> dict[str, uuid.UUID]:
    """The demo users linked to Supabase Auth users, and the project's JWT secret configured."""
    monkeypatch.setenv("BEACON_SUPABASE_JWT_SECRET", JWT_SECRET)
    monkeypatch.setenv("BEACON_SUPABASE_ISSUER", ISSUER)
    reset_settings_cache()
    people = {email: uuid.uuid4() for email in ("admin@beacon.demo", "ops@acme.demo", "sam@acme.demo")}
    for email, auth_user_id in people.items():
        link_auth_user(None, email, str(auth_user_id))
    yield people
    reset_settings_cache()


def test_a_linked_users_token_reads_their_clients_status(linked, client_ids):
    answer = call_api("GET", "/api/v1/system-status", access_token(linked["ops@acme.demo"]))
    assert answer.status_code == 200
    assert answer.json()["client_id"] == client_ids["Acme"]


def test_a_platform_admins_token_publishes_through_the_function(linked, client_ids):
    answer = call_api("POST", FUNCTION, access_token(linked["admin@beacon.demo"]),
                      json={**MAINTENANCE, "client_id": client_ids["Acme"]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["published"]["status"] == "maintenance"
    assert answer.json()["status"] == "maintenance"


def test_a_client_admins_token_may_not_publish(linked):
    answer = call_api("POST", FUNCTION, access_token(linked["ops@acme.demo"]), json=MAINTENANCE)
    assert answer.status_code == 403
    assert answer.json()["error"]["status"] == 403


def test_the_function_checks_its_body_as_the_api_does(linked):
    answer = call_api("POST", FUNCTION, access_token(linked["admin@beacon.demo"]),
                      json={"status": "sleeping", "colour": "red"})
    assert answer.status_code == 422
    assert answer.json()["error"]["fields"] == {"colour": "Unknown field."}


@pytest.mark.parametrize("forgery", [
    "another secret", "expired", "the anon key", "unsigned", "a garbled token", "no subject", "another audience",
    "another project", "no issuer",
])
def test_a_forged_or_stale_token_is_401(linked, forgery):
    admin = linked["admin@beacon.demo"]
    token = {
        "another secret": lambda: access_token(admin, secret="not-the-project-secret-but-just-as-long-as-it"),
        "expired": lambda: access_token(admin, expires_in=-(supabase_auth.CLOCK_LEEWAY_SECONDS + 60)),
        "the anon key": lambda: jwt.encode(claims_of(None), JWT_SECRET, algorithm="HS256"),
        "unsigned": lambda: jwt.encode(claims_of(admin), None, algorithm="none"),
        "a garbled token": lambda: access_token(admin)[:-6] + "AAAAAA",
        "no subject": lambda: jwt.encode({k: v for k, v in claims_of(admin).items() if k != "sub"}, JWT_SECRET,
                                         algorithm="HS256"),
        "another audience": lambda: access_token(admin, aud="service_role"),
        # Another Supabase project's token, signed with the same (shared, leaked or default) secret.
        "another project": lambda: access_token(admin, iss="https://someoneelse.supabase.co/auth/v1"),
        "no issuer": lambda: jwt.encode({k: v for k, v in claims_of(admin).items() if k != "iss"}, JWT_SECRET,
                                        algorithm="HS256"),
    }[forgery]()
    answer = call_api("POST", FUNCTION, token, json=MAINTENANCE)
    assert answer.status_code == 401, forgery
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert call_api("GET", "/api/v1/system-status", token).status_code == 401


def test_an_expired_token_says_so(linked):
    answer = call_api("GET", "/api/v1/system-status", access_token(linked["admin@beacon.demo"], expires_in=-3600))
    assert answer.json()["error"]["message"] == supabase_auth.EXPIRED


def test_a_token_a_few_seconds_past_expiry_is_taken_for_clock_skew(linked):
    token = access_token(linked["admin@beacon.demo"], expires_in=-(supabase_auth.CLOCK_LEEWAY_SECONDS // 2))
    assert call_api("GET", "/api/v1/system-status", token).status_code == 200


def test_a_supabase_user_linked_to_nobody_is_401(linked):
    answer = call_api("GET", "/api/v1/system-status", access_token(uuid.uuid4()))
    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == supabase_auth.NOT_LINKED


def test_an_unlinked_users_old_token_stops_working(linked):
    token = access_token(linked["sam@acme.demo"])
    assert call_api("GET", "/api/v1/system-status", token).status_code == 200
    link_auth_user(None, "sam@acme.demo", None)
    assert call_api("GET", "/api/v1/system-status", token).status_code == 401


@pytest.mark.parametrize("missing", ["BEACON_SUPABASE_JWT_SECRET", "BEACON_SUPABASE_ISSUER"],
                         ids=["without a configured secret", "without a known issuer"])
def test_supabase_tokens_are_401_unless_both_secret_and_issuer_are_configured(linked, monkeypatch, missing):
    monkeypatch.delenv(missing)
    reset_settings_cache()
    answer = call_api("GET", "/api/v1/system-status", access_token(linked["admin@beacon.demo"]))
    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == supabase_auth.NOT_ACCEPTED


def test_beacons_own_api_tokens_work_beside_them(linked):
    from app.services.tokens import create_token

    _id, secret, _expires = create_token(None, "admin@beacon.demo")
    assert call_api("POST", FUNCTION, secret, json=MAINTENANCE).status_code == 200


def hs256_by_hand(header: dict, claims: dict, key: bytes) -> str:
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signed = f"{part(json.dumps(header).encode())}.{part(json.dumps(claims).encode())}"
    return f"{signed}.{part(hmac.new(key, signed.encode(), hashlib.sha256).digest())}"


# -- Supabase's asymmetric signing keys (JWKS) ---------------------------------------------------

class KeyServer:
    """A Supabase project's /auth/v1/.well-known/jwks.json: its public keys, counting fetches."""

    def __init__(self):
        self.keys: dict[str, ec.EllipticCurvePrivateKey] = {}
        self.fetches = 0
        self.held = threading.Event()  # fetches wait on it while `holding`: a key server that is slow
        self.held.set()
        self.in_flight = threading.Event()  # a fetch has arrived (and may be held)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                server.fetches += 1
                server.in_flight.set()
                server.held.wait(HELD_FETCH_TIMEOUT_S)
                body = json.dumps({"keys": [server.public_jwk(kid) for kid in server.keys]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/auth/v1/.well-known/jwks.json"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def add_key(self) -> str:
        kid = uuid.uuid4().hex
        self.keys[kid] = ec.generate_private_key(ec.SECP256R1())
        return kid

    def public_jwk(self, kid: str) -> dict:
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.keys[kid].public_key()))
        return {**jwk, "kid": kid, "alg": "ES256", "use": "sig", "key_ops": ["verify"]}

    def sign(self, kid: str, auth_user_id: uuid.UUID) -> str:
        return jwt.encode(claims_of(auth_user_id), self.keys[kid], algorithm="ES256", headers={"kid": kid})


@pytest.fixture
def key_server(linked, monkeypatch) -> Iterator[KeyServer]:
    server = KeyServer()
    monkeypatch.delenv("BEACON_SUPABASE_JWT_SECRET")
    monkeypatch.setenv("BEACON_SUPABASE_JWKS_URL", server.url)
    reset_settings_cache()
    yield server
    server.http.shutdown()


def test_a_token_signed_with_the_projects_asymmetric_key_publishes(linked, key_server):
    kid = key_server.add_key()
    answer = call_api("POST", FUNCTION, key_server.sign(kid, linked["admin@beacon.demo"]), json=MAINTENANCE)
    assert answer.status_code == 200, answer.text


def test_the_key_set_is_cached(linked, key_server):
    kid = key_server.add_key()
    for _ in range(5):
        token = key_server.sign(kid, linked["sam@acme.demo"])
        assert call_api("GET", "/api/v1/system-status", token).status_code == 200
    assert key_server.fetches == 1


def test_a_rotated_key_is_fetched_on_its_first_token(linked, key_server):
    first = key_server.add_key()
    assert call_api("GET", "/api/v1/system-status", key_server.sign(first, linked["sam@acme.demo"])).status_code == 200
    supabase_auth.signing_keys(key_server.url).min_refresh_seconds = 0  # the rotation comes later than that
    second = key_server.add_key()
    assert call_api("GET", "/api/v1/system-status", key_server.sign(second, linked["sam@acme.demo"])).status_code == 200
    assert key_server.fetches == 2


def test_a_flood_of_unknown_key_ids_costs_at_most_one_fetch(linked, key_server):
    known = key_server.add_key()
    assert call_api("GET", "/api/v1/system-status", key_server.sign(known, linked["sam@acme.demo"])).status_code == 200
    attacker = ec.generate_private_key(ec.SECP256R1())
    answers = [call_api("GET", "/api/v1/system-status", jwt.encode(
        claims_of(linked["admin@beacon.demo"]), attacker, algorithm="ES256", headers={"kid": uuid.uuid4().hex}))
        for _ in range(30)]
    assert {answer.status_code for answer in answers} == {401}
    assert key_server.fetches <= 2


def test_the_public_key_used_as_an_hs256_secret_is_refused(linked, key_server):
    kid = key_server.add_key()
    public_pem = key_server.keys[kid].public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    forged = hs256_by_hand({"alg": "HS256", "typ": "JWT", "kid": kid}, claims_of(linked["admin@beacon.demo"]),
                           public_pem)  # PyJWT itself refuses to sign with a public key
    assert call_api("POST", FUNCTION, forged, json=MAINTENANCE).status_code == 401


def test_the_issuer_is_taken_from_the_jwks_url(linked, key_server, monkeypatch):
    monkeypatch.delenv("BEACON_SUPABASE_ISSUER")
    reset_settings_cache()
    kid = key_server.add_key()
    project = key_server.url.removesuffix("/.well-known/jwks.json")
    own = jwt.encode({**claims_of(linked["sam@acme.demo"]), "iss": project}, key_server.keys[kid],
                     algorithm="ES256", headers={"kid": kid})
    assert call_api("GET", "/api/v1/system-status", own).status_code == 200
    other = key_server.sign(kid, linked["sam@acme.demo"])  # iss: the CLI's local project, not this one
    assert call_api("GET", "/api/v1/system-status", other).status_code == 401


def test_a_key_set_that_cannot_be_read_is_logged_not_told(linked, monkeypatch, caplog):
    """The attacker sends a token with a key id while the JWKS URL fails: the 401 says nothing of
    the URL, the host or the error; the log does."""
    monkeypatch.delenv("BEACON_SUPABASE_JWT_SECRET")
    monkeypatch.setenv("BEACON_SUPABASE_JWKS_URL", "http://127.0.0.1:9/internal-secret-path/.well-known/jwks.json")
    reset_settings_cache()
    token = jwt.encode(claims_of(linked["admin@beacon.demo"]), ec.generate_private_key(ec.SECP256R1()),
                       algorithm="ES256", headers={"kid": "k1"})
    with caplog.at_level(logging.WARNING, logger="beacon.supabase_auth"):
        answer = call_api("GET", "/api/v1/system-status", token)
    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == supabase_auth.KEYS_UNAVAILABLE
    for leak in ("127.0.0.1", "internal-secret-path", "refused", "Errno", "jwks"):
        assert leak not in answer.text
    assert "internal-secret-path" in caplog.text


def test_a_slow_key_set_fetch_is_single_flight_and_holds_no_lock(key_server):
    """Twenty callers with a rotated key id while the key server is held mid-fetch: one fetch, and
    a caller with a known key is answered meanwhile instead of queueing behind the network."""
    keys = supabase_auth.SigningKeys(key_server.url, min_refresh_seconds=0)
    known = key_server.add_key()
    keys.key_for(known)
    rotated = key_server.add_key()
    key_server.in_flight.clear()
    key_server.held.clear()  # the next fetch hangs until released
    found: list[str] = []
    callers = [threading.Thread(target=lambda: found.append(keys.key_for(rotated).key_id)) for _ in range(20)]
    for caller in callers:
        caller.start()
    assert key_server.in_flight.wait(HELD_FETCH_TIMEOUT_S), "no caller fetched the rotated key"
    answered: list[str] = []
    known_caller = threading.Thread(target=lambda: answered.append(keys.key_for(known).key_id))
    known_caller.start()
    known_caller.join(HELD_FETCH_TIMEOUT_S)  # returns at once unless it waits behind the held fetch
    still_held = not key_server.held.is_set()
    key_server.held.set()
    for caller in callers:
        caller.join()
    assert still_held and answered == [known], "the known key waited for the held fetch"
    assert found == [rotated] * 20
    assert key_server.fetches == 2
