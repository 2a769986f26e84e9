"""The per-tenant message stream of the seed (`XADD`), for consumers such as webhooks.

Appends are best-effort after the database commit (the database is the record), and
batched: every append made in one event-loop tick (a committed batch of messages resolves
in one tick) goes to Redis in one pipeline instead of one round trip each.
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

from webchat.store.batching import TickBatcher
from webchat.store.client import Store

log = logging.getLogger(__name__)

# Approximate trimming keeps XADD O(1); consumers needing older entries read the database.
STREAM_MAX_LENGTH = 100_000


def stream_key(tenant_id: str) -> str:
    return f"stream:messages:{tenant_id}"


class StreamAppender:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._batcher: TickBatcher[tuple[str, str]] = TickBatcher(self._send)

    def append(self, tenant_id: str, message_json: str) -> None:
        self._batcher.add((tenant_id, message_json))

    async def _send(self, batch: list[tuple[str, str]]) -> None:
        try:
            async with self._store.redis.pipeline(transaction=False) as pipe:
                for tenant_id, message_json in batch:
                    pipe.xadd(
                        stream_key(tenant_id),
                        {"message": message_json},
                        maxlen=STREAM_MAX_LENGTH,
                        approximate=True,
                    )
                await pipe.execute()
        except (RedisError, OSError):
            log.warning("%d stored messages not streamed: Redis unavailable", len(batch))

    async def close(self) -> None:
        await self._batcher.close()
