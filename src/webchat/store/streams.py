"""The per-tenant message stream of the seed (`XADD`), for consumers such as webhooks."""

from __future__ import annotations

from webchat.store.client import Store, translate_errors

# Approximate trimming keeps XADD O(1); consumers needing older entries read the database.
STREAM_MAX_LENGTH = 100_000


def stream_key(tenant_id: str) -> str:
    return f"stream:messages:{tenant_id}"


async def append_message(store: Store, tenant_id: str, message_json: str) -> str:
    async with translate_errors():
        entry_id = await store.redis.xadd(
            stream_key(tenant_id),
            {"message": message_json},
            maxlen=STREAM_MAX_LENGTH,
            approximate=True,
        )
    return str(entry_id)
