"""CONTRACT §8 labels and the filters of `GET /api/conversations`: status, assignee, label,
search, combined, paged, refused values."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from support import contract
from support.clients import Visitor
from support.desk import (
    Desk,
    get_conversation,
    iso_in,
    listed,
    listed_ids,
    of,
    patch,
    shared_desks,
)
from support.flows import Sockets, TenantChat
from support.server import WebchatProcess


@pytest.fixture(scope="module")
async def desks(shared_server: WebchatProcess) -> tuple[Desk, Desk]:
    return await shared_desks(shared_server)


def unique_label() -> str:
    return "l-" + uuid.uuid4().hex[:12]


async def test_labels_are_validated_collapsed_and_replaced(
    desks: tuple[Desk, Desk], make_chat, sockets: Sockets
) -> None:
    desk, _ = desks
    chat = make_chat(desk.tenant)
    sent = await chat.send(Visitor(), "label me")
    cid = sent["message"]["conversationId"]
    a, b, c = unique_label(), unique_label(), unique_label()
    staff = await sockets.agent(desk.server, token=desk.agents[0].token)
    async with desk.http(desk.agents[0]) as http:
        first = await patch(http, cid, labels=[a, b, a, b, a])
        assert sorted(first["labels"]) == sorted([a, b]), "duplicates collapsed"
        pushed = await staff.wait_for("conversation_updated", of(cid))
        assert sorted(pushed["labels"]) == sorted([a, b]), pushed
        assert sorted((await get_conversation(http, cid))["labels"]) == sorted([a, b])
        assert await listed_ids(http, label=a) == [cid]

        replaced = await patch(http, cid, labels=[c])
        assert replaced["labels"] == [c], "labels are replaced wholesale, not merged"
        assert await listed_ids(http, label=a) == []
        assert await listed_ids(http, label=c) == [cid]

        twenty = [f"t{i}-{uuid.uuid4().hex[:6]}" for i in range(20)]
        assert sorted((await patch(http, cid, labels=twenty))["labels"]) == sorted(twenty)
        edge = ["0", "a" * 32, "a_b-c", "9-"]
        assert sorted((await patch(http, cid, labels=edge))["labels"]) == sorted(edge)

        for bad in (
            [*twenty, "one-more"],
            ["Vip"],
            ["-vip"],
            ["_vip"],
            [""],
            ["a" * 33],
            ["with space"],
            ["vip!"],
            ["ünï"],
            [5],
            [None],
            [["nested"]],
        ):
            response = await http.patch(f"/api/conversations/{cid}", json={"labels": bad})
            error = contract.expect_error(response, 422, "invalid_request")
            assert "labels" in error["message"], (bad, error)
        assert sorted((await get_conversation(http, cid))["labels"]) == sorted(edge), (
            "a refused change leaves the labels as they were"
        )
        cleared = await patch(http, cid, labels=[])
        assert cleared["labels"] == []
        assert await listed_ids(http, label=edge[2]) == []
        # Other fields leave labels alone.
        await patch(http, cid, labels=[a])
        assert (await patch(http, cid, status="pending"))["labels"] == [a]


async def test_list_filters(desks: tuple[Desk, Desk], make_chat) -> None:
    """In the shared tenant: results are checked on this test's conversations, and
    exactly where the filter names something only this test uses (a label, a word)."""
    desk, other = desks
    a, b = desk.agents[0], desk.agents[1]
    chat: TenantChat = make_chat(desk.tenant)
    word = "w" + uuid.uuid4().hex[:10]
    vip, billing, vip2 = unique_label(), unique_label(), unique_label()
    ids = {}
    ann = Visitor(user_info={"name": f"Ann Appleby{word}"})
    for name, visitor, text in (
        ("c1", ann, f"where is my parcel? {word}"),
        ("c2", Visitor(), f"refund please {word}"),
        ("c3", Visitor(), f"zebra crossing {word}"),
        ("c4", Visitor(user_id=f"user-{uuid.uuid4().hex[:6]}"), f"closing time {word}"),
        ("c5", Visitor(), f"hello again {word}"),
    ):
        ids[name] = (await chat.send(visitor, text))["message"]["conversationId"]
    await chat.send(ann, "any news?")  # the words are no longer in c1's last message
    async with desk.http() as http:
        await patch(http, ids["c1"], labels=[vip])
        await patch(http, ids["c2"], status="pending", assigneeId=a.agent_id, labels=[vip])
        await patch(http, ids["c3"], snoozedUntil=iso_in(3600), assigneeId=b.agent_id)
        await patch(http, ids["c4"], status="closed", assigneeId=a.agent_id)
        await patch(http, ids["c5"], assigneeId=b.agent_id, labels=[billing, vip2])
    by_id = {v: k for k, v in ids.items()}
    everything = {"c1", "c2", "c3", "c4", "c5"}
    nobody_else = "01J" + "Z" * 23  # a well-formed id that is no agent at all

    cases: list[tuple[object, dict, set[str]]] = [
        (None, {}, everything),
        (None, {"status": "open"}, {"c1", "c5"}),
        (None, {"status": "open,pending"}, {"c1", "c2", "c5"}),
        (None, {"status": "snoozed"}, {"c3"}),
        (None, {"status": "closed,snoozed"}, {"c3", "c4"}),
        (None, {"status": "open,pending,snoozed,closed"}, everything),
        (a, {"assigneeId": "me"}, {"c2", "c4"}),
        (b, {"assigneeId": "me"}, {"c3", "c5"}),
        (desk.admin, {"assigneeId": "me"}, set()),
        (None, {"assigneeId": "none"}, {"c1"}),
        (None, {"assigneeId": a.agent_id}, {"c2", "c4"}),
        (b, {"assigneeId": a.agent_id}, {"c2", "c4"}),
        (None, {"assigneeId": other.admin.agent_id}, set()),
        (None, {"assigneeId": nobody_else}, set()),
        (None, {"label": vip}, {"c1", "c2"}),
        (None, {"label": billing}, {"c5"}),
        (None, {"label": unique_label()}, set()),
        (None, {"q": word}, everything),
        (None, {"q": word.upper()}, everything),
        (None, {"q": "parcel"}, {"c1"}),
        (None, {"q": "PARCEL"}, {"c1"}),
        (None, {"q": f"refund please {word}"}, {"c2"}),
        (None, {"q": f"appleby{word}"}, {"c1"}),
        (None, {"q": "%"}, set()),
        (None, {"q": "_"}, set()),
        (None, {"q": f"{word}%"}, set()),
        (None, {"q": "no such words " + word}, set()),
        (a, {"assigneeId": "me", "status": "open,pending"}, {"c2"}),
        (None, {"assigneeId": b.agent_id, "status": "open"}, {"c5"}),
        (None, {"label": vip, "status": "open"}, {"c1"}),
        (None, {"label": vip, "assigneeId": "none"}, {"c1"}),
        (None, {"label": billing, "assigneeId": "none"}, set()),
        (a, {"q": word, "assigneeId": "me"}, {"c2", "c4"}),
        (b, {"q": "refund", "assigneeId": "me"}, set()),
        (None, {"q": word, "status": "snoozed", "assigneeId": b.agent_id}, {"c3"}),
        (None, {"q": word, "status": "open,closed", "label": vip}, {"c1"}),
    ]
    for who, params, expected in cases:
        async with desk.http(who) as http:
            items = await listed(http, **params)
            exact = (
                "label" in params
                or word in str(params.get("q", ""))
                or (params.get("assigneeId") in (other.admin.agent_id, nobody_else))
            )
            if exact:
                assert await listed_ids(http, **params, limit=1) == [
                    c["conversationId"] for c in items
                ], f"limit=1 pages differ from one page for {params}"
        found = [c["conversationId"] for c in items]
        assert len(found) == len(set(found)), f"duplicates for {params}: {found}"
        mine = {by_id[cid] for cid in found if cid in by_id}
        assert mine == expected, (params, mine)
        if exact:
            assert len(found) == len(expected), (params, found)
        times = [contract.parse_time(c["lastActivityAt"]) for c in items]
        assert times == sorted(times, reverse=True), f"newest activity first: {params}"
        for item in items:
            assert item["tenantId"] == desk.tenant.tenant_id
            if params.get("status"):
                assert item["status"] in params["status"].split(","), item
            if params.get("assigneeId") == "none":
                assert item["assigneeId"] is None, item
            if "label" in params:
                assert params["label"] in item["labels"], item
    async with desk.http(a) as http:
        listed_now = {c["conversationId"]: c for c in await listed(http, q=word)}
        for cid in ids.values():
            assert listed_now[cid] == await get_conversation(http, cid), "list item = GET"
        paged = await listed_ids(http, status="open,pending", limit=7)
        assert paged == await listed_ids(http, status="open,pending"), "pages = one page"
    assert listed_now[ids["c2"]]["assigneeId"] == a.agent_id
    assert listed_now[ids["c5"]]["labels"] == [billing, vip2]
    async with other.http() as theirs:
        assert set(await listed_ids(theirs)).isdisjoint(ids.values())
        assert await listed_ids(theirs, q=word) == []


async def test_refused_list_queries(desks: tuple[Desk, Desk]) -> None:
    desk, _ = desks
    async with desk.http(desk.agents[0]) as http:
        for params in (
            {"status": "bogus"},
            {"status": "open,"},
            {"status": "open,bogus"},
            {"status": "OPEN"},
            {"assigneeId": "someone"},
            {"assigneeId": "ME"},
            {"assigneeId": "01J" + "0" * 22},
            {"label": "Vip"},
            {"label": "-x"},
            {"label": "a" * 33},
            {"limit": 0},
            {"limit": 201},
            {"limit": "ten"},
        ):
            response = await http.get("/api/conversations", params=params)
            contract.expect_error(response, 422, "invalid_request")
        response = await http.get("/api/conversations", params={"before": "garbage"})
        contract.expect_error(response, {400, 422}, "invalid_request")
    async with desk.http() as by_secret:
        # "me" names an agent; a secret key is not one.
        response = await by_secret.get("/api/conversations", params={"assigneeId": "me"})
        contract.expect_error(response, {400, 422}, "invalid_request")


async def test_unread_count_counts_visitor_messages_after_the_agent_mark(
    desks: tuple[Desk, Desk], make_chat
) -> None:
    desk, _ = desks
    chat: TenantChat = make_chat(desk.tenant)
    visitor = Visitor()
    v1 = (await chat.send(visitor, "one"))["message"]
    cid = v1["conversationId"]
    label = unique_label()
    async with desk.http(desk.agents[1]) as http:
        await patch(http, cid, labels=[label])

        async def unread() -> int:
            item = (await listed(http, label=label))[0]
            assert item["unreadCount"] == (await get_conversation(http, cid))["unreadCount"]
            return item["unreadCount"]

        assert await unread() == 1
        reply = await http.post(f"/api/conversations/{cid}/messages", json={"text": "agent"})
        r1 = contract.expect_status(reply, 201)["message"]
        assert await unread() == 1, "agent messages are not unread"
        v2 = (await chat.send(visitor, "two"))["message"]
        v3 = (await chat.send(visitor, "three"))["message"]
        assert await unread() == 3
        for up_to, expected in ((v1, 2), (r1, 2), (v2, 1), (v3, 0)):
            response = await http.post(
                f"/api/conversations/{cid}/read", json={"upTo": up_to["messageId"]}
            )
            assert contract.expect_status(response, 200) == {"ok": True}
            assert await unread() == expected, up_to["text"]
        await chat.send(visitor, "four")
        assert await unread() == 1
        assert (await get_conversation(http, cid))["agentLastReadId"] == v3["messageId"]


async def test_concurrent_label_changes(desks: tuple[Desk, Desk], make_chat) -> None:
    """Two agents saving labels at once (often the very same ones) is a normal day: every
    save succeeds, and the labels a conversation shows are the ones `?label=` finds."""
    desk, _ = desks
    chat: TenantChat = make_chat(desk.tenant)
    async with desk.http(desk.agents[0]) as first, desk.http(desk.agents[1]) as second:
        for _ in range(6):
            cid = (await chat.send(Visitor(), "label race"))["message"]["conversationId"]
            same = sorted([unique_label(), unique_label()])
            others = [sorted([same[0], unique_label()]) for _ in range(3)]
            await patch(first, cid, labels=same)
            bodies = [same] * 6 + others
            responses = await asyncio.gather(
                *[
                    (first if i % 2 else second).patch(
                        f"/api/conversations/{cid}", json={"labels": labels}
                    )
                    for i, labels in enumerate(bodies)
                ]
            )
            for response in responses:
                contract.expect_status(response, 200)
            final = sorted((await get_conversation(first, cid))["labels"])
            assert final in [same, *others], final
            for label in {label for labels in bodies for label in labels}:
                found = await listed_ids(first, label=label)
                assert found == ([cid] if label in final else []), (label, final, found)
