"""Every API error is JSON: {"error": {"status", "message", "fields"?}}."""

from starlette.requests import Request
from starlette.responses import JSONResponse

from app.rules.errors import InvalidInput, ServiceError


def error_response(status: int, message: str, fields: dict[str, str] | None = None) -> JSONResponse:
    body: dict = {"error": {"status": status, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def service_error_response(error: ServiceError) -> JSONResponse:
    fields = error.fields if isinstance(error, InvalidInput) else None
    return error_response(error.http_status, error.message, fields)


async def handle_service_error(_request: Request, error: Exception) -> JSONResponse:
    """Starlette's exception handler: whatever a service refuses, the API answers as JSON."""
    assert isinstance(error, ServiceError)  # the one exception it is registered for (Starlette types any)
    return service_error_response(error)


EXCEPTION_HANDLERS = {ServiceError: handle_service_error}
