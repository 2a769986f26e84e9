"""CONTRACT §13 roles (login, token claim, admin routes), `GET /api/agents`, and the §9
settings the desk uses: `GET/PATCH /api/settings` `assignment`, `agentCapacity`."""

from __future__ import annotations

import pytest

from support import contract
from support.desk import AGENT_KEYS, Desk, shared_desks
from support.server import WebchatProcess


@pytest.fixture(scope="module")
async def desks(shared_server: WebchatProcess) -> tuple[Desk, Desk]:
    return await shared_desks(shared_server)


async def test_roles_agents_and_settings(desks: tuple[Desk, Desk], make_chat) -> None:
    desk, other = desks
    auto_desk = other  # its settings may change (and are put back to manual)
    for person in (desk.admin, desk.agents[0]):
        chat = make_chat(desk.tenant)
        response = await chat.anonymous.post(
            "/api/agent/login",
            json={
                "tenantId": desk.tenant.tenant_id,
                "email": person.email,
                "password": person.password,
            },
        )
        body = contract.expect_status(response, 200)
        assert body["agent"]["role"] == person.role, body
        assert body["agent"]["agentId"] == person.agent_id, body
        assert contract.jwt_parts(body["token"])[1]["role"] == person.role

    async with desk.http(desk.agents[1]) as http:
        agents = contract.expect_status(await http.get("/api/agents"), 200)["agents"]
        settings = contract.expect_status(await http.get("/api/settings"), 200)["settings"]
        forbidden = await http.patch("/api/settings", json={"assignment": "auto"})
        contract.expect_error(forbidden, 403, "forbidden")
    by_id = {a["agentId"]: a for a in agents}
    assert set(by_id) == {a.agent_id for a in (desk.admin, *desk.agents)}, agents
    for person in (desk.admin, *desk.agents):
        entry = by_id[person.agent_id]
        missing = AGENT_KEYS - entry.keys()
        assert not missing, f"agent lacks {sorted(missing)}: {entry}"
        assert (entry["email"], entry["name"], entry["role"]) == (
            person.email,
            person.name,
            person.role,
        )
        assert entry["disabled"] is False and entry["capacity"] == 10, entry
        contract.parse_time(entry["createdAt"])
        assert "password" not in str(entry).lower()
    assert other.admin.agent_id not in by_id
    assert settings["assignment"] == "manual" and settings["agentCapacity"] == 10, settings

    chat = make_chat(desk.tenant)
    for path in ("/api/agents", "/api/settings"):
        contract.expect_error(await chat.public.get(path), 403, "forbidden")
        contract.expect_error(
            await chat.anonymous.get(path), 401, {"invalid_api_key", "invalid_token"}
        )

    async with auto_desk.http(auto_desk.admin) as admin:
        changed = contract.expect_status(
            await admin.patch("/api/settings", json={"agentCapacity": 4}), 200
        )["settings"]
        assert changed["agentCapacity"] == 4, changed
        changed = contract.expect_status(
            await admin.patch("/api/settings", json={"assignment": "auto"}), 200
        )["settings"]
        assert (changed["assignment"], changed["agentCapacity"]) == ("auto", 4), "partial"
        changed = contract.expect_status(
            await admin.patch("/api/settings", json={"agentCapacity": 3}), 200
        )["settings"]
        assert (changed["assignment"], changed["agentCapacity"]) == ("auto", 3), "partial"
        for body, field in (
            ({"assignment": "round-robin"}, "assignment"),
            ({"assignment": None}, "assignment"),
            ({"agentCapacity": 0}, "agentCapacity"),
            ({"agentCapacity": -1}, "agentCapacity"),
            ({"agentCapacity": "2"}, "agentCapacity"),
            ({"agentCapacity": 2.5}, "agentCapacity"),
        ):
            error = contract.expect_error(
                await admin.patch("/api/settings", json=body), 422, "invalid_request"
            )
            assert field in error["message"], (body, error)
        agents = contract.expect_status(await admin.get("/api/agents"), 200)["agents"]
        assert {a["capacity"] for a in agents} == {3}, "capacity defaults to agentCapacity"
    async with auto_desk.http() as by_secret:
        changed = contract.expect_status(
            await by_secret.patch("/api/settings", json={"assignment": "manual"}), 200
        )["settings"]
        assert (changed["assignment"], changed["agentCapacity"]) == ("manual", 3)
        got = contract.expect_status(await by_secret.get("/api/settings"), 200)["settings"]
        assert got == changed
    async with auto_desk.http(auto_desk.agents[0]) as plain:
        contract.expect_error(
            await plain.patch("/api/settings", json={"agentCapacity": 5}), 403, "forbidden"
        )
    async with desk.http() as untouched:
        got = contract.expect_status(await untouched.get("/api/settings"), 200)["settings"]
        assert got["assignment"] == "manual", "another tenant's settings are its own"
