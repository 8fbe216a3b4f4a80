"""Request bodies: JSON objects read into pydantic models (unknown fields refused, no coercion),
every problem a 422 naming its field in Beacon's own words (never echoing what was sent).

A body is streamed, never read whole first: more than MAX_BODY_BYTES (a Content-Length that says
so, or the bytes as they arrive) is a 413 before the rest is read; JSON nested deeper than the
parser can follow is a 400, never a 500."""

from __future__ import annotations

import json
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails
from starlette.requests import Request

from app.rules.errors import InvalidInput, ServiceError
from app.rules.text import HOSTILE_TEXT, has_hostile_text

MAX_BODY_BYTES = 64 * 1024  # PRODUCT.md's contract; Beacon's largest body (a bulk publish) is ~2 KB
CLIENT_ID_MAX_DIGITS = 40  # any well-formed number a prober tries; longer is not an id at all
CLIENT_ID_HINT = "Give a client id (an integer), or null for all clients."

# What each kind of pydantic error says, in words that never repeat the input.
_PROBLEMS = {
    "extra_forbidden": "Unknown field.",
    "string_type": "Must be a string.",
    "list_type": "Must be a list.",
    "missing": "Required.",
}


class BadBody(ServiceError):
    """Not a JSON object at all: there is no field to name."""

    http_status = 422


class BodyTooLarge(ServiceError):
    http_status = 413


class TooDeep(ServiceError):
    """JSON nested deeper than the parser follows: a request no client makes (400)."""

    http_status = 400


TOO_LARGE = f"The body is larger than {MAX_BODY_BYTES // 1024} KB."


class RequestBody(BaseModel):
    """A JSON request body. `required` words what a missing field should have been."""

    model_config = ConfigDict(extra="forbid", strict=True)
    required: ClassVar[dict[str, str]] = {}


Body = TypeVar("Body", bound=RequestBody)


def client_id_param(raw: Any, field: str) -> int | None:
    """A client id as sent: an integer (or its digits), or null/""/"all" for all clients.

    A well-formed id no client has (a huge number too) goes on to the service, which answers it
    as it answers another tenant's: an id is never judged here by whether it exists."""
    if raw is None or raw == "" or raw == "all":
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, str)) or (isinstance(raw, str) and not (
            0 < len(raw.strip()) <= CLIENT_ID_MAX_DIGITS and raw.strip().isascii() and raw.strip().isdigit())):
        raise InvalidInput({field: CLIENT_ID_HINT})
    return int(raw)


def _problem(model: type[RequestBody], error: ErrorDetails) -> tuple[str, str]:
    field = str(error["loc"][0]) if error["loc"] else "body"
    if error["type"] == "missing" and field in model.required:
        return field, model.required[field]
    return field, _PROBLEMS.get(error["type"], "Not a valid value.")


def _hostile_fields(data: dict[str, Any]) -> dict[str, str]:
    """Each top-level field holding, anywhere in its value, a string no field accepts (NUL,
    another control character, a lone surrogate: app/rules/text.py), before pydantic or a
    service reads it. Tabs and line breaks pass here; each service judges them per field. A
    field whose very name is such a string is reported as "body" (it is never repeated back)."""
    problems: dict[str, str] = {}
    for name, value in data.items():
        if has_hostile_text(name):
            problems["body"] = HOSTILE_TEXT
        elif has_hostile_text(value):
            problems[name] = HOSTILE_TEXT
    return problems


def parse_body(model: type[Body], data: Any) -> Body:
    if not isinstance(data, dict):
        raise BadBody("The body must be a JSON object.")
    hostile = _hostile_fields(data)
    if hostile:
        raise InvalidInput(hostile)
    try:
        return model.model_validate(data)
    except ValidationError as invalid:
        problems: dict[str, str] = {}
        for error in invalid.errors():
            field, problem = _problem(model, error)
            problems.setdefault(field, problem)
        raise InvalidInput(problems) from None


async def capped_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw body, at most `limit` bytes: BodyTooLarge (413) as soon as the Content-Length or
    the bytes received say it is more, without reading the rest (the server then closes the
    connection instead of draining it)."""
    declared = request.headers.get("content-length", "").strip()
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(TOO_LARGE)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(TOO_LARGE)
    return bytes(body)


def parse_json(raw: bytes) -> Any:
    """JSON from a body: 422 when it is not JSON (as before), 400 when it is nested deeper than
    the parser follows (json.loads raises RecursionError past ~1,000 levels; 65,000 '[' fit in 64 KB)."""
    try:
        return json.loads(raw or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadBody("The body must be JSON.") from None
    except RecursionError:
        raise TooDeep("The body's JSON is nested too deeply.") from None


async def read_body(request: Request, model: type[Body]) -> Body:
    """The request's JSON object as `model`: 413, 400 or 422 when it is not one.

    Endpoints that only some callers may use check the caller first (no body is read for one
    who may not write)."""
    return parse_body(model, parse_json(await capped_body(request)))
