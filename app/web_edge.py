"""The edge between browsers and Beacon: what wraps the API and Reflex's backend (app/app.py's
api_transformer, and tests/support/api_server.py the same), outermost first:

1. refuse_foreign_origin (app/web_origin.py): the websocket and POST /auth/* only from Beacon's
   own page;
2. protect_session_cookie (app/web_session.py): the one session cookie becomes its key, before
   anything beneath reads a header.
"""

from __future__ import annotations

from app.web_origin import refuse_foreign_origin
from app.web_session import ASGIApp, protect_session_cookie


def browser_edge(app: ASGIApp) -> ASGIApp:
    return refuse_foreign_origin(protect_session_cookie(app))
