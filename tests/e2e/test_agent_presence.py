"""Agent presence for the console (docs/api.md): agents signed in with a token are counted
per agent, first tab / last tab, like visitors; secret-key sockets (servers) are not."""

from __future__ import annotations

import asyncio

from support.flows import Sockets, TenantChat, create_agent, login


async def test_agents_online_and_offline(chat: TenantChat, sockets: Sockets) -> None:
    server, tenant = chat.server, chat.tenant
    observer = await sockets.agent(server, api_key=tenant.secret_key, label="observer")
    alice = create_agent(server, tenant)
    token = await login(server, alice)

    first_tab = await sockets.agent(server, token=token, label="alice-1")
    online = await observer.wait_for("agent_online")
    agent_id = online["agentId"]
    assert online["tabs"] == 1
    second_tab = await sockets.agent(server, token=token, label="alice-2")

    ack = await observer.call("get_online_agents", {})
    assert ack["ok"] is True
    assert [(a["agentId"], a["tabs"]) for a in ack["agents"]] == [(agent_id, 2)]
    await observer.call("get_online_users", {})
    listed = await observer.wait_for("online_agents_list")
    assert [a["agentId"] for a in listed["agents"]] == [agent_id]

    await first_tab.close()
    # The server notices the closed socket a moment later: wait for it, then check.
    deadline = asyncio.get_running_loop().time() + 5
    while True:
        ack = await observer.call("get_online_agents", {})
        tabs = [(a["agentId"], a["tabs"]) for a in ack["agents"]]
        if tabs != [(agent_id, 2)] or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.05)
    assert tabs == [(agent_id, 1)]
    assert observer.count("agent_offline") == 0, "not while a console tab is open"
    await second_tab.close()
    offline = await observer.wait_for("agent_offline")
    assert offline["agentId"] == agent_id
    assert (await observer.call("get_online_agents", {}))["agents"] == []
    assert observer.count("agent_online") == 1


async def test_visitors_may_not_list_agents(chat: TenantChat, sockets: Sockets) -> None:
    from support.clients import Visitor

    tab = await sockets.visitor(chat.tenant, Visitor())
    ack = await tab.call("get_online_agents", {})
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
