"""`webchat.faults.as_api_error` and the error object of CONTRACT §3."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from webchat.db import DatabaseUnavailable
from webchat.errors import ApiError, error_body, forbidden, invalid_api_key, unavailable
from webchat.faults import as_api_error
from webchat.schemas import MessageRequest
from webchat.store import StoreUnavailable


def validation_error() -> ValidationError:
    try:
        MessageRequest.model_validate(
            {
                "sessionId": "6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b",
                "fingerprint": "fp_abcdef",
                "text": " ",
            }
        )
    except ValidationError as exc:
        return exc
    raise AssertionError("expected a validation error")


def test_api_error_passes_through_unchanged() -> None:
    error = forbidden("nope")
    assert as_api_error(error) is error
    assert error.body() == {"error": {"code": "forbidden", "message": "nope"}}


def test_validation_error_becomes_422_invalid_request_naming_the_field() -> None:
    error = as_api_error(validation_error())
    assert (error.status, error.code) == (422, "invalid_request")
    assert error.message.startswith("text: ")
    assert "Value error" not in error.message


@pytest.mark.parametrize(
    ("exc", "dependency"),
    [(DatabaseUnavailable("connection refused"), "database"), (StoreUnavailable("boom"), "Redis")],
)
def test_dependency_down_becomes_503_unavailable(exc: Exception, dependency: str) -> None:
    error = as_api_error(exc)
    assert (error.status, error.code) == (503, "unavailable")
    assert dependency in error.message
    # The driver's text (hosts, ports, SQL) stays in the logs.
    assert "refused" not in error.message and "boom" not in error.message


@pytest.mark.parametrize(
    "exc", [ValueError("x"), TypeError("y"), UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad")]
)
def test_unreadable_input_becomes_400(exc: Exception) -> None:
    error = as_api_error(exc)
    assert (error.status, error.code) == (400, "invalid_request")


def test_anything_else_is_500_without_details(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="webchat"):
        error = as_api_error(RuntimeError("secret internals at /srv/x.py"))
    assert (error.status, error.code) == (500, "internal_error")
    assert "secret internals" not in error.message
    assert any(record.exc_info for record in caplog.records)


def test_error_helpers() -> None:
    assert error_body("x", "y") == {"error": {"code": "x", "message": "y"}}
    assert (invalid_api_key().status, invalid_api_key().code) == (401, "invalid_api_key")
    assert unavailable("Redis").status == 503
    limited = ApiError(429, "rate_limited", "slow", headers={"Retry-After": "3"})
    assert limited.headers == {"Retry-After": "3"}
