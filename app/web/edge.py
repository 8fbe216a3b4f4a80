"""The edge between browsers and Beacon: what wraps the API and Reflex's backend (app/app.py's
api_transformer, and tests/support/api_server.py the same), outermost first:

1. add_security_headers (app/web/headers.py): every answer carries them, a refusal's included;
2. refuse_foreign_origin (app/web/origin.py): the websocket and POST /auth/* only from Beacon's
   own page;
3. protect_session_cookie (app/web/session.py): the one session cookie becomes its key, before
   anything beneath reads a header.
"""

from __future__ import annotations

from app.web.headers import add_security_headers
from app.web.origin import refuse_foreign_origin
from app.web.session import ASGIApp, protect_session_cookie


def browser_edge(app: ASGIApp) -> ASGIApp:
    return add_security_headers(refuse_foreign_origin(protect_session_cookie(app)))
