"""Turning any failure into the error object of CONTRACT §3, for HTTP and sockets alike."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from webchat.db import DatabaseUnavailable
from webchat.errors import ApiError, invalid_request, unavailable
from webchat.store import StoreUnavailable

log = logging.getLogger("webchat")


def describe_validation_errors(errors: Sequence[Any]) -> str:
    """`where: what` for the first of pydantic's (or FastAPI's) validation errors."""
    first = errors[0] if errors else {}
    if first.get("type") == "json_invalid":
        return "body: The body is not valid JSON."
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body") or "body"
    message = str(first.get("msg", "invalid request")).removeprefix("Value error, ")
    return f"{where}: {message}"


def as_api_error(exc: BaseException) -> ApiError:
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, ValidationError):
        return ApiError(422, "invalid_request", describe_validation_errors(exc.errors()))
    if isinstance(exc, DatabaseUnavailable):
        return unavailable("The database")
    if isinstance(exc, StoreUnavailable):
        return unavailable("Redis")
    if isinstance(exc, (ValueError, TypeError, UnicodeError)):
        return invalid_request("The request could not be read.")
    log.error("unexpected fault", exc_info=exc)
    return ApiError(500, "internal_error", "Something went wrong on our side.")
