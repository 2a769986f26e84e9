"""CONTRACT §8 status: open / pending / snoozed / closed through PATCH, `snoozedUntil`,
reopening on a visitor message, the snooze waking by itself; `GET /api/conversations/{id}`
and the ids PATCH accepts."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest

from support import contract
from support.clients import Visitor, http_client, new_client_message_id, settle
from support.desk import (
    Desk,
    check_conversation,
    get_conversation,
    iso_in,
    listed_ids,
    of,
    patch,
    quick_snooze,
    shared_desks,
)
from support.flows import Sockets, TenantChat
from support.server import WebchatProcess


@pytest.fixture(scope="module")
async def desks(shared_server: WebchatProcess) -> tuple[Desk, Desk]:
    return await shared_desks(shared_server)


async def start(chat: TenantChat, text: str = "hello", visitor: Visitor | None = None):
    visitor = visitor or Visitor()
    sent = await chat.send(visitor, text)
    return visitor, sent["message"]["conversationId"], sent["message"]


async def test_get_one_conversation(desks: tuple[Desk, Desk], make_chat) -> None:
    desk, other = desks
    chat = make_chat(desk.tenant)
    visitor = Visitor(user_info={"name": "Olga", "email": "olga@example.com"})
    _, cid, first = await start(chat, "first words", visitor)
    async with desk.http(desk.agents[0]) as http:
        conversation = await get_conversation(http, cid)
    check_conversation(
        conversation,
        tenantId=desk.tenant.tenant_id,
        sessionId=visitor.session_id,
        userId=None,
        status="open",
        assigneeId=None,
        labels=[],
        snoozedUntil=None,
        visitorLastReadId=None,
        agentLastReadId=None,
        unreadCount=1,
    )
    assert conversation["lastMessage"] == first
    assert conversation["visitor"]["userInfo"] == visitor.user_info
    async with desk.http() as by_secret:
        assert await get_conversation(by_secret, cid) == conversation
    contract.expect_error(await chat.public.get(f"/api/conversations/{cid}"), 403, "forbidden")
    contract.expect_error(
        await chat.anonymous.get(f"/api/conversations/{cid}"),
        401,
        {"invalid_api_key", "invalid_token"},
    )
    async with other.http() as theirs:
        contract.expect_error(await theirs.get(f"/api/conversations/{cid}"), 404, "not_found")


async def test_conversation_is_listed_once_it_has_a_message(
    desks: tuple[Desk, Desk], make_chat
) -> None:
    desk, _ = desks
    chat = make_chat(desk.tenant)
    visitor = Visitor()
    cid = (await chat.session(visitor))["conversationId"]
    label = "l" + uuid.uuid4().hex[:12]
    async with desk.http() as http:
        conversation = await get_conversation(http, cid)
        assert conversation["lastMessage"] is None, conversation
        await patch(http, cid, labels=[label])
        assert await listed_ids(http, label=label) == [], "no message yet: not listed"
        await chat.send(visitor, "now I speak")
        assert await listed_ids(http, label=label) == [cid]


async def test_status_changes_through_patch_and_their_events(
    desks: tuple[Desk, Desk], make_chat, sockets: Sockets
) -> None:
    desk, _ = desks
    chat = make_chat(desk.tenant)
    visitor, cid, _ = await start(chat)
    tab = await sockets.visitor(desk.tenant, visitor)
    staff = await sockets.agent(desk.server, token=desk.agents[0].token, label="agent")
    async with desk.http(desk.agents[0]) as http:
        seen: Counter[str] = Counter()
        for status in ("pending", "closed", "open", "closed"):
            seen[status] += 1
            changed = await patch(http, cid, status=status)
            check_conversation(changed, status=status, snoozedUntil=None)
            pushed = await staff.wait_for(
                "conversation_updated", of(cid, status=status), count=seen[status]
            )
            check_conversation(pushed, status=status, tenantId=desk.tenant.tenant_id)
            assert pushed == changed, "conversation_updated carries the conversation as changed"
            told = await tab.wait_for(
                "conversation_status", of(cid, status=status), count=seen[status]
            )
            assert told == {"conversationId": cid, "status": status}, told
            assert (await get_conversation(http, cid))["status"] == status
        # The same status again: agents may hear of it, the visitor's status did not change.
        await patch(http, cid, status="closed")
        reply = await http.post(f"/api/conversations/{cid}/messages", json={"text": "barrier"})
        await tab.wait_message(contract.expect_status(reply, 201)["message"]["messageId"])
    async with desk.http() as by_secret:
        await patch(by_secret, cid, status="pending")
    await tab.wait_for("conversation_status", of(cid, status="pending"), count=2)
    await settle()
    assert tab.count("conversation_status", of(cid, status="closed")) == 2, tab.events(
        "conversation_status"
    )
    assert tab.count("conversation_updated") == 0, "conversation_updated is for agents only"
    contract.expect_error(
        await chat.public.patch(f"/api/conversations/{cid}", json={"status": "open"}),
        403,
        "forbidden",
    )


async def test_snooze_needs_a_future_time(desks: tuple[Desk, Desk], make_chat) -> None:
    desk, _ = desks
    chat = make_chat(desk.tenant)
    _, cid, _ = await start(chat)
    async with desk.http(desk.agents[1]) as http:
        for body in (
            {"status": "snoozed"},
            {"status": "snoozed", "snoozedUntil": None},
            {"status": "snoozed", "snoozedUntil": iso_in(-60)},
            {"snoozedUntil": iso_in(-1)},
            {"status": "snoozed", "snoozedUntil": "tomorrow"},
            {"status": "snoozed", "snoozedUntil": "2031-01-01T09:00:00"},  # no time zone
            {"status": "snoozed", "snoozedUntil": 1893456000},
        ):
            response = await http.patch(f"/api/conversations/{cid}", json=body)
            error = contract.expect_error(response, 422, "invalid_request")
            assert "snoozedUntil" in error["message"], (body, error)
        assert (await get_conversation(http, cid))["status"] == "open", "refused: unchanged"

        until = iso_in(3600)
        snoozed = await patch(http, cid, status="snoozed", snoozedUntil=until)
        assert snoozed["status"] == "snoozed"
        assert contract.parse_time(snoozed["snoozedUntil"]) == contract.parse_time(until)
        assert cid in await listed_ids(http, status="snoozed")
        assert cid not in await listed_ids(http, status="open,pending,closed")

        later = "2031-06-01T10:00:00+02:00"
        alone = await patch(http, cid, snoozedUntil=later)
        assert alone["status"] == "snoozed", "snoozedUntil alone means snoozed"
        assert contract.parse_time(alone["snoozedUntil"]) == datetime(2031, 6, 1, 8, tzinfo=UTC)

        reopened = await patch(http, cid, status="open")
        assert reopened["status"] == "open" and reopened["snoozedUntil"] is None, reopened
        await patch(http, cid, status="snoozed", snoozedUntil=iso_in(3600))
        closed = await patch(http, cid, status="closed")
        assert closed["snoozedUntil"] is None, "leaving snoozed clears snoozedUntil"


async def test_patch_body_and_id_validation(desks: tuple[Desk, Desk], make_chat) -> None:
    desk, other = desks
    chat = make_chat(desk.tenant)
    _, cid, _ = await start(chat)
    _, theirs, _ = await start(make_chat(other.tenant))
    async with desk.http(desk.agents[0]) as http:
        for body in (
            {},
            {"status": None},
            {"status": "archived"},
            {"status": "OPEN"},
            {"labels": None},
            {"labels": "vip"},
            {"assigneeId": 42},
            [],
            ["status", "open"],
        ):
            response = await http.patch(f"/api/conversations/{cid}", json=body)
            contract.expect_error(response, 422, "invalid_request")
        response = await http.patch(
            f"/api/conversations/{cid}",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        )
        contract.expect_error(response, {400, 422}, "invalid_request")
        assert (await get_conversation(http, cid))["status"] == "open"

        for bad in ("nope", str(uuid.uuid4()), "01J" + "0" * 22):
            contract.expect_error(
                await http.get(f"/api/conversations/{bad}"), 422, "invalid_request"
            )
            contract.expect_error(
                await http.patch(f"/api/conversations/{bad}", json={"status": "open"}),
                422,
                "invalid_request",
            )
        unknown = "01J" + "Z" * 23
        for missing in (unknown, theirs):
            contract.expect_error(await http.get(f"/api/conversations/{missing}"), 404, "not_found")
            contract.expect_error(
                await http.patch(f"/api/conversations/{missing}", json={"status": "closed"}),
                404,
                "not_found",
            )
        for method, path in (
            ("PUT", f"/api/conversations/{cid}"),
            ("DELETE", f"/api/conversations/{cid}/notes"),
            ("PUT", f"/api/conversations/{cid}/read"),
            ("DELETE", "/api/settings"),
        ):
            response = await http.request(method, path, json={"status": "open"})
            contract.expect_error(response, 405, "method_not_allowed")
    async with other.http() as their_http:
        assert (await get_conversation(their_http, theirs))["status"] == "open", "untouched"


@pytest.mark.parametrize("transport", ["http", "socket"])
async def test_a_visitor_message_reopens(
    desks: tuple[Desk, Desk], make_chat, sockets: Sockets, transport: str
) -> None:
    desk, _ = desks
    chat = make_chat(desk.tenant)
    staff = await sockets.agent(desk.server, api_key=desk.tenant.secret_key, label="staff")
    async with desk.http(desk.admin) as http:
        for status in ("pending", "snoozed", "closed"):
            visitor, cid, _ = await start(chat)
            tab = await sockets.visitor(desk.tenant, visitor)
            extra = {"snoozedUntil": iso_in(3600)} if status == "snoozed" else {}
            await patch(http, cid, status=status, **extra)
            await tab.wait_for("conversation_status", of(cid, status=status))
            # An agent's reply does not reopen it.
            reply = await http.post(f"/api/conversations/{cid}/messages", json={"text": "hold"})
            await tab.wait_message(contract.expect_status(reply, 201)["message"]["messageId"])
            assert (await get_conversation(http, cid))["status"] == status
            if transport == "http":
                await chat.send(visitor, f"back from {status}")
            else:
                ack = await tab.call(
                    "message", {**visitor.identity(desk.tenant), "text": f"back from {status}"}
                )
                contract.check_ack_ok(ack)
            pushed = await staff.wait_for("conversation_updated", of(cid, status="open"))
            check_conversation(pushed, status="open", snoozedUntil=None)
            assert pushed["lastMessage"]["text"] == f"back from {status}", pushed
            told = await tab.wait_for("conversation_status", of(cid, status="open"))
            assert told == {"conversationId": cid, "status": "open"}
            now = await get_conversation(http, cid)
            assert now["status"] == "open" and now["snoozedUntil"] is None, now
            # Already open: a further message changes no status.
            await chat.send(visitor, "still here")
            await settle()
            assert tab.count("conversation_status", of(cid, status="open")) == 1
            assert staff.count("conversation_updated", of(cid, status="open")) == 1


# --- the snooze wakes by itself ---------------------------------------------------------


@pytest.fixture(scope="module")
async def snoozing(launcher, backend: str) -> tuple[WebchatProcess, Desk]:
    """A server that looks for due snoozes every second, and a tenant on it."""
    nodes, desks = await quick_snooze(launcher, backend)
    return nodes[0], desks[-1]


async def test_snooze_wakes_by_itself(
    snoozing: tuple[WebchatProcess, Desk], make_chat, sockets: Sockets
) -> None:
    quick_snooze, desk = snoozing
    tenant = desk.tenant
    chat = make_chat(tenant, quick_snooze)
    visitor, cid, _ = await start(chat)
    _, later_cid, _ = await start(chat)
    tab = await sockets.visitor(tenant, visitor, server=quick_snooze)
    staff = await sockets.agent(quick_snooze, api_key=tenant.secret_key, label="staff")
    async with http_client(quick_snooze, tenant.secret_key) as http:
        await patch(http, later_cid, snoozedUntil=iso_in(3600))
        until = iso_in(2)
        snoozed = await patch(http, cid, status="snoozed", snoozedUntil=until)
        assert snoozed["status"] == "snoozed"
        assert (await get_conversation(http, cid))["status"] == "snoozed", "not before its time"
        woken = await staff.wait_for("conversation_updated", of(cid, status="open"), timeout=12)
        assert datetime.now(UTC) >= contract.parse_time(until), "woke before snoozedUntil"
        check_conversation(woken, status="open", snoozedUntil=None)
        await tab.wait_for("conversation_status", of(cid, status="open"))
        await asyncio.sleep(1.5)  # another check or two: it must not be woken (announced) again
        assert staff.count("conversation_updated", of(cid, status="open")) == 1, staff.events(
            "conversation_updated"
        )
        assert tab.count("conversation_status", of(cid, status="open")) == 1
        now = await get_conversation(http, cid)
        assert now["status"] == "open" and now["snoozedUntil"] is None, now
        assert cid in await listed_ids(http, status="open")
        assert (await get_conversation(http, later_cid))["status"] == "snoozed"
        assert staff.count("conversation_updated", of(later_cid, status="open")) == 0
    # A message after waking does not emit a second reopening.
    await chat.send(visitor, "thanks", client_message_id=new_client_message_id())
    await settle()
    assert staff.count("conversation_updated", of(cid, status="open")) == 1
