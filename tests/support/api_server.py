"""The HTTP API as the backend serves it (the session-cookie edge around the API's Starlette app),
for `python -m granian --interface asgi tests.support.api_server:app`: attacks that need a real
socket (a body trickled in, a Content-Length that lies) without building the whole Reflex app."""

from app.api.routes import api
from app.web_session import protect_session_cookie

app = protect_session_cookie(api)
