"""`/openapi.json` says what the server does: each route's credentials, and the §3 error
body (never FastAPI's default 422 body) for every error status."""

from __future__ import annotations

import json

import httpx

from webchat.schemas import SessionRequest

OPEN = {("get", "/healthz"), ("get", "/readyz"), ("post", "/api/agent/login")}


async def _document(client: httpx.AsyncClient) -> dict:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


async def test_no_fastapi_validation_body_is_documented(embedded_client: httpx.AsyncClient) -> None:
    document = await _document(embedded_client)
    assert "HTTPValidationError" not in json.dumps(document)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status[0] in "45":
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (
                        method,
                        path,
                        status,
                    )


async def test_every_route_names_its_credentials(embedded_client: httpx.AsyncClient) -> None:
    document = await _document(embedded_client)
    schemes = document["components"]["securitySchemes"]
    assert set(schemes) == {"publicKey", "secretKey", "agentToken", "visitorToken"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if (method, path) in OPEN:
                assert "security" not in operation, (method, path)
                continue
            assert operation.get("security"), f"{method.upper()} {path} names no credential"
            if path.startswith("/webchat/"):
                assert all("publicKey" in option for option in operation["security"])
            if path == "/api/chat/messages":
                assert {"publicKey": [], "visitorToken": []} in operation["security"]
    keys = document["paths"]["/api/keys"]["get"]["security"]
    assert keys == [{"secretKey": []}, {"agentToken": ["admin"]}]


async def test_request_patterns_are_declared(embedded_client: httpx.AsyncClient) -> None:
    document = await _document(embedded_client)
    session = document["components"]["schemas"]["SessionRequest"]["properties"]
    assert session["sessionId"]["pattern"].startswith("^[0-9a-f]{8}-")
    assert session["fingerprint"]["pattern"] == "^[A-Za-z0-9_-]{8,128}$"
    # The model's own schema (used by the docs) says the same.
    assert (
        SessionRequest.model_json_schema()["properties"]["fingerprint"]["pattern"]
        == (session["fingerprint"]["pattern"])
    )
    history = document["paths"]["/api/chat/messages"]["get"]["parameters"]
    assert {p["name"]: p["schema"].get("pattern") for p in history}["before"] == (
        "^[0-9A-HJKMNP-TV-Z]{26}$"
    )
