"""`webchat.store.presence`: who is online, counted per tab, on any node, atomically."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from webchat.store import Store
from webchat.store.presence import (
    NODE_TTL_SECONDS,
    NODES_KEY,
    SocketRef,
    add_tab,
    forget_node,
    heartbeat,
    list_online,
    node_key,
    node_sockets_key,
    online_key,
    reap_dead_nodes,
    remove_tab,
    tabs_key,
    touch_visitor,
)


def entry(session_id: str, connected_at: str, **extra: Any) -> dict[str, object]:
    return {
        "sessionId": session_id,
        "userId": None,
        "userInfo": {},
        "connectedAt": connected_at,
        "lastSeenAt": connected_at,
        **extra,
    }


def new_session() -> str:
    return str(uuid.uuid4())


async def test_two_tabs_count_one_and_two(store: Store, tenant_id: str) -> None:
    session = new_session()
    tab1, tab2 = SocketRef(tenant_id, session, "sid-1"), SocketRef(tenant_id, session, "sid-2")
    tabs, first = await add_tab(store, "node-a", tab1, entry(session, "T1", url="/a"))
    assert tabs == 1
    assert first["tabs"] == 1 and first["url"] == "/a"
    tabs, second = await add_tab(store, "node-b", tab2, entry(session, "T2", url="/b"))
    assert tabs == 2
    # The visitor's first connection time is kept; the rest follows the newest tab.
    assert second["connectedAt"] == "T1"
    assert second["url"] == "/b"
    assert second["tabs"] == 2
    online = await list_online(store, tenant_id)
    assert len(online) == 1
    assert online[0]["tabs"] == 2
    assert online[0]["connectedAt"] == "T1"
    assert online[0]["sessionId"] == session


async def test_only_the_last_tab_closing_reports_offline(store: Store, tenant_id: str) -> None:
    session = new_session()
    tab1, tab2 = SocketRef(tenant_id, session, "sid-1"), SocketRef(tenant_id, session, "sid-2")
    await add_tab(store, "node-a", tab1, entry(session, "T1"))
    await add_tab(store, "node-b", tab2, entry(session, "T2"))
    assert await remove_tab(store, "node-a", tab1) is None
    assert [u["tabs"] for u in await list_online(store, tenant_id)] == [1]
    gone = await remove_tab(store, "node-b", tab2)
    assert gone is not None
    assert gone["sessionId"] == session
    assert gone["connectedAt"] == "T1"
    assert gone["tabs"] == 0
    assert await list_online(store, tenant_id) == []
    assert await store.redis.hlen(online_key(tenant_id)) == 0
    assert await store.redis.exists(tabs_key(tenant_id, session)) == 0
    # Removing again is a no-op, never a second "offline".
    assert await remove_tab(store, "node-b", tab2) is None


async def test_node_socket_sets_follow_the_tabs(store: Store, tenant_id: str) -> None:
    session = new_session()
    tab = SocketRef(tenant_id, session, "sid-1")
    await add_tab(store, "node-a", tab, entry(session, "T1"))
    assert await store.redis.smembers(node_sockets_key("node-a")) == {tab.member()}
    await remove_tab(store, "node-a", tab)
    assert await store.redis.smembers(node_sockets_key("node-a")) == set()
    assert SocketRef.from_member(tab.member()) == tab


async def test_list_online_adds_tabs_and_orders_by_connection(store: Store, tenant_id: str) -> None:
    sessions = [new_session() for _ in range(3)]
    for i, session in enumerate(reversed(sessions)):
        for tab in range(i + 1):
            ref = SocketRef(tenant_id, session, f"{session}-{tab}")
            await add_tab(store, "node-a", ref, entry(session, f"2026-01-01T00:00:0{2 - i}Z"))
    online = await list_online(store, tenant_id)
    assert [u["sessionId"] for u in online] == sessions
    assert [u["tabs"] for u in online] == [3, 2, 1]
    assert await list_online(store, tenant_id + "-other") == []


async def test_touch_updates_last_seen_but_never_resurrects(store: Store, tenant_id: str) -> None:
    session = new_session()
    tab = SocketRef(tenant_id, session, "sid-1")
    await add_tab(store, "node-a", tab, entry(session, "T1"))
    await touch_visitor(store, tenant_id, session, "T9")
    assert (await list_online(store, tenant_id))[0]["lastSeenAt"] == "T9"
    await remove_tab(store, "node-a", tab)
    await touch_visitor(store, tenant_id, session, "T10")
    assert await store.redis.hget(online_key(tenant_id), session) is None


async def test_concurrent_opens_and_closes_on_two_clients_keep_counts_right(
    store_pair: tuple[Store, Store], tenant_id: str
) -> None:
    first, second = store_pair
    session = new_session()
    refs = [SocketRef(tenant_id, session, f"sid-{i}") for i in range(40)]

    async def open_tab(i: int) -> tuple[int, dict[str, object]]:
        client = first if i % 2 else second
        return await add_tab(client, f"node-{i % 2}", refs[i], entry(session, f"T{i:02d}"))

    opened = await asyncio.gather(*(open_tab(i) for i in range(40)))
    assert sorted(tabs for tabs, _ in opened) == list(range(1, 41))
    assert (await list_online(first, tenant_id))[0]["tabs"] == 40

    async def close_tab(i: int) -> dict[str, object] | None:
        client = first if i % 2 else second
        return await remove_tab(client, f"node-{i % 2}", refs[i])

    # Close 39 concurrently, racing with 10 new ones opening.
    more = [SocketRef(tenant_id, session, f"sid-new-{i}") for i in range(10)]
    results = await asyncio.gather(
        *(close_tab(i) for i in range(39)),
        *(add_tab(second, "node-0", ref, entry(session, "T99")) for ref in more),
    )
    assert all(r is None for r in results[:39])
    assert (await list_online(first, tenant_id))[0]["tabs"] == 11
    closed = await asyncio.gather(
        close_tab(39), *(remove_tab(first, "node-0", ref) for ref in more)
    )
    offline = [c for c in closed if c is not None]
    assert len(offline) == 1
    assert offline[0]["sessionId"] == session
    assert await list_online(second, tenant_id) == []


async def test_concurrent_first_tabs_of_many_visitors(
    store_pair: tuple[Store, Store], tenant_id: str
) -> None:
    first, second = store_pair
    sessions = [new_session() for _ in range(30)]
    results = await asyncio.gather(
        *(
            add_tab(client, "node-x", SocketRef(tenant_id, s, f"{s}-{c}"), entry(s, "T"))
            for s in sessions
            for c, client in enumerate((first, second))
        )
    )
    counts = sorted(tabs for tabs, _ in results)
    assert counts == [1] * 30 + [2] * 30
    online = await list_online(first, tenant_id)
    assert sorted(u["sessionId"] for u in online) == sorted(sessions)
    assert {u["tabs"] for u in online} == {2}


async def test_heartbeat_and_forget(store: Store) -> None:
    await heartbeat(store, "node-a")
    assert await store.redis.sismember(NODES_KEY, "node-a")
    assert 0 < await store.redis.ttl(node_key("node-a")) <= NODE_TTL_SECONDS
    await forget_node(store, "node-a")
    assert await store.redis.exists(node_key("node-a")) == 0


async def test_reaping_removes_a_dead_nodes_sockets_only(store: Store, tenant_id: str) -> None:
    both, dead_only, alive_only = new_session(), new_session(), new_session()
    await heartbeat(store, "dead")
    await heartbeat(store, "alive")
    await add_tab(store, "dead", SocketRef(tenant_id, both, "d1"), entry(both, "T1"))
    await add_tab(store, "alive", SocketRef(tenant_id, both, "a1"), entry(both, "T1"))
    await add_tab(store, "dead", SocketRef(tenant_id, dead_only, "d2"), entry(dead_only, "T2"))
    await add_tab(store, "dead", SocketRef(tenant_id, dead_only, "d3"), entry(dead_only, "T2"))
    await add_tab(store, "alive", SocketRef(tenant_id, alive_only, "a2"), entry(alive_only, "T3"))

    assert await reap_dead_nodes(store) == []  # everyone's heartbeat is alive
    await store.redis.delete(node_key("dead"))  # the heartbeat expired

    offline = await reap_dead_nodes(store)
    assert [(s.tenant_id, e["sessionId"], e["tabs"]) for s, e in offline] == [
        (tenant_id, dead_only, 0)
    ]
    online = {u["sessionId"]: u["tabs"] for u in await list_online(store, tenant_id)}
    assert online == {both: 1, alive_only: 1}
    assert not await store.redis.sismember(NODES_KEY, "dead")
    assert await store.redis.exists(node_sockets_key("dead")) == 0
    assert await store.redis.sismember(NODES_KEY, "alive")
    assert await reap_dead_nodes(store) == []


async def test_heartbeat_expiry_is_what_marks_a_node_dead(store: Store, tenant_id: str) -> None:
    session = new_session()
    await heartbeat(store, "short-lived")
    await add_tab(store, "short-lived", SocketRef(tenant_id, session, "s1"), entry(session, "T"))
    await store.redis.pexpire(node_key("short-lived"), 50)

    async def reaped() -> list[tuple[str, dict[str, object]]]:
        while True:
            found = await reap_dead_nodes(store)
            if found:
                return found
            await asyncio.sleep(0.02)

    offline = await asyncio.wait_for(reaped(), timeout=5)
    assert [e["sessionId"] for _, e in offline] == [session]
    assert await list_online(store, tenant_id) == []


async def test_two_reapers_at_once_report_each_visitor_offline_exactly_once(
    store_pair: tuple[Store, Store], tenant_id: str
) -> None:
    first, second = store_pair
    sessions = [new_session() for _ in range(25)]
    for node in ("dead-1", "dead-2"):
        await heartbeat(first, node)
    for i, session in enumerate(sessions):
        # Some visitors have tabs on both dead nodes, some on one.
        nodes = ["dead-1", "dead-2"] if i % 3 == 0 else [f"dead-{i % 2 + 1}"]
        for n, node in enumerate(nodes):
            await add_tab(
                first, node, SocketRef(tenant_id, session, f"{session}-{n}"), entry(session, "T")
            )
    await first.redis.delete(node_key("dead-1"), node_key("dead-2"))

    results = await asyncio.gather(
        reap_dead_nodes(first), reap_dead_nodes(second), reap_dead_nodes(first)
    )
    reported = [e["sessionId"] for result in results for _, e in result]
    assert sorted(reported) == sorted(sessions)
    assert await list_online(first, tenant_id) == []
    assert await first.redis.scard(NODES_KEY) == 0


async def test_heartbeat_says_whether_the_node_was_still_known(store: Store) -> None:
    assert await heartbeat(store, "node-h") is False  # first beat: nothing to re-list
    assert await heartbeat(store, "node-h") is True
    await store.redis.delete(node_key("node-h"))  # lapsed, or Redis lost its data
    assert await heartbeat(store, "node-h") is False
    assert await heartbeat(store, "node-h") is True
