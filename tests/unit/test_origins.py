"""Web origins as Beacon compares them (app/rules/origins.py) and the BEACON_PUBLIC_ORIGIN setting."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.config import Settings
from app.rules.origins import normalized_origin, websocket_origin


@pytest.mark.parametrize("text,origin", [
    ("https://beacon.example.com", "https://beacon.example.com"),
    ("HTTPS://Beacon.Example.com:443", "https://beacon.example.com"),
    ("http://localhost:3000", "http://localhost:3000"),
    ("http://localhost:80", "http://localhost"),
    ("https://beacon.example.com/", "https://beacon.example.com"),
    ("http://[::1]:3000", "http://[::1]:3000"),
])
def test_an_origin_is_compared_lower_case_without_its_default_port(text, origin):
    assert normalized_origin(text) == origin


@pytest.mark.parametrize("text", [
    "", "null", "beacon.example.com", "ftp://beacon.example.com", "https://beacon.example.com/app",
    "https://beacon.example.com?x=1", "https://user@beacon.example.com", "https://beacon.example.com:99999",
    "http://evil.example;script-src *", "http://a b",
])
def test_anything_but_an_http_origin_is_none(text):
    assert normalized_origin(text) is None


def test_the_websocket_of_a_page_origin_keeps_its_host_and_tls():
    assert websocket_origin("https://beacon.example.com") == "wss://beacon.example.com"
    assert websocket_origin("http://localhost:3000") == "ws://localhost:3000"


def test_the_public_origin_setting_is_normalized_or_refused():
    assert Settings(public_origin="HTTPS://Beacon.Example.com/").public_origin == "https://beacon.example.com"
    assert Settings(public_origin="https://beacon.example.com").cors_allowed_origins == ["https://beacon.example.com"]
    assert Settings(public_origin="").cors_allowed_origins == []
    with pytest.raises(ValidationError):
        Settings(public_origin="https://beacon.example.com/console")
