"""The API's Starlette app; Reflex mounts its own backend beneath it (api_transformer), and
protect_session_cookie wraps both (app.py): every request's session cookie becomes its key."""

from starlette.applications import Starlette
from starlette.routing import Route

from app.api.auth import sign_in, sign_out
from app.api.errors import EXCEPTION_HANDLERS
from app.api.health import get_health
from app.api.maintenance import cancel_window, change_window, create_window, list_windows, publish_bulk
from app.api.metrics import get_metrics
from app.api.system_status import get_system_status, post_system_status

SUPABASE_FUNCTIONS_PREFIX = "/functions/v1"  # where supabase-py and supabase-js invoke functions


api = Starlette(
    routes=[
        Route("/api/v1/system-status", get_system_status, methods=["GET"]),
        Route("/api/v1/system-status", post_system_status, methods=["POST"]),
        # The original design's Edge Function, for supabase-py/supabase-js `functions.invoke`:
        # the same body, rules and answers as POST /api/v1/system-status.
        Route(f"{SUPABASE_FUNCTIONS_PREFIX}/set-system-status", post_system_status, methods=["POST"]),
        Route("/api/v1/system-status/bulk", publish_bulk, methods=["POST"]),
        Route("/api/v1/maintenance-windows", list_windows, methods=["GET"]),
        Route("/api/v1/maintenance-windows", create_window, methods=["POST"]),
        Route("/api/v1/maintenance-windows/{window_id}", change_window, methods=["PATCH"]),
        Route("/api/v1/maintenance-windows/{window_id}", cancel_window, methods=["DELETE"]),
        Route("/api/v1/health", get_health, methods=["GET"]),
        # Prometheus's usual path, beside the health answer (app/api/metrics.py).
        Route("/metrics", get_metrics, methods=["GET"]),
        Route("/auth/sign-in", sign_in, methods=["POST"]),
        Route("/auth/sign-out", sign_out, methods=["POST"]),
    ],
    exception_handlers=EXCEPTION_HANDLERS,
)
