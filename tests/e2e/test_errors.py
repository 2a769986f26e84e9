"""CONTRACT §3: every malformed body, query or header gets the error object with the
right code, never a 500 or a stack trace; nothing half-written.

(Every response of the whole suite is also checked by the strict client's hook.)
"""

from __future__ import annotations

import json
import random
import uuid

import pytest

from support import contract
from support.clients import Visitor, http_client
from support.flows import Sockets, TenantChat
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
    # Python's `$` matches before a final newline: patterns must be matched whole.
    pytest.param({"fingerprint": "abcdefgh\n"}, id="fingerprint-trailing-newline"),
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


async def test_ids_with_a_trailing_newline_are_refused(chat: TenantChat) -> None:
    """`^…$` patterns matched with `re.match` let "<id>\n" through; found while writing
    those patterns into /openapi.json for the fuzzer (tests/e2e/test_fuzz_openapi.py)."""
    ulid = "01J" + "A" * 23
    response = await chat.secret.get("/api/chat/messages", params={"before": ulid + "\n"})
    contract.expect_error(response, 400, "invalid_request")
    response = await chat.secret.post(
        "/api/canned-responses", json={"shortcut": "hello\n", "text": "Hello!"}
    )
    contract.expect_error(response, 422, "invalid_request")


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


FIELD_NAMES = [
    "sessionId",
    "fingerprint",
    "text",
    "clientMessageId",
    "userId",
    "userInfo",
    "userHash",
    "tenantId",
    "email",
    "password",
    "status",
    "conversationId",
    "after",
    "isTyping",
    "lastMessageId",
    "__proto__",
    "",
]


ALPHABET = "aZ09-_ \t\n<>\"'\\/{}%\u00e9\u4e2d\U0001f600\u0000\u202e"


def random_json(rng: random.Random, depth: int = 0, surrogates: bool = True):
    kinds = ["null", "bool", "int", "float", "str", "uuid"]
    if depth < 3:
        kinds += ["list", "dict", "dict"]
    kind = rng.choice(kinds)
    if kind == "null":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "int":
        return rng.choice([0, -1, 1, 2**31, 2**64, -(2**70), rng.randint(-1000, 1000)])
    if kind == "float":
        return rng.choice([0.5, -1e308, 1e308, float("nan"), float("inf")])
    if kind == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128)))
    if kind == "str":
        alphabet = ALPHABET + ("\ud800" if surrogates else "")
        return "".join(rng.choice(alphabet) for _ in range(rng.choice([0, 1, 8, 40, 300])))
    if kind == "list":
        return [random_json(rng, depth + 1, surrogates) for _ in range(rng.randint(0, 4))]
    return {
        rng.choice(FIELD_NAMES): random_json(rng, depth + 1, surrogates)
        for _ in range(rng.randint(0, 6))
    }


def mutate(rng: random.Random, body: dict, surrogates: bool = True) -> object:
    roll = rng.random()
    if roll < 0.15:
        return random_json(rng, 0, surrogates)
    out = dict(body)
    for _ in range(rng.randint(1, 3)):
        action = rng.random()
        field = rng.choice(FIELD_NAMES)
        if action < 0.6:
            out[field] = random_json(rng, 0, surrogates)
        elif out:
            out.pop(rng.choice(list(out)))
    return out


def encode(value: object) -> bytes:
    # allow_nan and surrogates on purpose: NaN and lone surrogates are invalid JSON/UTF-8.
    return json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")


async def test_fuzzed_bodies_never_get_a_500(chat: TenantChat) -> None:
    rng = random.Random(20261124)
    visitor = Visitor()
    sent = await chat.send(visitor, "seed")
    conversation_id = sent["message"]["conversationId"]
    routes = [
        (chat.public, "POST", "/webchat/message", valid_body(chat, visitor)),
        (chat.public, "POST", "/webchat/session", visitor.identity(chat.tenant)),
        (
            chat.anonymous,
            "POST",
            "/api/agent/login",
            {"tenantId": chat.tenant.tenant_id, "email": "a@b.example", "password": "x"},
        ),
        (chat.secret, "POST", f"/api/conversations/{conversation_id}/messages", {"text": "hi"}),
        (chat.secret, "PATCH", f"/api/conversations/{conversation_id}", {"status": "open"}),
    ]
    for i in range(300):
        client, method, path, body = routes[i % len(routes)]
        response = await client.request(
            method,
            path,
            content=encode(mutate(rng, body)),
            headers={"Content-Type": "application/json"},
        )
        # The strict client's hook already failed the test on a 500 or a malformed error.
        assert response.status_code < 500 or response.status_code == 503


async def test_fuzzed_socket_payloads_always_get_an_ack(chat: TenantChat, sockets: Sockets) -> None:
    rng = random.Random(1124)
    visitor = Visitor()
    tab = await sockets.visitor(chat.tenant, visitor)
    agent = await sockets.agent(chat.server, api_key=chat.tenant.secret_key)
    base = {**visitor.identity(chat.tenant), "text": "hello"}
    for i in range(120):
        sock = tab if i % 3 else agent
        event = (
            rng.choice(["message", "sync", "get_online_users"])
            if sock is agent
            else (rng.choice(["message", "sync"]))
        )
        # Socket.IO clients cannot send NaN; lone surrogates have their own test below.
        payload = json.loads(
            json.dumps(mutate(rng, base, surrogates=False), allow_nan=True)
            .replace("NaN", "null")
            .replace("Infinity", "null")
        )
        ack = await sock.call(event, payload)
        assert isinstance(ack, dict), f"{event} {payload!r} -> {ack!r}"
        if ack.get("ok") is False:
            contract.check_ack_error(ack, set(contract.CODE_STATUS))
    assert tab.connected and agent.connected


async def test_lone_surrogate_in_a_socket_payload_gets_an_error_ack(
    chat: TenantChat, sockets: Sockets
) -> None:
    """JSON.stringify("\\ud800") is legal JavaScript output: the server must answer it."""
    visitor = Visitor()
    tab = await sockets.visitor(chat.tenant, visitor)
    for payload in (
        {**visitor.identity(chat.tenant), "text": "broken \ud800 text"},
        {**visitor.identity(chat.tenant), "text": "ok", "clientMessageId": "\ud800"},
    ):
        ack = await tab.call("message", payload, timeout=5)
        if ack.get("ok") is not True:
            contract.check_ack_error(ack, "invalid_request")
    ack = await tab.call("message", {**visitor.identity(chat.tenant), "text": "still alive"})
    contract.check_ack_ok(ack)
