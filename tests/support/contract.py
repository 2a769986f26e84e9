"""What CONTRACT.md promises about shapes, written once as assertions.

Every HTTP response the e2e clients receive passes through
``check_http_response`` (an httpx response hook), so "no 500, ever" and "every
error has the §3 body" are checked on every request of the suite, not only in
the tests that are about errors.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

# §3: the codes the contract names, and the status each one goes with.
CODE_STATUS: dict[str, set[int]] = {
    "invalid_request": {400, 422},
    "invalid_api_key": {401},
    "invalid_token": {401},
    "forbidden": {403},
    "forbidden_origin": {403},
    "session_mismatch": {403},
    "identity_verification_failed": {403},
    "not_found": {404},
    "payload_too_large": {413},
    "rate_limited": {429},
    "unavailable": {503},
}
UNAUTHORIZED_CODES = {"invalid_api_key", "invalid_token"}
TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "/', "Internal Server Error")

MESSAGE_KEYS = {
    "messageId",
    "tenantId",
    "conversationId",
    "sessionId",
    "userId",
    "sender",
    "senderName",
    "text",
    "clientMessageId",
    "createdAt",
}
SESSION_KEYS = {"sessionId", "conversationId", "token", "expiresAt"}
PRESENCE_KEYS = {"sessionId", "userId", "userInfo", "tabs", "connectedAt", "lastSeenAt"}

ULID_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
UUID7_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


class ContractViolation(AssertionError):
    pass


def check_error_body(body: Any, status: int | None = None, where: str = "") -> dict:
    """``{"error": {"code": str, "message": str}}``; the code matches the status."""
    if not (isinstance(body, dict) and isinstance(body.get("error"), dict)):
        raise ContractViolation(f"{where}: error body is not {{'error': {{...}}}}: {body!r}")
    error = body["error"]
    code, message = error.get("code"), error.get("message")
    if not (isinstance(code, str) and code):
        raise ContractViolation(f"{where}: error.code missing or not a string: {body!r}")
    if not (isinstance(message, str) and message):
        raise ContractViolation(f"{where}: error.message missing or empty: {body!r}")
    text = json.dumps(body)
    if any(marker in text for marker in TRACEBACK_MARKERS):
        raise ContractViolation(f"{where}: error body leaks a stack trace: {text[:500]}")
    if status is not None and code in CODE_STATUS and status not in CODE_STATUS[code]:
        raise ContractViolation(
            f"{where}: code {code!r} comes with status {status}, contract says "
            f"{sorted(CODE_STATUS[code])}"
        )
    return error


def check_http_response(response: httpx.Response) -> None:
    """Applied to every response: no 5xx but 503, §3 error body on every error."""
    request = response.request
    where = f"{request.method} {request.url.path}"
    status = response.status_code
    if status >= 500 and status != 503:
        raise ContractViolation(f"{where} answered {status}: {response.text[:1000]}")
    if status >= 400:
        try:
            body = response.json()
        except ValueError as exc:
            raise ContractViolation(
                f"{where} answered {status} with a non-JSON body: {response.text[:500]!r}"
            ) from exc
        error = check_error_body(body, status, where)
        if status == 429 and "retry-after" not in response.headers:
            raise ContractViolation(f"{where}: 429 without Retry-After")
        if status == 503 and error["code"] != "unavailable":
            raise ContractViolation(f"{where}: 503 with code {error['code']!r}, not 'unavailable'")


async def response_hook(response: httpx.Response) -> None:
    await response.aread()
    check_http_response(response)


def expect_error(response: httpx.Response, status: int | set[int], code: str | set[str]) -> dict:
    """Assert the response is the §3 error with one of the given statuses and codes."""
    statuses = {status} if isinstance(status, int) else set(status)
    codes = {code} if isinstance(code, str) else set(code)
    body_text = response.text[:600]
    assert response.status_code in statuses, (
        f"{response.request.method} {response.request.url.path}: expected {sorted(statuses)} "
        f"{sorted(codes)}, got {response.status_code}: {body_text}"
    )
    error = check_error_body(response.json(), response.status_code)
    assert error["code"] in codes, f"expected code in {sorted(codes)}, got {error!r}"
    return error


def expect_status(response: httpx.Response, status: int | set[int]) -> Any:
    statuses = {status} if isinstance(status, int) else set(status)
    assert response.status_code in statuses, (
        f"{response.request.method} {response.request.url}: expected {sorted(statuses)}, "
        f"got {response.status_code}: {response.text[:600]}"
    )
    return response.json()


def check_ack_error(ack: Any, codes: str | set[str]) -> dict:
    """A refused socket ack: ``{ok: false, error: {code, message}}``."""
    codes = {codes} if isinstance(codes, str) else set(codes)
    assert isinstance(ack, dict), f"ack is not an object: {ack!r}"
    assert ack.get("ok") is False, f"expected ok: false, got {ack!r}"
    error = check_error_body({"error": ack.get("error")}, where="socket ack")
    assert error["code"] in codes, f"expected ack error code in {sorted(codes)}, got {ack!r}"
    return error


def check_ack_ok(ack: Any) -> dict:
    assert isinstance(ack, dict), f"ack is not an object: {ack!r}"
    assert ack.get("ok") is True, f"expected ok: true, got {ack!r}"
    return ack


def parse_time(value: Any) -> datetime:
    assert isinstance(value, str), f"timestamp is not a string: {value!r}"
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, f"timestamp without a timezone: {value!r}"
    return parsed


def is_message_id(value: Any) -> bool:
    return isinstance(value, str) and bool(ULID_RE.match(value) or UUID7_RE.match(value))


def check_message(message: Any, **expected: Any) -> dict:
    """The §4 message object, with the given field values."""
    assert isinstance(message, dict), f"message is not an object: {message!r}"
    missing = MESSAGE_KEYS - message.keys()
    assert not missing, f"message lacks {sorted(missing)}: {message!r}"
    assert is_message_id(message["messageId"]), f"messageId not a ULID/UUIDv7: {message!r}"
    assert message["sender"] in {"visitor", "agent", "system"}, message
    parse_time(message["createdAt"])
    for key, value in expected.items():
        assert message[key] == value, f"message[{key!r}] = {message[key]!r}, expected {value!r}"
    return message


def check_session(body: Any, **expected: Any) -> dict:
    assert isinstance(body, dict), body
    missing = SESSION_KEYS - body.keys()
    assert not missing, f"session lacks {sorted(missing)}: {body!r}"
    assert isinstance(body["token"], str) and body["token"].count(".") == 2, body
    assert isinstance(body["conversationId"], str) and body["conversationId"], body
    parse_time(body["expiresAt"])
    for key, value in expected.items():
        assert body[key] == value, f"session[{key!r}] = {body[key]!r}, expected {value!r}"
    return body


def check_presence_entry(entry: Any) -> dict:
    assert isinstance(entry, dict), entry
    missing = PRESENCE_KEYS - entry.keys()
    assert not missing, f"presence entry lacks {sorted(missing)}: {entry!r}"
    return entry


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def jwt_parts(token: str) -> tuple[dict, dict]:
    """Header and claims of a JWT, unverified (we only look at what the server issued)."""
    header, payload, _ = token.split(".")
    return json.loads(_b64(header)), json.loads(_b64(payload))


def forge_jwt(header: dict, claims: dict, key: bytes = b"") -> str:
    def enc(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = enc(json.dumps(header).encode())
    body = enc(json.dumps(claims).encode())
    if header.get("alg") == "none":
        return f"{head}.{body}."
    sig = hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{enc(sig)}"


def user_hash(identity_secret: str, user_id: str) -> str:
    return hmac.new(identity_secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def new_session_id() -> str:
    return str(uuid.uuid4())


def new_fingerprint() -> str:
    return "fp_" + uuid.uuid4().hex[:20]


def check_expiry(expires_at: str, max_hours: float = 24.0) -> None:
    moment = parse_time(expires_at)
    now = datetime.now(UTC)
    assert now < moment <= now + timedelta(hours=max_hours, minutes=1), (
        f"expiresAt {expires_at} not within (now, now + {max_hours} h]"
    )
