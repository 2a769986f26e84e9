"""CONTRACT §8 internal notes, and "agent-only data never reaches a visitor": every event
a visitor socket receives while agents assign, label, snooze, note and read."""

from __future__ import annotations

import json
import uuid

import pytest

from support import contract
from support.clients import Visitor, settle
from support.desk import (
    NOTE_KEYS,
    Desk,
    everything_received,
    get_conversation,
    iso_in,
    of,
    patch,
    shared_desks,
)
from support.flows import Sockets, TenantChat
from support.server import WebchatProcess


@pytest.fixture(scope="module")
async def desks(shared_server: WebchatProcess) -> tuple[Desk, Desk]:
    return await shared_desks(shared_server)


def check_note(note: object, **expected: object) -> dict:
    assert isinstance(note, dict), note
    missing = NOTE_KEYS - note.keys()
    assert not missing, f"note lacks {sorted(missing)}: {note!r}"
    contract.parse_time(note["createdAt"])
    for key, value in expected.items():
        assert note[key] == value, f"note[{key!r}] = {note[key]!r}, expected {value!r}"
    return note


async def test_notes(desks: tuple[Desk, Desk], make_chat, sockets: Sockets) -> None:
    desk, other = desks
    chat: TenantChat = make_chat(desk.tenant)
    visitor = Visitor()
    sent = await chat.send(visitor, "I need help")
    cid = sent["message"]["conversationId"]
    tab = await sockets.visitor(desk.tenant, visitor)
    watching = await sockets.agent(desk.server, token=desk.agents[1].token, label="watching")
    await watching.call("join_conversation", {"conversationId": cid})
    by_key = await sockets.agent(desk.server, api_key=desk.tenant.secret_key, label="secret")
    author = desk.agents[0]
    secret_text = f"internal: VIP customer {uuid.uuid4().hex}"
    async with desk.http(author) as http:
        response = await http.post(f"/api/conversations/{cid}/notes", json={"text": secret_text})
        note = check_note(
            contract.expect_status(response, 201).get("note"),
            conversationId=cid,
            agentId=author.agent_id,
            text=secret_text,
        )
        for sock in (watching, by_key):
            assert await sock.wait_for("note_created", of(cid)) == note
        async with desk.http() as by_secret:
            response = await by_secret.post(
                f"/api/conversations/{cid}/notes", json={"text": "second note <b>raw</b>"}
            )
            second = check_note(contract.expect_status(response, 201)["note"], conversationId=cid)
        assert second["text"] == "second note <b>raw</b>", "stored verbatim"
        listed = contract.expect_status(await http.get(f"/api/conversations/{cid}/notes"), 200)
        assert listed == {"notes": [note, second]}, "oldest first"

        for body in ({}, {"text": ""}, {"text": "   "}, {"text": "x" * 4001}, {"text": 5}, []):
            response = await http.post(f"/api/conversations/{cid}/notes", json=body)
            contract.expect_error(response, 422, "invalid_request")
        for bad in ("nope", str(uuid.uuid4())):
            for response in (
                await http.post(f"/api/conversations/{bad}/notes", json={"text": "x"}),
                await http.get(f"/api/conversations/{bad}/notes"),
            ):
                contract.expect_error(response, 422, "invalid_request")

        # Barrier: an agent message the visitor does get, after the notes.
        reply = await http.post(f"/api/conversations/{cid}/messages", json={"text": "barrier"})
        await tab.wait_message(contract.expect_status(reply, 201)["message"]["messageId"])
    await settle()
    assert watching.count("note_created", of(cid)) == 2, "once per socket, joined or not"
    assert tab.count("note_created") == 0, "notes never reach a visitor socket"
    assert secret_text not in everything_received(tab)

    # Not in the visitor's history, nor in the staff message history, nor in a replay.
    mine = await chat.visitor_history(sent["session"]["token"], sessionId=visitor.session_id)
    assert secret_text not in json.dumps(mine)
    assert [m["text"] for m in mine["messages"]] == ["I need help", "barrier"]
    staff_history = await chat.history(sessionId=visitor.session_id)
    assert secret_text not in json.dumps(staff_history)
    replay = await tab.call(
        "sync", {"sessionId": visitor.session_id, "after": sent["message"]["messageId"]}
    )
    assert secret_text not in json.dumps(contract.check_ack_ok(replay))

    # Credentials and tenants.
    for response in (
        await chat.public.post(f"/api/conversations/{cid}/notes", json={"text": "x"}),
        await chat.public.get(f"/api/conversations/{cid}/notes"),
    ):
        contract.expect_error(response, 403, "forbidden")
    for response in (
        await chat.anonymous.post(f"/api/conversations/{cid}/notes", json={"text": "x"}),
        await chat.anonymous.get(f"/api/conversations/{cid}/notes"),
    ):
        contract.expect_error(response, 401, {"invalid_api_key", "invalid_token"})
    async with other.http() as theirs:
        for response in (
            await theirs.post(f"/api/conversations/{cid}/notes", json={"text": "x"}),
            await theirs.get(f"/api/conversations/{cid}/notes"),
        ):
            contract.expect_error(response, 404, "not_found")
    async with desk.http() as by_secret:
        response = await by_secret.get(f"/api/conversations/{cid}/notes")
        assert [n["noteId"] for n in response.json()["notes"]] == [note["noteId"], second["noteId"]]


async def test_agent_only_data_never_reaches_the_visitor(
    desks: tuple[Desk, Desk], make_chat, sockets: Sockets
) -> None:
    desk, other = desks
    chat: TenantChat = make_chat(desk.tenant)
    visitor = Visitor(user_info={"name": "Vera"})
    sent = await chat.send(visitor, "hello?")
    cid = sent["message"]["conversationId"]
    tabs = [await sockets.visitor(desk.tenant, visitor, label=f"tab{i}") for i in range(2)]
    staff = await sockets.agent(desk.server, token=desk.agents[0].token, label="staff")
    elsewhere = await sockets.agent(desk.server, api_key=other.tenant.secret_key, label="elsewhere")
    agent = desk.agents[0]
    label = "secret-" + uuid.uuid4().hex[:8]
    note_text = "note " + uuid.uuid4().hex
    async with desk.http(agent) as http:
        reply = await http.post(f"/api/conversations/{cid}/messages", json={"text": "hi, Vera"})
        reply_id = contract.expect_status(reply, 201)["message"]["messageId"]
        await patch(http, cid, assigneeId=desk.agents[1].agent_id)
        await patch(http, cid, labels=[label, "vip"])
        await patch(http, cid, snoozedUntil=iso_in(3600))
        await patch(http, cid, status="pending", labels=["other"])
        response = await http.post(f"/api/conversations/{cid}/notes", json={"text": note_text})
        contract.expect_status(response, 201)
        ack = await staff.call(
            "read", {"conversationId": cid, "upTo": sent["message"]["messageId"]}
        )
        contract.check_ack_ok(ack)
        response = await http.post(f"/api/conversations/{cid}/read", json={"upTo": reply_id})
        contract.expect_status(response, 200)
        await patch(http, cid, assigneeId=None, status="open")
        barrier = await http.post(f"/api/conversations/{cid}/messages", json={"text": "barrier"})
        barrier_id = contract.expect_status(barrier, 201)["message"]["messageId"]
    for tab in tabs:
        await tab.wait_message(barrier_id)
    await staff.wait_for("conversation_updated", of(cid, status="open", assigneeId=None))
    await settle()

    everyone = desk.everyone
    forbidden = [
        "assigneeId",
        "labels",
        "agentLastReadId",
        "visitorLastReadId",
        "snoozedUntil",
        "unreadCount",
        note_text,
        label,
        *(a.email for a in everyone),
        *(a.email.split("@")[0] for a in everyone),
    ]
    for tab in tabs:
        seen = everything_received(tab)
        for secret in forbidden:
            assert secret not in seen, f"{tab.label} received {secret!r}: {tab.order}"
        names = {name for name, _ in tab.order}
        assert names <= {
            "session",
            "availability",  # §9, to every visitor socket
            "meta_message_created",
            "conversation_status",
            "messages_read",
        }, names
        for status in tab.events("conversation_status"):
            assert status.keys() == {"conversationId", "status"}, status
        assert [s["status"] for s in tab.events("conversation_status")] == [
            "snoozed",
            "pending",
            "open",
        ]
        for receipt in tab.events("messages_read"):
            assert receipt["reader"] == "agent" and receipt["conversationId"] == cid, receipt
    # Another tenant's agents hear nothing of it.
    assert cid not in everything_received(elsewhere), elsewhere.order
    # The agent sockets did get it all.
    assert staff.count("note_created", of(cid)) == 1
    assert any(label in c["labels"] for c in staff.events("conversation_updated", of(cid)))

    # Nor through HTTP or the visitor's token. (How far the agents have read is the
    # visitor's to know, §8 `messages_read`: history may carry it as agentLastReadId.)
    history = await chat.visitor_history(sent["session"]["token"], sessionId=visitor.session_id)
    assert history.get("agentLastReadId") in (None, reply_id), history
    history.pop("agentLastReadId", None)
    session = await chat.session(visitor)
    _, claims = contract.jwt_parts(session["token"])
    for text in (json.dumps(history), json.dumps(session), json.dumps(claims)):
        for secret in forbidden:
            assert secret not in text, f"{secret!r} reached the visitor: {text[:500]}"
    async with desk.http() as by_secret:
        assert (await get_conversation(by_secret, cid))["labels"] == ["other"]
