"""Request limits ("300/minute", in the `limits` library's notation), counted across nodes.

With Redis, a limit is `limits`' sliding-window counter in Redis (two counters per key and
one script call per check, on the store's own connection pool): every node counts the
same hits, so N processes do not give a visitor N times the limit (CONTRACT §14).

In process memory instead, a fixed window per key: for the embedded store (one process,
nothing to share), and while Redis is unreachable: sends must keep being accepted then
(§14), and a per-process wall still stops a script. `limits`' own in-memory storages run an
expiry timer every 10 ms for as long as any key exists, which profiling showed costing
2-7 % of a busy server (docs/performance.md); a dict of windows checked inline costs a
lookup.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError

from webchat.errors import ApiError
from webchat.store.client import SOCKET_TIMEOUT_SECONDS, Store

log = logging.getLogger(__name__)

# Forgotten windows are swept once the table grows past this many keys.
SWEEP_THRESHOLD = 10_000
# While Redis is away, one warning per this many seconds and limiter, not one per request.
WARN_EVERY_SECONDS = 30.0
# After a failed call, count locally this long before asking Redis again: an unreachable
# host would otherwise cost every send a connect timeout.
RETRY_REDIS_SECONDS = 2.0
KEY_PREFIX = "webchat:limits"


def _digest(identifiers: tuple[str, ...]) -> str:
    joined = "\x1f".join(identifiers).encode()
    return hashlib.blake2b(joined, digest_size=16).hexdigest()


@functools.lru_cache(maxsize=256)
def parsed(rate: str) -> RateLimitItem:
    return parse(rate)


def too_many(retry_after: float) -> ApiError:
    return ApiError(
        429,
        "rate_limited",
        "Too many requests; slow down.",
        headers={"Retry-After": str(max(1, math.ceil(retry_after)))},
    )


class RateLimiter:
    def __init__(self, rate: str, store: Store | None = None, name: str = "limit") -> None:
        self.item = parsed(rate)
        self.name = name
        self._local = LocalWindows()
        self._shared: SlidingWindowCounterRateLimiter | None = None
        if store is not None and not store.embedded and store.url is not None:
            # Its own connections, with the store's timeouts: a limit check never waits
            # behind, or holds up, the store's pool.
            storage = RedisStorage(
                f"async+{store.url}",
                wrap_exceptions=True,
                implementation="redispy",
                key_prefix=KEY_PREFIX,
                socket_timeout=SOCKET_TIMEOUT_SECONDS,
                socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
            )
            self._shared = SlidingWindowCounterRateLimiter(storage)
        self._warned_at = -WARN_EVERY_SECONDS
        self._local_until = 0.0

    @property
    def amount(self) -> int:
        return self.item.amount

    @property
    def window_seconds(self) -> int:
        return self.item.get_expiry()

    async def check(self, *identifiers: str, rate: str | None = None) -> None:
        """One hit for `identifiers`; `429` with `Retry-After` past the limit. `rate`
        replaces the limit's own for this call (a tenant's setting); each rate counts apart."""
        item = self.item if rate is None else parsed(rate)
        if self._shared is None or time.monotonic() < self._local_until:
            self._local.check(item, identifiers)
            return
        # Hashed: no session id or IP address in Redis's keys (an erasure leaves none).
        keys = (self.name, _digest(identifiers))
        try:
            if await self._shared.hit(item, *keys):
                return
            stats = await self._shared.get_window_stats(item, *keys)
        except StorageError:
            self._redis_failed()
            self._local.check(item, identifiers)
            return
        raise too_many(stats.reset_time - time.time())

    def _redis_failed(self) -> None:
        now = time.monotonic()
        self._local_until = now + RETRY_REDIS_SECONDS
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            log.warning("Redis unreachable: the %s limit is counted per process", self.name)


class LocalWindows:
    """A fixed window per key and rate in this process."""

    def __init__(self) -> None:
        self._windows: dict[tuple[RateLimitItem, tuple[str, ...]], tuple[float, int]] = {}

    def check(self, item: RateLimitItem, identifiers: tuple[str, ...]) -> None:
        now = time.monotonic()
        key = (item, identifiers)
        window = item.get_expiry()
        started, count = self._windows.get(key, (now, 0))
        if now - started >= window:
            started, count = now, 0
        if count >= item.amount:
            raise too_many(started + window - now)
        self._windows[key] = (started, count + 1)
        if len(self._windows) > SWEEP_THRESHOLD:
            self._sweep(now)

    def _sweep(self, now: float) -> None:
        expired = [
            key
            for key, (started, _) in self._windows.items()
            if now - started >= key[0].get_expiry()
        ]
        for key in expired:
            del self._windows[key]
