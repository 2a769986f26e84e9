"""CONTRACT §1 logged-in users and §2 identity verification (HMAC-SHA256 userHash)."""

from __future__ import annotations

import asyncio
import uuid

from support import contract
from support.clients import Tenant, Visitor
from support.flows import Sockets, TenantChat


def user(**kw) -> Visitor:
    return Visitor(user_id=f"user-{uuid.uuid4().hex[:10]}", user_info={"name": "Ada"}, **kw)


async def test_user_id_without_hash_is_refused(chat: TenantChat) -> None:
    visitor = user()
    identity = visitor.identity(chat.tenant, with_hash=False)
    response = await chat.public.post("/webchat/session", json=identity)
    contract.expect_error(response, 403, "identity_verification_failed")
    response = await chat.public.post("/webchat/message", json={**identity, "text": "hi"})
    contract.expect_error(response, 403, "identity_verification_failed")
    history = await chat.history(userId=visitor.user_id)
    assert history["messages"] == []


async def test_wrong_hash_is_refused(chat: TenantChat) -> None:
    visitor = user()
    other = user()
    for bad in (
        "0" * 64,
        chat.tenant.user_hash(other.user_id),  # valid hash, for someone else
        contract.user_hash("not-the-identity-secret", visitor.user_id),
        "zz",
    ):
        identity = {**visitor.identity(chat.tenant), "userHash": bad}
        response = await chat.public.post("/webchat/session", json=identity)
        contract.expect_error(
            response, {403, 400, 422}, {"identity_verification_failed", "invalid_request"}
        )
        response = await chat.public.post("/webchat/message", json={**identity, "text": "x"})
        contract.expect_error(
            response, {403, 400, 422}, {"identity_verification_failed", "invalid_request"}
        )
    # A well-formed hash that does not verify is specifically identity_verification_failed.
    identity = {**visitor.identity(chat.tenant), "userHash": "0" * 64}
    response = await chat.public.post("/webchat/session", json=identity)
    contract.expect_error(response, 403, "identity_verification_failed")


async def test_valid_hash_makes_the_user_the_owner(chat: TenantChat) -> None:
    visitor = user()
    session = await chat.session(visitor)
    _, claims = contract.jwt_parts(session["token"])
    assert claims.get("sub") == visitor.user_id, "a logged-in user's conversation owner is userId"
    body = await chat.send(visitor, "logged in")
    contract.check_message(
        body["message"],
        userId=visitor.user_id,
        sessionId=visitor.session_id,
        conversationId=session["conversationId"],
    )


async def test_user_history_follows_them_across_sessions(chat: TenantChat) -> None:
    laptop = user()
    phone = Visitor(user_id=laptop.user_id, user_info={"name": "Ada"})  # new device
    first = await chat.send(laptop, "from the laptop")
    second = await chat.send(phone, "from the phone")
    assert (
        first["session"]["conversationId"]
        == second["session"]["conversationId"]
        == second["message"]["conversationId"]
    )
    # The phone's own visitor token reads what the laptop wrote.
    history = await chat.visitor_history(second["session"]["token"], userId=laptop.user_id)
    texts = [m["text"] for m in history["messages"]]
    assert texts == ["from the laptop", "from the phone"]
    by_secret = await chat.history(userId=laptop.user_id)
    assert [m["text"] for m in by_secret["messages"]] == texts


async def test_another_users_token_cannot_read_a_user_conversation(chat: TenantChat) -> None:
    owner = user()
    await chat.send(owner, "private")
    stranger = user()
    stranger_session = await chat.session(stranger)
    response = await chat.public.get(
        "/api/chat/messages",
        params={"userId": owner.user_id},
        headers={"X-Session-Token": stranger_session["token"]},
    )
    contract.expect_error(response, 403, "forbidden")


async def test_concurrent_first_contact_of_one_user_makes_one_conversation(
    chat: TenantChat,
) -> None:
    user_id = f"user-{uuid.uuid4().hex[:10]}"
    devices = [Visitor(user_id=user_id) for _ in range(6)]
    bodies = await asyncio.gather(*(chat.session(device) for device in devices))
    assert len({b["conversationId"] for b in bodies}) == 1, bodies


async def test_user_id_length_limits(chat: TenantChat) -> None:
    ok = Visitor(user_id="u" * 128)
    await chat.session(ok)
    for bad_id in ("", "u" * 129, "line\nbreak", "nul\u0000", "tab\there"):
        visitor = Visitor(user_id=bad_id)
        response = await chat.public.post("/webchat/session", json=visitor.identity(chat.tenant))
        contract.expect_error(response, {400, 422}, "invalid_request")


async def test_socket_handshake_verifies_identity(
    chat: TenantChat, sockets: Sockets, tenant: Tenant
) -> None:
    visitor = user()
    auth = {"apiKey": tenant.public_key, **visitor.identity(tenant, with_hash=False)}
    error = await sockets.refused(chat.server, auth)
    assert error["code"] == "identity_verification_failed", error
    auth["userHash"] = "0" * 64
    error = await sockets.refused(chat.server, auth)
    assert error["code"] == "identity_verification_failed", error
    socket = await sockets.visitor(tenant, visitor)
    session = socket.events("session")[0]
    _, claims = contract.jwt_parts(session["token"])
    assert claims.get("sub") == visitor.user_id


async def test_user_sockets_on_two_devices_share_the_conversation_room(
    chat: TenantChat, sockets: Sockets, tenant: Tenant
) -> None:
    laptop = user()
    phone = Visitor(user_id=laptop.user_id)
    laptop_socket = await sockets.visitor(tenant, laptop, label="laptop")
    phone_socket = await sockets.visitor(tenant, phone, label="phone")
    sent = await chat.send(phone, "seen on both devices")
    message_id = sent["message"]["messageId"]
    await laptop_socket.wait_message(message_id)
    await phone_socket.wait_message(message_id)
