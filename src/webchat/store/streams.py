"""The per-tenant message stream of the seed (`XADD`), for consumers such as webhooks.

Appends are best-effort after the database commit (the database is the record), and
batched: every append made in one event-loop tick (a committed batch of messages resolves
in one tick) goes to Redis as one script call, one command whatever the batch size (a
pipeline of one `XADD` each cost the client ≈ 15 µs of Python per message).
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

from webchat.store.batching import TickBatcher
from webchat.store.client import Store

log = logging.getLogger(__name__)

# Approximate trimming keeps XADD O(1); consumers needing older entries read the database.
STREAM_MAX_LENGTH = 100_000


# KEYS: the streams; ARGV: the trimming length, then one message JSON per key.
_APPEND = """
for i, key in ipairs(KEYS) do
  redis.call('XADD', key, 'MAXLEN', '~', ARGV[1], '*', 'message', ARGV[i + 1])
end
return #KEYS
"""


def stream_key(tenant_id: str) -> str:
    return f"stream:messages:{tenant_id}"


class StreamAppender:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._batcher: TickBatcher[tuple[str, str]] = TickBatcher(self._send)
        self._append = store.redis.register_script(_APPEND)

    def append(self, tenant_id: str, message_json: str) -> None:
        self._batcher.add((tenant_id, message_json))

    async def _send(self, batch: list[tuple[str, str]]) -> None:
        keys = [stream_key(tenant_id) for tenant_id, _ in batch]
        try:
            await self._append(keys, [STREAM_MAX_LENGTH, *(text for _, text in batch)])
        except (RedisError, OSError):
            log.warning("%d stored messages not streamed: Redis unavailable", len(batch))

    async def close(self) -> None:
        await self._batcher.close()
