"""`webchat.store.streams`: the seed's XADD to a per-tenant stream."""

from __future__ import annotations

import orjson

from webchat.store import Store
from webchat.store.streams import append_message, stream_key


async def test_xadd_appends_one_entry_with_the_message_json(store: Store, tenant_id: str) -> None:
    payload = {"messageId": "01ARYZ6S41TSV4RRFFQ69G5FAV", "tenantId": tenant_id, "text": "hé"}
    entry_id = await append_message(store, tenant_id, orjson.dumps(payload).decode())
    assert stream_key(tenant_id) == f"stream:messages:{tenant_id}"
    entries = await store.redis.xrange(stream_key(tenant_id))
    assert len(entries) == 1
    found_id, fields = entries[0]
    assert found_id == entry_id
    assert set(fields) == {"message"}
    assert orjson.loads(fields["message"]) == payload


async def test_entries_keep_their_order_and_tenants_are_apart(store: Store, tenant_id: str) -> None:
    other = tenant_id + "-other"
    ids = [await append_message(store, tenant_id, f'{{"n":{i}}}') for i in range(50)]
    await append_message(store, other, '{"n":-1}')
    entries = await store.redis.xrange(stream_key(tenant_id))
    assert [e[0] for e in entries] == ids
    assert [orjson.loads(e[1]["message"])["n"] for e in entries] == list(range(50))
    assert await store.redis.xlen(stream_key(other)) == 1
