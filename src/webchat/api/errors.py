"""Exception handlers: every failure leaves as the error object of CONTRACT §3."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from webchat.db import DatabaseUnavailable
from webchat.errors import ApiError
from webchat.faults import as_api_error, describe_validation_errors
from webchat.store import StoreUnavailable

HTTP_CODES = {
    400: "invalid_request",
    401: "invalid_token",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "invalid_request",
    422: "invalid_request",
    429: "rate_limited",
}


def error_response(error: ApiError, request: Request) -> JSONResponse:
    services = getattr(request.app.state, "services", None)
    if services is not None:
        services.metrics.errors.labels(error.code).inc()
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


def install_error_handlers(app: FastAPI) -> None:
    async def on_api_error(request: Request, exc: Exception) -> JSONResponse:
        return error_response(as_api_error(exc), request)

    async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        message = describe_validation_errors(exc.errors())
        return error_response(ApiError(422, "invalid_request", message), request)

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        code = HTTP_CODES.get(exc.status_code, "invalid_request")
        message = "Not found." if exc.status_code == 404 else str(exc.detail)
        headers = dict(exc.headers or {})
        return error_response(ApiError(exc.status_code, code, message, headers), request)

    for expected in (ApiError, ValidationError, DatabaseUnavailable, StoreUnavailable):
        app.add_exception_handler(expected, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(Exception, on_api_error)
