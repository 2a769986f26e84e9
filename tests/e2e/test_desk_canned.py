"""CONTRACT §8 canned responses: staff read, admin write, unique shortcuts per tenant."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from support import contract
from support.desk import CANNED_KEYS, Desk, shared_desks
from support.server import WebchatProcess


@pytest.fixture(scope="module")
async def desks(shared_server: WebchatProcess) -> tuple[Desk, Desk]:
    return await shared_desks(shared_server)


def check_canned(item: object, **expected: object) -> dict:
    assert isinstance(item, dict), item
    missing = CANNED_KEYS - item.keys()
    assert not missing, f"canned response lacks {sorted(missing)}: {item!r}"
    for key, value in expected.items():
        assert item[key] == value, f"cannedResponse[{key!r}] = {item[key]!r}, not {value!r}"
    return item


async def created(http, shortcut: str, text: str) -> dict:
    response = await http.post("/api/canned-responses", json={"shortcut": shortcut, "text": text})
    body = contract.expect_status(response, 201)
    return check_canned(body.get("cannedResponse"), shortcut=shortcut, text=text)


async def shortcuts(http, **params: str) -> set[str]:
    body = contract.expect_status(await http.get("/api/canned-responses", params=params), 200)
    for item in body["cannedResponses"]:
        check_canned(item)
    return {c["shortcut"] for c in body["cannedResponses"]}


async def test_canned_responses(desks: tuple[Desk, Desk]) -> None:
    desk, other = desks
    tag = uuid.uuid4().hex[:8]
    greet, bye, refund = f"hello-{tag}", f"bye_{tag}", f"refund-{tag}"
    async with (
        desk.http() as by_secret,
        desk.http(desk.admin) as admin,
        desk.http(desk.agents[0]) as agent,
        other.http() as theirs,
    ):
        hello = await created(by_secret, greet, "Hi {{visitor.name}}, I am {{agent.name}}.")
        goodbye = await created(admin, bye, f"Bye! ({tag})")
        assert hello["cannedResponseId"] != goodbye["cannedResponseId"]

        denied = await agent.post("/api/canned-responses", json={"shortcut": refund, "text": "x"})
        contract.expect_error(denied, 403, "forbidden")
        mine = await shortcuts(agent)
        assert {greet, bye} <= mine and refund not in mine, mine
        assert await shortcuts(agent, q=greet) == {greet}
        assert await shortcuts(agent, q=tag) == {greet, bye}, "q searches shortcut and text"
        assert await shortcuts(agent, q=f"({tag})") == {bye}
        assert await shortcuts(agent, q="nothing-like-" + tag) == set()

        for client in (by_secret, admin):
            response = await client.post(
                "/api/canned-responses", json={"shortcut": greet, "text": "again"}
            )
            contract.expect_error(response, 409, "conflict")
        for body in (
            {"shortcut": "Hello", "text": "x"},
            {"shortcut": "with space", "text": "x"},
            {"shortcut": "/slash", "text": "x"},
            {"shortcut": "", "text": "x"},
            {"shortcut": "a" * 33, "text": "x"},
            {"shortcut": f"ok-{tag}", "text": ""},
            {"shortcut": f"ok-{tag}", "text": "x" * 4001},
            {"shortcut": f"ok-{tag}"},
            {"text": "x"},
            {"shortcut": 5, "text": "x"},
        ):
            response = await admin.post("/api/canned-responses", json=body)
            contract.expect_error(response, 422, "invalid_request")
        assert f"ok-{tag}" not in await shortcuts(agent)
        await created(admin, uuid.uuid4().hex, "the longest shortcut: 32 characters")

        # The same shortcut in another tenant is another canned response.
        theirs_hello = await created(theirs, greet, "their text")
        assert greet in await shortcuts(theirs) and bye not in await shortcuts(theirs)

        path = f"/api/canned-responses/{hello['cannedResponseId']}"
        response = await admin.patch(path, json={"text": "Hello {{visitor.name}}!"})
        changed = check_canned(
            contract.expect_status(response, 200).get("cannedResponse"),
            cannedResponseId=hello["cannedResponseId"],
            shortcut=greet,
            text="Hello {{visitor.name}}!",
        )
        response = await by_secret.patch(path, json={"shortcut": refund})
        check_canned(contract.expect_status(response, 200)["cannedResponse"], shortcut=refund)
        assert await shortcuts(agent, q=tag) == {refund, bye}
        response = await admin.patch(path, json={"shortcut": bye})
        contract.expect_error(response, 409, "conflict")
        response = await admin.patch(path, json={"shortcut": "Bad Shortcut"})
        contract.expect_error(response, 422, "invalid_request")
        for verb in ("patch", "delete"):
            kwargs = {"json": {"text": "agent edit"}} if verb == "patch" else {}
            response = await getattr(agent, verb)(path, **kwargs)
            contract.expect_error(response, 403, "forbidden")
            response = await getattr(theirs, verb)(path, **kwargs)
            contract.expect_error(response, 404, "not_found")
        response = await admin.patch(
            f"/api/canned-responses/{theirs_hello['cannedResponseId']}", json={"text": "mine now"}
        )
        contract.expect_error(response, 404, "not_found")
        assert changed["text"] != "agent edit"

        response = await admin.delete(path)
        assert response.status_code in {200, 204}, response.text
        assert await shortcuts(agent, q=tag) == {bye}
        contract.expect_error(await admin.delete(path), 404, "not_found")
        contract.expect_error(await admin.patch(path, json={"text": "x"}), 404, "not_found")
        unknown = "/api/canned-responses/01J" + "Z" * 23
        contract.expect_error(await admin.delete(unknown), 404, "not_found")
        contract.expect_error(
            await admin.delete("/api/canned-responses/nope"), 422, "invalid_request"
        )
        # Its shortcut is free again.
        await created(admin, refund, "reused")
        assert greet in await shortcuts(theirs), "the other tenant's is untouched"

    async with desk.http(desk.tenant.public_key) as public:
        contract.expect_error(await public.get("/api/canned-responses"), 403, "forbidden")
        response = await public.post("/api/canned-responses", json={"shortcut": "p", "text": "x"})
        contract.expect_error(response, 403, "forbidden")


async def test_concurrent_creates_of_one_shortcut(desks: tuple[Desk, Desk]) -> None:
    desk, _ = desks
    shortcut = "race-" + uuid.uuid4().hex[:8]
    async with desk.http(desk.admin) as admin:
        responses = await asyncio.gather(
            *[
                admin.post("/api/canned-responses", json={"shortcut": shortcut, "text": f"v{i}"})
                for i in range(6)
            ]
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201] + [409] * 5, [r.text for r in responses]
        for response in responses:
            if response.status_code == 409:
                contract.expect_error(response, 409, "conflict")
        assert await shortcuts(admin, q=shortcut) == {shortcut}
