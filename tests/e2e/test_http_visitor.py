"""CONTRACT §4 POST /webchat/session and POST /webchat/message, §1 identifiers, §2 visitor rules."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from support import contract
from support.clients import Visitor, new_client_message_id
from support.flows import TenantChat


async def test_session_creates_conversation_and_visitor_token(chat: TenantChat) -> None:
    visitor = Visitor()
    body = await chat.session(visitor)
    contract.check_expiry(body["expiresAt"])
    header, claims = contract.jwt_parts(body["token"])
    assert header.get("alg") in {"HS256", "EdDSA"}, header
    assert claims.get("tid") == chat.tenant.tenant_id, claims
    assert claims.get("sub") == visitor.session_id, "anonymous owner is the sessionId"
    assert isinstance(claims.get("exp"), int | float), "exp is required"
    now = datetime.now(UTC).timestamp()
    assert now < claims["exp"] <= now + 24 * 3600 + 60, "visitor token lives at most 24 h"


async def test_session_is_refreshed_not_recreated(chat: TenantChat) -> None:
    visitor = Visitor()
    first = await chat.session(visitor)
    second = await chat.session(visitor)
    assert second["conversationId"] == first["conversationId"]
    assert second["sessionId"] == first["sessionId"] == visitor.session_id


async def test_message_returns_201_message_and_session(chat: TenantChat) -> None:
    visitor = Visitor()
    cmid = new_client_message_id()
    body = await chat.send(visitor, "hello there", client_message_id=cmid)
    message, session = body["message"], body["session"]
    contract.check_message(
        message,
        tenantId=chat.tenant.tenant_id,
        sessionId=visitor.session_id,
        userId=None,
        sender="visitor",
        text="hello there",
        clientMessageId=cmid,
        conversationId=session["conversationId"],
    )
    # The message POST stores the session: a later /session call lands in the same conversation.
    again = await chat.session(visitor)
    assert again["conversationId"] == session["conversationId"]


async def test_message_without_client_message_id(chat: TenantChat) -> None:
    body = await chat.send(Visitor(), "no client id")
    assert body["message"]["clientMessageId"] is None


async def test_text_is_stored_and_returned_verbatim(chat: TenantChat) -> None:
    visitor = Visitor()
    text = '<script>alert("x")</script> &amp; <b>bold</b> \u00e9\u4e2d\U0001f600 \\n "q"'
    sent = await chat.send(visitor, text)
    assert sent["message"]["text"] == text
    history = await chat.history(sessionId=visitor.session_id)
    assert [m["text"] for m in history["messages"]] == [text]


async def test_text_with_surrounding_whitespace_is_kept_verbatim(chat: TenantChat) -> None:
    # §1: the length limit applies after trimming; the text itself is stored verbatim.
    visitor = Visitor()
    text = "  padded line\nsecond line  "
    sent = await chat.send(visitor, text)
    history = await chat.history(sessionId=visitor.session_id)
    assert sent["message"]["text"] == text
    assert history["messages"][0]["text"] == text


async def test_text_limits_count_after_trimming(chat: TenantChat) -> None:
    visitor = Visitor()
    await chat.send(visitor, "x" * 4000)
    await chat.send(visitor, "   " + "y" * 4000 + "   ")
    for text in ("", "   ", "\n\t ", "z" * 4001):
        response = await chat.public.post(
            "/webchat/message", json={**visitor.identity(chat.tenant), "text": text}
        )
        contract.expect_error(response, {400, 422}, "invalid_request")
    history = await chat.history(sessionId=visitor.session_id)
    assert len(history["messages"]) == 2, "refused texts must not be stored"


async def test_fingerprint_binds_the_session(chat: TenantChat) -> None:
    visitor = Visitor()
    await chat.session(visitor)
    thief = Visitor(session_id=visitor.session_id)  # same sessionId, other fingerprint
    response = await chat.public.post("/webchat/session", json=thief.identity(chat.tenant))
    contract.expect_error(response, 403, "session_mismatch")
    response = await chat.public.post(
        "/webchat/message", json={**thief.identity(chat.tenant), "text": "let me in"}
    )
    contract.expect_error(response, 403, "session_mismatch")
    history = await chat.history(sessionId=visitor.session_id)
    assert history["messages"] == [], "a refused message must not be stored"


async def test_fingerprint_bound_when_first_seen_by_message(chat: TenantChat) -> None:
    visitor = Visitor()
    await chat.send(visitor, "first contact is a message")
    thief = Visitor(session_id=visitor.session_id)
    response = await chat.public.post("/webchat/session", json=thief.identity(chat.tenant))
    contract.expect_error(response, 403, "session_mismatch")


async def test_concurrent_first_contact_binds_one_fingerprint(chat: TenantChat) -> None:
    session_id = contract.new_session_id()
    contenders = [Visitor(session_id=session_id) for _ in range(6)]
    responses = await asyncio.gather(
        *(chat.public.post("/webchat/session", json=v.identity(chat.tenant)) for v in contenders)
    )
    winners = [r for r in responses if r.status_code == 200]
    assert len(winners) == 1, [r.status_code for r in responses]
    for response in responses:
        if response.status_code != 200:
            contract.expect_error(response, 403, "session_mismatch")


async def test_client_message_id_is_idempotent_over_http(chat: TenantChat) -> None:
    visitor = Visitor()
    cmid = new_client_message_id()
    first = await chat.send(visitor, "once", client_message_id=cmid)
    response = await chat.public.post(
        "/webchat/message",
        json={**visitor.identity(chat.tenant), "text": "once", "clientMessageId": cmid},
    )
    body = contract.expect_status(response, {200, 201})
    assert body["message"]["messageId"] == first["message"]["messageId"]
    history = await chat.history(sessionId=visitor.session_id)
    assert [m["messageId"] for m in history["messages"]] == [first["message"]["messageId"]]


async def test_concurrent_retries_store_one_message(chat: TenantChat) -> None:
    visitor = Visitor()
    await chat.session(visitor)
    cmid = new_client_message_id()
    payload = {**visitor.identity(chat.tenant), "text": "retry storm", "clientMessageId": cmid}
    responses = await asyncio.gather(
        *(chat.public.post("/webchat/message", json=payload) for _ in range(8))
    )
    ids = {contract.expect_status(r, {200, 201})["message"]["messageId"] for r in responses}
    assert len(ids) == 1, f"one clientMessageId gave several messageIds: {ids}"
    history = await chat.history(sessionId=visitor.session_id)
    assert [m["clientMessageId"] for m in history["messages"]] == [cmid]


async def test_same_client_message_id_in_two_conversations_is_two_messages(
    chat: TenantChat,
) -> None:
    cmid = new_client_message_id()
    a = await chat.send(Visitor(), "in a", client_message_id=cmid)
    b = await chat.send(Visitor(), "in b", client_message_id=cmid)
    assert a["message"]["messageId"] != b["message"]["messageId"]
    assert a["message"]["conversationId"] != b["message"]["conversationId"]


async def test_message_ids_sort_by_time(chat: TenantChat) -> None:
    visitor = Visitor()
    ids = [(await chat.send(visitor, f"m{i}"))["message"]["messageId"] for i in range(5)]
    assert ids == sorted(ids), "messageId must be time-sortable"
    assert len(set(ids)) == 5
    history = await chat.history(sessionId=visitor.session_id)
    assert [m["messageId"] for m in history["messages"]] == ids


async def test_user_info_is_accepted_within_limits(chat: TenantChat) -> None:
    info = {f"k{i}": "v" * 256 for i in range(20)}
    visitor = Visitor(user_info=info)
    await chat.session(visitor)
    await chat.send(visitor, "with user info")


async def test_user_info_values_of_256_characters_are_accepted(chat: TenantChat) -> None:
    """§1: string values of at most 256 chars, `name` included (it may become senderName)."""
    for name in ("n" * 256, "\U0001f600" * 256):
        visitor = Visitor(user_info={"name": name, "email": "e" * 244 + "@example.com"})
        await chat.session(visitor)
        sent = await chat.send(visitor, "my name is long")
        history = await chat.history(sessionId=visitor.session_id)
        assert [m["messageId"] for m in history["messages"]] == [sent["message"]["messageId"]]


async def test_limits_count_characters_not_bytes(chat: TenantChat) -> None:
    visitor = Visitor(user_info={"city": "\U0001f600" * 256})
    sent = await chat.send(visitor, "\U0001f600" * 4000)
    assert sent["message"]["text"] == "\U0001f600" * 4000
    response = await chat.public.post(
        "/webchat/message", json={**visitor.identity(chat.tenant), "text": "\U0001f600" * 4001}
    )
    contract.expect_error(response, {400, 422}, "invalid_request")


async def test_identifier_boundaries_that_are_valid(chat: TenantChat) -> None:
    for fingerprint in ("A" * 8, "z" * 128, "aZ09_-aZ09_-"):
        await chat.session(Visitor(fingerprint=fingerprint))
    for session_id in (
        "00000000-0000-0000-0000-000000000000",  # any version
        str(uuid.uuid1()),
        "01890a5d-ac96-774b-bcce-b302099a8057",  # v7
    ):
        fingerprint = contract.new_fingerprint()
        response = await chat.public.post(
            "/webchat/session", json={"sessionId": session_id, "fingerprint": fingerprint}
        )
        contract.expect_status(response, {200, 403})  # 403 only if a former run bound it


async def test_non_canonical_session_ids_are_refused_or_normalized(chat: TenantChat) -> None:
    canonical = contract.new_session_id()
    for variant in (canonical.upper(), canonical.replace("-", ""), "{" + canonical + "}"):
        response = await chat.public.post(
            "/webchat/session",
            json={"sessionId": variant, "fingerprint": contract.new_fingerprint()},
        )
        if response.status_code == 200:
            assert response.json()["sessionId"] == canonical, (
                f"{variant!r} accepted: it must then be the canonical lowercase form"
            )
        else:
            contract.expect_error(
                response, {400, 422, 403}, {"invalid_request", "session_mismatch"}
            )
