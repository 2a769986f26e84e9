"""Socket.IO fan-out between processes: python-socketio's Redis manager, adjusted.

Two changes to `AsyncRedisManager`, both from measurements (docs/performance.md):
- its client comes from `Redis.from_url`, whose pool raises past 100 connections and then
  drops the emit; ours is a blocking pool that waits for a connection instead;
- it publishes each emit in its own round trip; ours sends every emit of one event-loop
  tick (a committed batch of messages) in one pipeline.
"""

from __future__ import annotations

import logging
from typing import Any

import redis.asyncio as redis
import socketio
from redis.exceptions import RedisError

from webchat.store.batching import TickBatcher
from webchat.store.client import MAX_CONNECTIONS, POOL_WAIT_SECONDS

log = logging.getLogger(__name__)


class RedisFanout(socketio.AsyncRedisManager):  # type: ignore[misc]
    def __init__(self, url: str, write_only: bool = False) -> None:
        super().__init__(url, write_only=write_only)
        self._batcher: TickBatcher[str] = TickBatcher(self._send)

    def _redis_connect(self) -> None:
        pool = redis.BlockingConnectionPool.from_url(
            self.redis_url, max_connections=MAX_CONNECTIONS, timeout=POOL_WAIT_SECONDS
        )
        self.redis = redis.Redis(connection_pool=pool)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self.connected = True

    async def _publish(self, data: Any) -> None:
        self._batcher.add(self.json.dumps(data))

    async def _send(self, batch: list[str]) -> None:
        for attempt in (1, 2):
            try:
                if not self.connected:
                    self._redis_connect()
                async with self.redis.pipeline(transaction=False) as pipe:
                    for payload in batch:
                        pipe.publish(self.channel, payload)
                    await pipe.execute()
                return
            except (RedisError, OSError):
                self.connected = False
                if attempt == 2:
                    # Sockets on other nodes miss these live events; clients repair the
                    # gap with `sync` / `lastMessageId` on their next reconnect.
                    log.warning("could not publish %d events to other nodes", len(batch))
