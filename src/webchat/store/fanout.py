"""Socket events between processes: one Redis pub/sub channel, one PUBLISH per tick.

What a node emits for rooms it does not hold alone goes out as pre-encoded Socket.IO
packets, every emit of one event-loop tick (a committed batch of messages) in one
message: `<node id> <JSON list of [rooms, skip_sid, packet]>`. Every socket node listens
and delivers the packets to its own sockets in those rooms; it skips its own messages by
their prefix, before decoding anything. `--role api` processes only publish.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import orjson
import redis.asyncio as redis
from redis.exceptions import RedisError

from webchat.store.batching import TickBatcher
from webchat.store.client import SOCKET_TIMEOUT_SECONDS

log = logging.getLogger(__name__)

CHANNEL = b"webchat:sockets"
RETRY_SECONDS = 1.0

Deliver = Callable[[str, tuple[str, ...], "str | None"], None]
_Emit = tuple[tuple[str, ...], "str | None", str]


class RedisRelay:
    def __init__(self, url: str, node_id: str, deliver: Deliver | None = None) -> None:
        self._redis = redis.Redis.from_url(
            url, socket_connect_timeout=SOCKET_TIMEOUT_SECONDS, health_check_interval=30
        )
        self._prefix = node_id.encode() + b" "
        self._deliver = deliver
        self._batcher: TickBatcher[_Emit] = TickBatcher(self._send)
        self._listener: asyncio.Task[None] | None = None

    def publish(self, rooms: tuple[str, ...], skip_sid: str | None, packet: str) -> None:
        self._batcher.add((rooms, skip_sid, packet))

    async def _send(self, batch: list[_Emit]) -> None:
        message = self._prefix + orjson.dumps(batch)
        for attempt in (1, 2):
            try:
                await self._redis.publish(CHANNEL, message)
                return
            except (RedisError, OSError):
                if attempt == 2:
                    # Sockets on other nodes miss these live events; clients repair the
                    # gap with `sync` / `lastMessageId` on their next reconnect.
                    log.warning("could not publish %d events to other nodes", len(batch))

    def start(self) -> None:
        if self._deliver is not None:
            self._listener = asyncio.create_task(self._listen())

    async def _listen(self) -> None:
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(CHANNEL)
                async for message in pubsub.listen():
                    self._on_message(message.get("data"))
            except (RedisError, OSError):
                log.warning("lost the socket channel; subscribing again", exc_info=True)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(RETRY_SECONDS)

    def _on_message(self, data: object) -> None:
        if not isinstance(data, bytes) or data.startswith(self._prefix):
            return
        assert self._deliver is not None
        try:
            batch = orjson.loads(data[data.index(b" ") + 1 :])
            for rooms, skip_sid, packet in batch:
                self._deliver(packet, tuple(rooms), skip_sid)
        except (ValueError, TypeError):
            log.warning("unreadable message on the socket channel")

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._batcher.close()
        await self._redis.aclose()
