"""Socket events between processes: one Redis pub/sub channel, one PUBLISH per tick.

What a node emits for rooms it does not hold alone goes out as pre-encoded Socket.IO
packets, every emit of one event-loop tick (a committed batch of messages) in one
message: `<node id> <JSON list of [rooms, skip_sid, packet]>`. Every socket node listens
and delivers the packets to its own sockets in those rooms; it skips its own messages by
their prefix, before decoding anything. `--role api` processes only publish.

A socket node alone on the channel publishes nothing: it counts the channel's
subscribers every second, and a node that subscribes says `hello` at once, so the others
start publishing before it has a socket to deliver to.

While Redis is away, events still reach this node's own sockets, and nothing queues for
the others: a failed publish stops publishing for `PAUSE_SECONDS`. Whatever crossed no
node in that time is repaired by the clients (CONTRACT §14): a node whose subscription
broke calls `on_gap(since)` once it listens again (it asks its sockets to `sync` from
then), and a node whose publish failed says `resync <since>` when it can, which makes
every other node do the same. `since` is the wall-clock time the gap began.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

import orjson
import redis.asyncio as redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from webchat.store.batching import TickBatcher
from webchat.store.client import SOCKET_TIMEOUT_SECONDS

log = logging.getLogger(__name__)

CHANNEL = b"webchat:sockets"
RETRY_SECONDS = 1.0
COUNT_SECONDS = 1.0
HELLO = b"hello"
RESYNC = b"resync"
PAUSE_SECONDS = 1.0

Deliver = Callable[[str, tuple[str, ...], "str | None"], None]
# Called with the time (time.time()) since which events from other nodes may be missing.
OnGap = Callable[[float], None]
_Emit = tuple[tuple[str, ...], "str | None", str]
# Queued to send an owed `resync` when there is nothing else to publish.
NOTHING: _Emit = ((), None, "")


class RedisRelay:
    def __init__(
        self,
        url: str,
        node_id: str,
        deliver: Deliver | None = None,
        on_gap: OnGap | None = None,
    ) -> None:
        self._redis = redis.Redis.from_url(
            url, socket_connect_timeout=SOCKET_TIMEOUT_SECONDS, health_check_interval=30
        )
        self._prefix = node_id.encode() + b" "
        self._deliver = deliver
        self._batcher: TickBatcher[_Emit] = TickBatcher(self._send)
        self._tasks: list[asyncio.Task[None]] = []
        # Whether another socket node listens; a publish-only relay always publishes.
        self.others_listen = True
        self._hello_at = 0.0
        self._subscribed = False
        self._on_gap = on_gap
        self._paused_until = 0.0
        # Since when (time.time()) the others may lack what this node kept: None if not.
        self._owe_resync_since: float | None = None
        self._dropped_alone_at = 0.0

    def publish(self, rooms: tuple[str, ...], skip_sid: str | None, packet: str) -> None:
        if not (self.others_listen or self._deliver is None):
            self._dropped_alone_at = time.monotonic()
            return
        if time.monotonic() < self._paused_until:
            self._owe_since(time.time())
            return
        self._batcher.add((rooms, skip_sid, packet))

    async def _send(self, batch: list[_Emit]) -> None:
        batch = [emit for emit in batch if emit is not NOTHING]
        messages = [self._prefix + orjson.dumps(batch)] if batch else []
        resync, self._owe_resync_since = self._owe_resync_since, None
        if resync is not None:
            messages.insert(0, self._prefix + RESYNC + b" %d" % int(resync * 1000))
        for attempt in (1, 2):
            try:
                for message in messages:
                    await self._redis.publish(CHANNEL, message)
                if resync is not None:
                    log.info("the socket channel is back: other nodes' sockets asked to sync")
                return
            except (RedisError, OSError):
                if attempt == 2:
                    log.warning("could not publish %d events to other nodes", len(batch))
                    self._owe_since(resync if resync is not None else time.time())
                    self._paused_until = time.monotonic() + PAUSE_SECONDS

    def _owe_since(self, since: float) -> None:
        if self._owe_resync_since is None or since < self._owe_resync_since:
            self._owe_resync_since = since

    async def start(self) -> None:
        """Subscribe (and say hello) before the node takes sockets, then keep listening."""
        if self._deliver is None:
            return
        pubsub = None
        try:
            pubsub = await self._subscribe()
        except (RedisError, OSError):
            log.warning("could not subscribe to the socket channel yet", exc_info=True)
        self._tasks = [
            asyncio.create_task(self._listen(pubsub)),
            asyncio.create_task(self._count_listeners()),
        ]

    async def _subscribe(self) -> PubSub:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(CHANNEL)
            await self._redis.publish(CHANNEL, self._prefix + HELLO)
        except BaseException:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]
            raise
        self._subscribed = True
        return pubsub

    async def _listen(self, pubsub: PubSub | None) -> None:
        gap_since = time.time() if pubsub is None else None
        while True:
            try:
                if pubsub is None:
                    pubsub = await self._subscribe()
                if gap_since is not None and self._on_gap is not None:
                    self._on_gap(gap_since)
                gap_since = None
                async for message in pubsub.listen():
                    self._on_message(message.get("data"))
            except (RedisError, OSError) as exc:
                if gap_since is None:  # once per outage, not once per retry
                    log.warning("lost the socket channel (%s); subscribing again", exc)
            if gap_since is None:
                gap_since = time.time()
            self._subscribed = False
            if pubsub is not None:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            pubsub = None
            await asyncio.sleep(RETRY_SECONDS)

    async def _count_listeners(self) -> None:
        while True:
            try:
                counts = await self._redis.pubsub_numsub(CHANNEL)
                listeners = int(counts[0][1]) if counts else 0
                # Ourselves among them only while subscribed (not while resubscribing).
                alone = listeners - (1 if self._subscribed else 0) <= 0
                # A count taken before a newcomer's hello must not silence us again.
                recent_hello = time.monotonic() - self._hello_at < 2 * COUNT_SECONDS
                self._set_others_listen(not alone or recent_hello)
            except (RedisError, OSError):
                self._set_others_listen(True)  # unknown: publish
            if self._owe_resync_since is not None and time.monotonic() >= self._paused_until:
                self._batcher.add(NOTHING)  # even when nothing else is published
            await asyncio.sleep(COUNT_SECONDS)

    def _set_others_listen(self, listen: bool) -> None:
        """A node learns of a listener up to a count late (or misses its hello while
        resubscribing itself): if it kept anything to itself meanwhile, the others sync."""
        recently_dropped = time.monotonic() - self._dropped_alone_at < 3 * COUNT_SECONDS
        if listen and not self.others_listen and recently_dropped:
            # The listener came at most this long ago: what it may lack is that recent.
            self._owe_since(time.time() - 3 * COUNT_SECONDS)
            self._batcher.add(NOTHING)
        self.others_listen = listen

    def _on_message(self, data: object) -> None:
        if not isinstance(data, bytes) or data.startswith(self._prefix):
            return
        assert self._deliver is not None
        body = data.partition(b" ")[2]
        if body == HELLO:
            self._hello_at = time.monotonic()
            self._set_others_listen(True)
            return
        if body.startswith(RESYNC):
            if self._on_gap is not None:
                try:
                    since = int(body[len(RESYNC) :]) / 1000
                except ValueError:
                    since = time.time() - 60  # unreadable: a minute back
                self._on_gap(since)
            return
        try:
            batch = orjson.loads(body)
            for rooms, skip_sid, packet in batch:
                self._deliver(packet, tuple(rooms), skip_sid)
        except (ValueError, TypeError):
            log.warning("unreadable message on the socket channel")

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._batcher.close()
        await self._redis.aclose()
