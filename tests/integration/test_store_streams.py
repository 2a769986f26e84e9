"""`webchat.store.streams`: the seed's XADD to a per-tenant stream, batched per loop tick."""

from __future__ import annotations

import asyncio

import orjson

from webchat.store import Store, connect_store
from webchat.store.streams import StreamAppender, stream_key


async def test_xadd_appends_one_entry_with_the_message_json(store: Store, tenant_id: str) -> None:
    appender = StreamAppender(store)
    payload = {"messageId": "01ARYZ6S41TSV4RRFFQ69G5FAV", "tenantId": tenant_id, "text": "hé"}
    appender.append(tenant_id, orjson.dumps(payload).decode())
    await appender.close()
    assert stream_key(tenant_id) == f"stream:messages:{tenant_id}"
    entries = await store.redis.xrange(stream_key(tenant_id))
    assert len(entries) == 1
    _, fields = entries[0]
    assert set(fields) == {"message"}
    assert orjson.loads(fields["message"]) == payload


async def test_entries_keep_their_order_across_ticks_and_tenants_are_apart(
    store: Store, tenant_id: str
) -> None:
    other = tenant_id + "-other"
    appender = StreamAppender(store)
    for i in range(50):
        appender.append(tenant_id, f'{{"n":{i}}}')
        if i % 7 == 0:
            await asyncio.sleep(0)  # some appends land in later ticks, as under load
    appender.append(other, '{"n":-1}')
    await appender.close()
    await asyncio.sleep(0.05)
    await appender.close()
    entries = await store.redis.xrange(stream_key(tenant_id))
    assert [orjson.loads(e[1]["message"])["n"] for e in entries] == list(range(50))
    assert await store.redis.xlen(stream_key(other)) == 1


async def test_an_unreachable_redis_loses_the_stream_entry_not_the_caller() -> None:
    unreachable = connect_store("redis://127.0.0.1:1/0")  # nothing listens on port 1
    appender = StreamAppender(unreachable)
    appender.append("acme", '{"n":1}')  # must not raise: the message is already committed
    await appender.close()
    await unreachable.close()
