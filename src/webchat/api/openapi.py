"""What the OpenAPI document says a route may answer besides success: the error object
of CONTRACT §3, with the statuses the gateway and handlers actually use, so a fuzzer
(schemathesis) can hold the server to it."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from webchat.api import deps


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


# How callers authenticate (CONTRACT §2). The three bearer schemes share one header; they
# differ in what the credential is, and a route names those it takes.
SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "publicKey": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "pk_…",
        "description": "The tenant's public key (the widget's). When the tenant lists "
        "allowed origins, the request's Origin must be one of them (403 forbidden_origin).",
    },
    "secretKey": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "sk_…",
        "description": "The tenant's secret key, for its own servers.",
    },
    "agentToken": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An agent token from POST /api/agent/login; `admin` routes need an "
        "agent of role admin.",
    },
    "visitorToken": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Session-Token",
        "description": "The visitor token of POST /webchat/session, beside the public key.",
    },
}
STAFF: list[dict[str, list[str]]] = [{"secretKey": []}, {"agentToken": []}]
ADMIN: list[dict[str, list[str]]] = [{"secretKey": []}, {"agentToken": ["admin"]}]
PUBLIC: list[dict[str, list[str]]] = [{"publicKey": []}]
PUBLIC_OR_VISITOR: list[dict[str, list[str]]] = [
    {"publicKey": [], "visitorToken": []},
    {"publicKey": []},
]
ANY_PRINCIPAL: list[dict[str, list[str]]] = [
    {"publicKey": [], "visitorToken": []},
    *STAFF,
]
# FastAPI's own 422 body, which the server never sends (its 422 is the §3 object).
FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def _calls(dependant: Dependant) -> set[Callable[..., Any]]:
    found: set[Callable[..., Any]] = set()
    for sub in dependant.dependencies:
        if sub.call is not None:
            found.add(sub.call)
        found |= _calls(sub)
    return found


def _security(route: APIRoute) -> list[dict[str, list[str]]] | None:
    calls = _calls(route.dependant)
    if deps.get_admin_principal in calls:
        return ADMIN
    if deps.get_staff_principal in calls:
        return STAFF
    if deps.get_public_key_principal in calls:
        takes_token = any(p.alias == "x-session-token" for p in route.dependant.header_params)
        return PUBLIC_OR_VISITOR if takes_token else PUBLIC
    if deps.get_principal in calls:
        return ANY_PRINCIPAL
    return None


def install_openapi(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """`/openapi.json` as the server really behaves: each route's credentials (from the
    dependency that checks them), and the §3 error body for every error status: FastAPI's
    default 422 body never leaves this server."""
    generate = app.openapi
    document: dict[str, Any] | None = None

    def openapi() -> dict[str, Any]:
        nonlocal document
        if document is not None:
            return document
        document = copy.deepcopy(generate())
        components = document.setdefault("components", {})
        components["securitySchemes"] = SECURITY_SCHEMES
        for name in FASTAPI_VALIDATION_SCHEMAS:
            components.get("schemas", {}).pop(name, None)
        error_body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
        for route in (r for router in routers for r in router.routes):
            if not isinstance(route, APIRoute) or not route.include_in_schema:
                continue
            security = _security(route)
            for method in route.methods or ():
                operation = document["paths"].get(route.path_format, {}).get(method.lower())
                if operation is None:
                    continue
                if security is not None:
                    # A route's own `openapi_extra` may narrow it (an agent-only route).
                    operation.setdefault("security", security)
                for status, response in operation.get("responses", {}).items():
                    if status[0] in "45":
                        response["content"] = error_body
        return document

    app.openapi = openapi  # type: ignore[method-assign]
