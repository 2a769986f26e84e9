"""CONTRACT §8 read state: socket `read` from a visitor or an agent, `POST /webchat/read`,
`POST /api/conversations/{id}/read`; `messages_read`; marks only move forward."""

from __future__ import annotations

import pytest

from support import contract
from support.clients import SocketClient, Visitor, settle
from support.desk import READ_KEYS, Desk, get_conversation, of, shared_desks
from support.flows import Sockets, TenantChat
from support.server import WebchatProcess


@pytest.fixture(scope="module")
async def desks(shared_server: WebchatProcess) -> tuple[Desk, Desk]:
    return await shared_desks(shared_server)


def check_receipt(receipt: object, **expected: object) -> dict:
    assert isinstance(receipt, dict), receipt
    missing = READ_KEYS - receipt.keys()
    assert not missing, f"messages_read lacks {sorted(missing)}: {receipt!r}"
    contract.parse_time(receipt["readAt"])
    for key, value in expected.items():
        assert receipt[key] == value, f"messages_read[{key!r}] = {receipt[key]!r}, not {value!r}"
    return receipt


async def barrier(http, cid: str, *sockets: SocketClient) -> None:
    """An agent message every given socket must receive; then a short settle."""
    response = await http.post(f"/api/conversations/{cid}/messages", json={"text": "barrier"})
    message_id = contract.expect_status(response, 201)["message"]["messageId"]
    for sock in sockets:
        await sock.wait_message(message_id)
    await settle()


async def test_visitor_reads_over_the_socket_and_http(
    desks: tuple[Desk, Desk], make_chat, sockets: Sockets
) -> None:
    desk, _ = desks
    chat: TenantChat = make_chat(desk.tenant)
    visitor = Visitor()
    sent = await chat.send(visitor, "question")
    cid = sent["message"]["conversationId"]
    reader, other_tab = (
        await sockets.visitor(desk.tenant, visitor, label="reader"),
        await sockets.visitor(desk.tenant, visitor, label="other tab"),
    )
    staff = await sockets.agent(desk.server, token=desk.agents[0].token, label="staff")
    async with desk.http() as http:
        replies = []
        for text in ("answer 1", "answer 2", "answer 3"):
            response = await http.post(f"/api/conversations/{cid}/messages", json={"text": text})
            replies.append(contract.expect_status(response, 201)["message"]["messageId"])
        r1, r2, r3 = replies

        ack = await reader.call("read", {"sessionId": visitor.session_id, "upTo": r2})
        assert ack == {"ok": True}, ack
        for sock in (other_tab, staff):
            receipt = await sock.wait_for("messages_read", of(cid))
            check_receipt(receipt, conversationId=cid, reader="visitor", upTo=r2)
            assert receipt.get("agentId") is None, receipt
        assert (await get_conversation(http, cid))["visitorLastReadId"] == r2

        # An older mark: acknowledged, nothing moves, nothing is announced.
        ack = await reader.call("read", {"conversationId": cid, "upTo": r1})
        assert ack == {"ok": True}, ack
        response = await chat.public.post(
            "/webchat/read", json={**visitor.identity(desk.tenant), "upTo": r2}
        )
        assert contract.expect_status(response, 200) == {"ok": True}
        await barrier(http, cid, reader, other_tab, staff)
        assert staff.count("messages_read", of(cid)) == 1, staff.events("messages_read")
        assert other_tab.count("messages_read", of(cid)) == 1
        assert (await get_conversation(http, cid))["visitorLastReadId"] == r2

        response = await chat.public.post(
            "/webchat/read", json={**visitor.identity(desk.tenant), "upTo": r3}
        )
        assert contract.expect_status(response, 200) == {"ok": True}
        for sock in (reader, other_tab, staff):
            receipt = await sock.wait_for("messages_read", of(cid, upTo=r3))
            check_receipt(receipt, reader="visitor")
        assert (await get_conversation(http, cid))["visitorLastReadId"] == r3
        # The visitor's mark is not the agents' and changes no unread count.
        conversation = await get_conversation(http, cid)
        assert conversation["agentLastReadId"] is None and conversation["unreadCount"] == 1


async def test_agent_reads_over_the_socket_and_http(
    desks: tuple[Desk, Desk], make_chat, sockets: Sockets
) -> None:
    desk, _ = desks
    chat: TenantChat = make_chat(desk.tenant)
    visitor = Visitor()
    sent = [(await chat.send(visitor, f"v{i}"))["message"]["messageId"] for i in range(3)]
    cid = (await chat.session(visitor))["conversationId"]
    v1, v2, v3 = sent
    tab = await sockets.visitor(desk.tenant, visitor)
    agent = desk.agents[1]
    mine = await sockets.agent(desk.server, token=agent.token, label="reader")
    colleague = await sockets.agent(desk.server, token=desk.admin.token, label="colleague")
    async with desk.http(agent) as http:
        assert (await get_conversation(http, cid))["unreadCount"] == 3
        ack = await mine.call("read", {"conversationId": cid, "upTo": v2})
        assert ack == {"ok": True}, ack
        for sock in (tab, colleague):
            receipt = await sock.wait_for("messages_read", of(cid))
            check_receipt(receipt, reader="agent", agentId=agent.agent_id, upTo=v2)
        conversation = await get_conversation(http, cid)
        assert conversation["agentLastReadId"] == v2 and conversation["unreadCount"] == 1
        assert conversation["visitorLastReadId"] is None

        ack = await mine.call("read", {"sessionId": visitor.session_id, "upTo": v1})
        assert ack == {"ok": True}, ack
        response = await http.post(f"/api/conversations/{cid}/read", json={"upTo": v2})
        assert contract.expect_status(response, 200) == {"ok": True}
        await barrier(http, cid, tab, colleague)
        assert colleague.count("messages_read", of(cid)) == 1
        assert tab.count("messages_read", of(cid)) == 1
        assert (await get_conversation(http, cid))["agentLastReadId"] == v2

        response = await http.post(f"/api/conversations/{cid}/read", json={"upTo": v3})
        assert contract.expect_status(response, 200) == {"ok": True}
        receipt = await colleague.wait_for("messages_read", of(cid, upTo=v3))
        check_receipt(receipt, reader="agent", agentId=agent.agent_id)
        await tab.wait_for("messages_read", of(cid, upTo=v3))
        conversation = await get_conversation(http, cid)
        assert conversation["agentLastReadId"] == v3 and conversation["unreadCount"] == 0


async def test_read_refusals(desks: tuple[Desk, Desk], make_chat, sockets: Sockets) -> None:
    desk, other = desks
    chat: TenantChat = make_chat(desk.tenant)
    visitor, stranger = Visitor(), Visitor()
    mine = (await chat.send(visitor, "mine"))["message"]
    theirs = (await chat.send(stranger, "not yours"))["message"]
    cid = mine["conversationId"]
    foreign = (await make_chat(other.tenant).send(Visitor(), "other tenant"))["message"]
    tab = await sockets.visitor(desk.tenant, visitor)
    staff = await sockets.agent(desk.server, token=desk.agents[0].token)
    unknown = "01J" + "Z" * 23

    for up_to in (theirs["messageId"], unknown):
        ack = await tab.call("read", {"sessionId": visitor.session_id, "upTo": up_to})
        contract.check_ack_error(ack, "not_found")
        ack = await staff.call("read", {"conversationId": cid, "upTo": up_to})
        contract.check_ack_error(ack, "not_found")
        response = await chat.public.post(
            "/webchat/read", json={**visitor.identity(desk.tenant), "upTo": up_to}
        )
        contract.expect_error(response, 404, "not_found")
        async with desk.http() as http:
            response = await http.post(f"/api/conversations/{cid}/read", json={"upTo": up_to})
            contract.expect_error(response, 404, "not_found")
    for payload in ({}, {"upTo": "not-an-id"}, {"upTo": 5}, {"sessionId": visitor.session_id}):
        contract.check_ack_error(await tab.call("read", payload), "invalid_request")
    ack = await tab.call("read", {"sessionId": stranger.session_id, "upTo": theirs["messageId"]})
    contract.check_ack_error(ack, "forbidden")
    ack = await tab.call(
        "read", {"conversationId": theirs["conversationId"], "upTo": theirs["messageId"]}
    )
    contract.check_ack_error(ack, {"forbidden", "not_found"})
    ack = await staff.call(
        "read", {"conversationId": foreign["conversationId"], "upTo": foreign["messageId"]}
    )
    contract.check_ack_error(ack, "not_found")

    async with desk.http() as http:
        for body in ({}, {"upTo": "nope"}, {"upTo": None}):
            response = await http.post(f"/api/conversations/{cid}/read", json=body)
            contract.expect_error(response, 422, "invalid_request")
        response = await http.post(
            f"/api/conversations/{foreign['conversationId']}/read",
            json={"upTo": foreign["messageId"]},
        )
        contract.expect_error(response, 404, "not_found")
        response = await http.post("/api/conversations/nope/read", json={"upTo": mine["messageId"]})
        contract.expect_error(response, 422, "invalid_request")
    response = await chat.public.post(
        "/webchat/read",
        json={
            "sessionId": visitor.session_id,
            "fingerprint": "fp_someone_else_1",
            "upTo": mine["messageId"],
        },
    )
    contract.expect_error(response, 403, "session_mismatch")
    response = await chat.public.post(
        f"/api/conversations/{cid}/read", json={"upTo": mine["messageId"]}
    )
    contract.expect_error(response, 403, "forbidden")
    response = await chat.secret.post(
        "/webchat/read", json={**visitor.identity(desk.tenant), "upTo": mine["messageId"]}
    )
    contract.expect_error(response, 403, "forbidden")

    await settle()
    assert tab.count("messages_read") == 0 and staff.count("messages_read", of(cid)) == 0
    async with desk.http() as http:
        conversation = await get_conversation(http, cid)
        assert conversation["visitorLastReadId"] is None and conversation["agentLastReadId"] is None
        assert (await get_conversation(http, theirs["conversationId"]))["visitorLastReadId"] is None
