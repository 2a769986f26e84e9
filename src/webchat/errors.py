"""The error object of CONTRACT §3, shared by HTTP responses and socket acks."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error a client may see: a code from CONTRACT §3, an HTTP status, a sentence."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message)


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def invalid_request(message: str) -> ApiError:
    return ApiError(400, "invalid_request", message)


def invalid_field(message: str) -> ApiError:
    """A well-formed body with a value the server cannot accept (names the field)."""
    return ApiError(422, "invalid_request", message)


def conflict(message: str) -> ApiError:
    return ApiError(409, "conflict", message)


def invalid_api_key(message: str = "Missing, unknown or revoked API key.") -> ApiError:
    return ApiError(401, "invalid_api_key", message)


def invalid_token(message: str = "Missing, invalid or expired token.") -> ApiError:
    return ApiError(401, "invalid_token", message)


def forbidden(message: str = "This credential may not do that.") -> ApiError:
    return ApiError(403, "forbidden", message)


def not_found(message: str = "Not found.") -> ApiError:
    return ApiError(404, "not_found", message)


def unavailable(dependency: str) -> ApiError:
    return ApiError(503, "unavailable", f"{dependency} is unavailable; nothing was written.")
