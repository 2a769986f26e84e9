"""CONTRACT §3: every malformed body, query or header gets the error object with the
right code, never a 500 or a stack trace; nothing half-written.

(Every response of the whole suite is also checked by the strict client's hook.)
"""

from __future__ import annotations

import pytest

from support import contract
from support.clients import Visitor, http_client
from support.flows import TenantChat
from support.server import WebchatProcess


def valid_body(chat: TenantChat, visitor: Visitor, **extra) -> dict:
    return {**visitor.identity(chat.tenant), "text": "hello", **extra}


BAD_FIELDS = [
    pytest.param({"sessionId": None}, id="sessionId-null"),
    pytest.param({"sessionId": "not-a-uuid"}, id="sessionId-not-uuid"),
    pytest.param({"sessionId": 12}, id="sessionId-number"),
    pytest.param({"sessionId": ""}, id="sessionId-empty"),
    pytest.param({"fingerprint": None}, id="fingerprint-null"),
    pytest.param({"fingerprint": "1234567"}, id="fingerprint-7-chars"),
    pytest.param({"fingerprint": "f" * 129}, id="fingerprint-129-chars"),
    pytest.param({"fingerprint": "bad fingerprint!"}, id="fingerprint-bad-chars"),
    pytest.param({"fingerprint": ["a" * 10]}, id="fingerprint-list"),
    pytest.param({"userInfo": "Ada"}, id="userInfo-string"),
    pytest.param({"userInfo": [1, 2]}, id="userInfo-list"),
    pytest.param({"userInfo": {f"k{i}": "v" for i in range(21)}}, id="userInfo-21-keys"),
    pytest.param({"userInfo": {"name": "n" * 257}}, id="userInfo-long-value"),
    pytest.param({"userInfo": {"age": 42}}, id="userInfo-number-value"),
    pytest.param({"userInfo": {"a": {"b": "c"}}}, id="userInfo-nested"),
    pytest.param({"clientMessageId": "not-a-uuid"}, id="clientMessageId-not-uuid"),
    pytest.param({"clientMessageId": 5}, id="clientMessageId-number"),
    pytest.param({"text": None}, id="text-null"),
    pytest.param({"text": 42}, id="text-number"),
    pytest.param({"text": ["hi"]}, id="text-list"),
    pytest.param({"userId": 5, "userHash": "00"}, id="userId-number"),
    pytest.param({"userId": "u\u0000ser", "userHash": "00"}, id="userId-control-char"),
]


@pytest.mark.parametrize("change", BAD_FIELDS)
async def test_bad_fields_on_visitor_routes(chat: TenantChat, change: dict) -> None:
    visitor = Visitor()
    body = valid_body(chat, visitor)
    for key, value in change.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    for path in ("/webchat/message", "/webchat/session"):
        if path == "/webchat/session" and set(change) <= {"text", "clientMessageId"}:
            continue  # not fields of the session route
        response = await chat.public.post(path, json=body)
        contract.expect_error(response, {400, 422}, "invalid_request")
    # Nothing half-written: a refused request did not bind the session to its fingerprint.
    if "sessionId" in change or "fingerprint" in change:
        return
    stranger = Visitor(session_id=visitor.session_id)
    response = await chat.public.post("/webchat/session", json=stranger.identity(chat.tenant))
    contract.expect_status(response, 200)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        pytest.param(b"{not json", "application/json", id="broken-json"),
        pytest.param(b"", "application/json", id="empty"),
        pytest.param(b"[]", "application/json", id="array"),
        pytest.param(b'"text"', "application/json", id="string"),
        pytest.param(b"null", "application/json", id="null"),
        pytest.param(b"\xff\xfe\x00garbage", "application/json", id="not-utf8"),
        pytest.param(b"sessionId=x&text=y", "application/x-www-form-urlencoded", id="form"),
        pytest.param(b'{"text": "hi"' + b"}" * 3, "application/json", id="trailing-garbage"),
        pytest.param(b"[" * 5000 + b"]" * 5000, "application/json", id="deep-nesting"),
    ],
)
async def test_malformed_bodies(chat: TenantChat, content: bytes, content_type: str) -> None:
    for path in ("/webchat/message", "/webchat/session", "/api/agent/login"):
        response = await chat.public.post(
            path, content=content, headers={"Content-Type": content_type}
        )
        contract.expect_error(
            response, {400, 415, 422}, {"invalid_request", "unsupported_media_type"}
        )


async def test_oversized_body_is_413(chat: TenantChat) -> None:
    visitor = Visitor()
    huge = valid_body(chat, visitor, text="x" * (5 * 1024 * 1024))
    response = await chat.public.post("/webchat/message", json=huge)
    contract.expect_error(response, 413, "payload_too_large")
    response = await chat.secret.post(
        "/api/conversations/whatever/messages", json={"text": "y" * (5 * 1024 * 1024)}
    )
    contract.expect_error(response, {413, 404}, {"payload_too_large", "not_found"})


async def test_unknown_routes_and_methods(server: WebchatProcess) -> None:
    async with http_client(server) as http:
        response = await http.get("/no/such/route")
        contract.expect_error(response, 404, "not_found")
        response = await http.get("/api/../../etc/passwd")
        assert response.status_code in (404, 400), response.status_code
        response = await http.delete("/webchat/message")
        assert response.status_code in (404, 405), response.status_code  # body checked by hook
        response = await http.get("/webchat/session")
        assert response.status_code in (404, 405), response.status_code
        response = await http.post("/healthz")
        assert response.status_code in (404, 405), response.status_code


async def test_weird_headers_do_not_break_anything(chat: TenantChat) -> None:
    visitor = Visitor()
    body = valid_body(chat, visitor)
    for headers in (
        {"Authorization": "Bearer " + "x" * 10000},
        {"Authorization": "Bearer pk_\u00e9\u00e9\u00e9".encode()},
        {"Origin": "x" * 5000},
        {"X-Session-Token": "a.b.c"},
        {"Content-Type": "application/json; charset=utf-16"},
    ):
        async with http_client(chat.server, headers=headers) as http:
            response = await http.post("/webchat/message", json=body)
            assert response.status_code < 500 or response.status_code == 503


async def test_lone_surrogate_and_nul_in_text(chat: TenantChat) -> None:
    visitor = Visitor()
    prefix = (
        f'{{"sessionId": "{visitor.session_id}", "fingerprint": "{visitor.fingerprint}", "text": '
    ).encode()
    for raw_text in (b'"\\ud800 broken"', b'"nul \\u0000 inside"'):
        response = await chat.public.post(
            "/webchat/message",
            content=prefix + raw_text + b"}",
            headers={"Content-Type": "application/json"},
        )
        if response.status_code != 201:
            contract.expect_error(response, {400, 422}, "invalid_request")


async def test_bad_query_strings(chat: TenantChat) -> None:
    for params in (
        {"limit": "1e9"},
        {"limit": "999999999999999999999999"},
        {"before": "' OR 1=1 --"},
        {"sessionId": "%00"},
        {"status": "x" * 10000},
    ):
        response = await chat.secret.get("/api/chat/messages", params=params)
        assert response.status_code in (400, 403, 404, 422), response.text
        response = await chat.secret.get("/api/conversations", params=params)
        assert response.status_code in (200, 400, 422), response.text


async def test_wrong_json_types_on_agent_routes(chat: TenantChat) -> None:
    sent = await chat.send(Visitor(), "x")
    conversation_id = sent["message"]["conversationId"]
    for body in (None, [], "text", {"text": {"nested": 1}}):
        response = await chat.secret.post(
            f"/api/conversations/{conversation_id}/messages", json=body
        )
        contract.expect_error(response, {400, 422}, "invalid_request")
        response = await chat.secret.patch(f"/api/conversations/{conversation_id}", json=body)
        contract.expect_error(response, {400, 422}, "invalid_request")
