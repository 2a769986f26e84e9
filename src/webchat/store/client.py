"""The Redis connection: a real server, or fakeredis in-process for the embedded default.

Both speak the same redis-py API, so every module of `store/` has one code path.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# redis-py's default pool raises MaxConnectionsError past its size instead of waiting,
# which under load loses writes; a blocking pool queues callers for up to this long.
MAX_CONNECTIONS = 200
POOL_WAIT_SECONDS = 5
SOCKET_TIMEOUT_SECONDS = 5
# Rate limit checks sit on every send: a Redis that hangs must cost them a moment, not 5 s,
# before they count in process instead (gateway/rate_limits.py).
LIMITS_TIMEOUT_SECONDS = 0.5
# After a command failed, how long the others fail at once instead of each waiting on a
# Redis that may hang (SOCKET_TIMEOUT_SECONDS): callers fall back (CONTRACT §14) at once.
DOUBT_SECONDS = 1.0


class StoreUnavailable(Exception):
    """Redis did not answer."""


class Store:
    def __init__(self, client: redis.Redis, url: str | None) -> None:
        self.redis = client
        # None for the embedded store: there is nothing another process could reach.
        self.url = url
        self._limits_pool: redis.BlockingConnectionPool | None = None
        self._doubt_until = 0.0

    @property
    def embedded(self) -> bool:
        return self.url is None

    @asynccontextmanager
    async def guard(self) -> AsyncIterator[None]:
        """Around the store's commands: Redis's errors as `StoreUnavailable`, and for
        DOUBT_SECONDS after one, `StoreUnavailable` at once without asking Redis."""
        if time.monotonic() < self._doubt_until:
            raise StoreUnavailable("Redis failed a moment ago")
        try:
            async with translate_errors():
                yield
        except StoreUnavailable:
            self._doubt_until = time.monotonic() + DOUBT_SECONDS
            raise

    async def ping(self) -> None:
        """Always asks Redis (readiness must see it come back)."""
        async with translate_errors():
            await self.redis.ping()

    def limits_pool(self) -> redis.BlockingConnectionPool | None:
        """The rate limiters' connections (shared by all of them, apart from the store's so
        a limit check never waits behind other traffic), with short timeouts; None for the
        embedded store."""
        if self.url is None:
            return None
        if self._limits_pool is None:
            self._limits_pool = redis.BlockingConnectionPool.from_url(
                self.url,
                max_connections=MAX_CONNECTIONS,
                timeout=LIMITS_TIMEOUT_SECONDS,
                socket_timeout=LIMITS_TIMEOUT_SECONDS,
                socket_connect_timeout=LIMITS_TIMEOUT_SECONDS,
            )
        return self._limits_pool

    async def close(self) -> None:
        await self.redis.aclose()
        if self._limits_pool is not None:
            await self._limits_pool.aclose()


def connect_store(url: str | None) -> Store:
    if url is None:
        import fakeredis

        client: redis.Redis = fakeredis.FakeAsyncRedis(decode_responses=True)
        return Store(client, None)
    pool: Any = redis.BlockingConnectionPool.from_url(
        url,
        max_connections=MAX_CONNECTIONS,
        timeout=POOL_WAIT_SECONDS,
        decode_responses=True,
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        health_check_interval=30,
    )
    return Store(redis.Redis(connection_pool=pool), url)


@asynccontextmanager
async def translate_errors() -> AsyncIterator[None]:
    try:
        yield
    except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
        raise StoreUnavailable(str(exc)) from exc
