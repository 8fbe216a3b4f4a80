"""Errors a service raises; each entry point turns them into its own form (HTTP status, form
message next to a field, one CLI line)."""

from __future__ import annotations


class ServiceError(Exception):
    http_status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAuthenticated(ServiceError):
    http_status = 401


class Forbidden(ServiceError):
    http_status = 403


class NotFound(ServiceError):
    http_status = 404


class InvalidInput(ServiceError):
    """Bad input; `fields` maps each offending field to what is wrong with it."""

    http_status = 422

    def __init__(self, fields: dict[str, str]):
        self.fields = dict(fields)
        super().__init__("; ".join(f"{name}: {problem}" for name, problem in self.fields.items()))


class Conflict(ServiceError):
    http_status = 409
