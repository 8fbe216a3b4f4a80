"""The API's Starlette app; Reflex mounts its own backend beneath it (api_transformer)."""

from starlette.applications import Starlette
from starlette.routing import Route

from app.api.health import get_health
from app.api.system_status import get_system_status, post_system_status


api = Starlette(
    routes=[
        Route("/api/v1/system-status", get_system_status, methods=["GET"]),
        Route("/api/v1/system-status", post_system_status, methods=["POST"]),
        Route("/api/v1/health", get_health, methods=["GET"]),
    ],
)
