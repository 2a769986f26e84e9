"""CONTRACT §5 presence: get_online_users / online_users_list, user_online / user_offline
counted per visitor (first tab opens, last tab closes)."""

from __future__ import annotations

import pytest

from support import contract
from support.clients import SocketClient, Tenant, Visitor, settle
from support.flows import Sockets, login
from support.server import WebchatProcess


async def online_users(agent_socket: SocketClient) -> list[dict]:
    """get_online_users: the ack and the online_users_list event say the same."""
    before = agent_socket.count("online_users_list")
    ack = await agent_socket.call("get_online_users", {})
    event = await agent_socket.wait_for("online_users_list", count=before + 1)
    assert isinstance(event, dict) and isinstance(event.get("users"), list), event
    assert isinstance(ack, dict) and isinstance(ack.get("users"), list), (
        f"get_online_users ack should carry the users list: {ack!r}"
    )
    assert ack.get("ok", True) is True, ack

    def keyed(users: list[dict]) -> dict:
        return {u["sessionId"]: u.get("tabs") for u in users}

    assert keyed(ack["users"]) == keyed(event["users"]), (ack, event)
    for user in event["users"]:
        contract.check_presence_entry(user)
    return event["users"]


def entry_for(users: list[dict], visitor: Visitor) -> dict | None:
    found = [u for u in users if u.get("sessionId") == visitor.session_id]
    assert len(found) <= 1, f"one entry per visitor, got {found}"
    return found[0] if found else None


def about(visitor: Visitor):
    return lambda e: isinstance(e, dict) and e.get("sessionId") == visitor.session_id


@pytest.fixture
def fresh(server: WebchatProcess, make_tenant) -> Tenant:
    return make_tenant(server)


async def test_first_tab_online_last_tab_offline(fresh: Tenant, sockets: Sockets) -> None:
    server = fresh.server
    agent = await sockets.agent(server, api_key=fresh.secret_key)
    assert entry_for(await online_users(agent), Visitor()) is None
    visitor = Visitor(user_info={"name": "Grace"})

    tab1 = await sockets.visitor(fresh, visitor, label="tab1", url="https://shop.example/a")
    online = await agent.wait_for("user_online", about(visitor))
    contract.check_presence_entry(online)
    assert online["tabs"] == 1 and online["userInfo"] == {"name": "Grace"}, online
    assert online.get("url") == "https://shop.example/a", online
    contract.parse_time(online["connectedAt"])
    contract.parse_time(online["lastSeenAt"])

    tab2 = await sockets.visitor(fresh, visitor, label="tab2", url="https://shop.example/b")
    entry = entry_for(await online_users(agent), visitor)
    assert entry is not None and entry["tabs"] == 2, entry
    assert agent.count("user_online", about(visitor)) == 1, "second tab is not a new visitor"

    await tab1.close()
    entry = entry_for(await online_users(agent), visitor)
    assert entry is not None and entry["tabs"] == 1, entry
    assert agent.count("user_offline", about(visitor)) == 0, "a tab is still open"

    await tab2.close()
    offline = await agent.wait_for("user_offline", about(visitor))
    contract.check_presence_entry(offline)
    assert entry_for(await online_users(agent), visitor) is None
    await settle()
    assert agent.count("user_online", about(visitor)) == 1
    assert agent.count("user_offline", about(visitor)) == 1


async def test_presence_is_per_tenant(fresh: Tenant, make_tenant, sockets: Sockets) -> None:
    other = make_tenant(fresh.server)
    mine, theirs = Visitor(), Visitor()
    agent = await sockets.agent(fresh.server, api_key=fresh.secret_key, label="agent")
    other_agent = await sockets.agent(fresh.server, api_key=other.secret_key, label="other")
    await sockets.visitor(fresh, mine)
    await sockets.visitor(other, theirs)
    await agent.wait_for("user_online", about(mine))
    await other_agent.wait_for("user_online", about(theirs))
    users = await online_users(agent)
    assert entry_for(users, mine) is not None and entry_for(users, theirs) is None
    await settle()
    assert agent.count("user_online", about(theirs)) == 0
    assert other_agent.count("user_online", about(mine)) == 0


async def test_agent_token_sees_presence_too(fresh: Tenant, make_agent, sockets: Sockets) -> None:
    agent = make_agent(fresh.server, fresh)
    await login(fresh.server, agent)
    visitor = Visitor()
    await sockets.visitor(fresh, visitor)
    agent_socket = await sockets.agent(fresh.server, token=agent.token)
    entry = entry_for(await online_users(agent_socket), visitor)
    assert entry is not None and entry["tabs"] == 1, entry
    # The event alone (no ack requested) is also answered.
    before = agent_socket.count("online_users_list")
    await agent_socket.emit("get_online_users", {})
    await agent_socket.wait_for("online_users_list", count=before + 1)


async def test_agents_are_not_listed_as_visitors(fresh: Tenant, sockets: Sockets) -> None:
    agent = await sockets.agent(fresh.server, api_key=fresh.secret_key)
    await sockets.agent(fresh.server, api_key=fresh.secret_key, label="second agent")
    assert await online_users(agent) == []
