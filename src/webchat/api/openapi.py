"""What the OpenAPI document says a route may answer besides success: the error object
of CONTRACT §3, with the statuses the gateway and handlers actually use, so a fuzzer
(schemathesis) can hold the server to it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


_MEANINGS = {
    400: "Malformed request",
    401: "Missing, unknown or revoked credential",
    403: "The credential may not do this (wrong kind, origin, role, session binding)",
    404: "Not found in this tenant",
    409: "Conflicts with what exists",
    413: "Body too large",
    415: "The file's type (detected from its bytes) is not accepted",
    422: "A field is invalid (the message names it)",
    429: "Rate limited (see Retry-After)",
    503: "A dependency is down; nothing was written",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody, "description": _MEANINGS[status]} for status in statuses}


# Every authenticated route can meet these, whatever it does.
COMMON = (400, 401, 403, 413, 422, 429, 503)
