"""How Beacon keeps a secret it hands out (a session token, an API token): only its digest."""

import hashlib


def token_digest(token: str) -> str:
    """SHA-256 of the token: a leaked table signs nobody in, and the digest is what a session's
    key is (app/web/session.py), so the backend can look a session up without the token."""
    return hashlib.sha256(token.encode()).hexdigest()
