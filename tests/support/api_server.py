"""The HTTP API as the backend serves it (the browser edge around the API's Starlette app), for
`python -m granian --interface asgi tests.support.api_server:app`: attacks that need a real
socket (a body trickled in, a Content-Length that lies) without building the whole Reflex app."""

from app.api.routes import api
from app.web.edge import browser_edge

app = browser_edge(api)
