"""`webchat.store.fanout.RedisRelay` against a real Redis: packets reach the other node
once, never come back to their sender, and a node alone on the channel publishes nothing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest
import redis.asyncio as redis

from support.services import RedisProcess
from webchat.store.fanout import COUNT_SECONDS, RedisRelay

Delivered = list[tuple[str, tuple[str, ...], str | None]]


@pytest.fixture
async def make_relay(redis_server: RedisProcess) -> AsyncIterator[Callable[..., RedisRelay]]:
    relays: list[RedisRelay] = []

    def make(node_id: str, delivered: Delivered | None) -> RedisRelay:
        deliver = None if delivered is None else lambda *packet: delivered.append(packet)
        relay = RedisRelay(redis_server.url, node_id, deliver)
        relays.append(relay)
        return relay

    yield make
    for relay in relays:
        await relay.close()


async def publish_calls(url: str) -> int:
    """How many PUBLISH commands Redis has run."""
    client = redis.Redis.from_url(url)
    try:
        stats = await client.info("commandstats")
        return int(stats.get("cmdstat_publish", {}).get("calls", 0))
    finally:
        await client.aclose()


async def wait_for(check: Callable[[], bool], seconds: float = 5.0) -> None:
    async with asyncio.timeout(seconds):
        while not check():  # noqa: ASYNC110 - polling a plain attribute
            await asyncio.sleep(0.02)


async def test_a_packet_reaches_the_other_node_once_and_not_its_sender(
    make_relay: Callable[..., RedisRelay],
) -> None:
    got_a: Delivered = []
    got_b: Delivered = []
    a, b = make_relay("node-a", got_a), make_relay("node-b", got_b)
    await a.start()
    await b.start()
    await wait_for(lambda: a.others_listen and b.others_listen)
    a.publish(("room:1", "room:2"), "sid-x", '42["x",{}]')
    await wait_for(lambda: bool(got_b))
    await asyncio.sleep(0.2)
    assert got_b == [('42["x",{}]', ("room:1", "room:2"), "sid-x")]
    assert got_a == []


async def test_a_node_alone_stops_publishing_and_resumes_when_another_says_hello(
    make_relay: Callable[..., RedisRelay], redis_server: RedisProcess
) -> None:
    a = make_relay("alone-a", [])
    await a.start()
    await wait_for(lambda: not a.others_listen, seconds=5 * COUNT_SECONDS)
    before = await publish_calls(redis_server.url)
    a.publish(("room",), None, '42["y",{}]')
    await asyncio.sleep(0.2)
    assert await publish_calls(redis_server.url) == before
    got_b: Delivered = []
    b = make_relay("alone-b", got_b)
    await b.start()
    await wait_for(lambda: a.others_listen, seconds=1.0)
    a.publish(("room",), None, '42["z",{}]')
    await wait_for(lambda: bool(got_b))
    assert got_b == [('42["z",{}]', ("room",), None)]


async def test_a_publish_only_relay_always_publishes(
    make_relay: Callable[..., RedisRelay], redis_server: RedisProcess
) -> None:
    got: Delivered = []
    listener = make_relay("listener", got)
    await listener.start()
    api = make_relay("api-node", None)
    await api.start()
    api.publish(("admin:t",), None, '42["w",{}]')
    await wait_for(lambda: bool(got))
    assert got == [('42["w",{}]', ("admin:t",), None)]


async def test_a_node_whose_channel_broke_calls_on_gap_once_it_listens_again() -> None:
    """CONTRACT §14: after a Redis outage the node asks its sockets to `sync`."""
    own = RedisProcess().start()
    gaps: list[float] = []
    relay = RedisRelay(own.url, "gap-node", lambda *packet: None, gaps.append)
    try:
        await relay.start()
        await asyncio.sleep(0.3)
        assert gaps == [], "no gap before any outage"
        killed_at = time.time()
        own.kill()
        await asyncio.sleep(1.5)
        assert gaps == [], "no gap reported while still away"
        own.start()
        await wait_for(lambda: bool(gaps), seconds=10)
        await asyncio.sleep(1.5)
        assert len(gaps) == 1, "one outage, one gap"
        assert killed_at - 1 <= gaps[0] <= killed_at + 1.5, "the gap begins at the outage"
    finally:
        await relay.close()
        own.cleanup()


async def test_a_node_that_kept_events_to_itself_makes_a_late_listener_sync(
    redis_server: RedisProcess,
) -> None:
    """A node that believed itself alone dropped events that a node subscribing at that
    moment should have had: learning of it, it says `resync`, and that node syncs."""
    a = RedisRelay(redis_server.url, "kept-a", lambda *packet: None)
    gaps: list[float] = []
    b = RedisRelay(redis_server.url, "late-b", lambda *packet: None, gaps.append)
    try:
        await a.start()
        await wait_for(lambda: not a.others_listen, seconds=5 * COUNT_SECONDS)
        a.publish(("room",), None, '42["dropped",{}]')
        dropped_at = time.time()
        await b.start()
        await wait_for(lambda: bool(gaps), seconds=5 * COUNT_SECONDS)
        assert gaps[0] <= dropped_at, "the resync reaches back to before the dropped event"
    finally:
        await a.close()
        await b.close()


async def test_a_node_alone_for_long_says_no_resync_to_a_newcomer(
    redis_server: RedisProcess,
) -> None:
    a = RedisRelay(redis_server.url, "quiet-a", lambda *packet: None)
    gaps: list[float] = []
    b = RedisRelay(redis_server.url, "new-b", lambda *packet: None, gaps.append)
    try:
        await a.start()
        await wait_for(lambda: not a.others_listen, seconds=5 * COUNT_SECONDS)
        await b.start()
        await wait_for(lambda: a.others_listen, seconds=2)
        await asyncio.sleep(2 * COUNT_SECONDS)
        assert gaps == [], "nothing was dropped: nothing to sync"
    finally:
        await a.close()
        await b.close()
