"""Request limits ("300/minute", in the `limits` library's notation), counted across nodes.

With Redis, a limit is `limits`' sliding-window counter in Redis (two counters per key and
one script call per check, on the limiters' own connection pool, `Store.limits_pool`):
every node counts the same hits, so N processes do not give a visitor N times the limit
(CONTRACT §14). Keys are keyed hashes: no IP address, e-mail or session id in Redis.

In process memory instead, a fixed window per key: for the embedded store (one process,
nothing to share), and while Redis is unreachable: sends must keep being accepted then
(§14), and a per-process wall still stops a script. After a failure one check at a time
asks Redis again while the others count locally, so a Redis that hangs stalls no one but
that probe (for `LIMITS_TIMEOUT_SECONDS`). `limits`' own in-memory storages run an
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
from webchat.store.client import Store

log = logging.getLogger(__name__)

# In-process windows kept per rate at most; past it the oldest go (they start afresh).
MAX_LOCAL_KEYS = 200_000
# While Redis is away, one warning per this many seconds and limiter, not one per request.
WARN_EVERY_SECONDS = 30.0
# After a failed call, count locally this long before asking Redis again: an unreachable
# host would otherwise cost every send a connect timeout.
RETRY_REDIS_SECONDS = 2.0
KEY_PREFIX = "webchat:limits"


def _digest(identifiers: tuple[str, ...], key: bytes) -> str:
    joined = "\x1f".join(identifiers).encode()
    return hashlib.blake2b(joined, digest_size=16, key=key).hexdigest()


def per_second(rate: str) -> float:
    item = parsed(rate)
    return item.amount / item.get_expiry()


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
    def __init__(
        self, rate: str, store: Store | None = None, name: str = "limit", key: bytes = b""
    ) -> None:
        """`key` (up to 64 bytes, from the server's secret) keys the hash of identifiers:
        an IP address cannot be found again from its key by trying them all."""
        self.item = parsed(rate)
        self.name = name
        self._key = key
        self._local = LocalWindows()
        self._shared: SlidingWindowCounterRateLimiter | None = None
        pool = store.limits_pool() if store is not None else None
        if pool is not None:
            assert store is not None and store.url is not None
            storage = RedisStorage(
                f"async+{store.url}",
                wrap_exceptions=True,
                implementation="redispy",
                key_prefix=KEY_PREFIX,
                # `limits` passes it on to redis-py (its options are typed as scalars).
                connection_pool=pool,  # type: ignore[arg-type]
            )
            self._shared = SlidingWindowCounterRateLimiter(storage)
        self._warned_at = -WARN_EVERY_SECONDS
        self._local_until = 0.0
        # After a failure: whether Redis is in doubt, and whether a check is asking it.
        self._in_doubt = False
        self._probing = False
        self._refused: dict[tuple[RateLimitItem, tuple[str, ...]], float] = {}

    async def check(self, *identifiers: str, rate: str | None = None, hit: bool = True) -> None:
        """One hit for `identifiers`; `429` with `Retry-After` past the limit. `rate`
        replaces the limit's own for this call (a tenant's setting); each rate counts apart.
        `hit=False` only asks: 429 if the limit is spent, counting nothing (for limits on
        failures, checked before the attempt and hit after it failed)."""
        item = self.item if rate is None else parsed(rate)
        now = time.monotonic()
        refused_until = self._refused.get((item, identifiers))
        if refused_until is not None:
            if now < refused_until:
                raise too_many(refused_until - now)
            del self._refused[(item, identifiers)]
        local = now < self._local_until or (self._in_doubt and self._probing)
        if self._shared is None or local:
            self._local.check(item, identifiers, hit)
            return
        # Hashed: no session id or IP address in Redis's keys (an erasure leaves none).
        keys = (self.name, _digest(identifiers, self._key))
        probe = self._in_doubt
        self._probing = self._probing or probe
        try:
            allowed = await (self._shared.hit if hit else self._shared.test)(item, *keys)
            if allowed:
                self._in_doubt = False
                return
            stats = await self._shared.get_window_stats(item, *keys)
            self._in_doubt = False
        except StorageError:
            self._redis_failed()
            self._local.check(item, identifiers, hit)
            return
        finally:
            if probe:
                self._probing = False
        # What the client is told (at least 1 s; `limits` may give less, even none).
        retry_after = max(1.0, stats.reset_time - time.time())
        self._remember_refusal((item, identifiers), now + retry_after)
        raise too_many(retry_after)

    def _remember_refusal(self, key: tuple[RateLimitItem, tuple[str, ...]], until: float) -> None:
        """Refused by Redis until `until`: later checks of this key are refused here without
        asking (a flood's refusals cost a dict lookup, not two script calls each)."""
        self._refused[key] = until
        if len(self._refused) > MAX_LOCAL_KEYS:
            del self._refused[next(iter(self._refused))]

    def _redis_failed(self) -> None:
        now = time.monotonic()
        self._in_doubt = True
        self._local_until = now + RETRY_REDIS_SECONDS
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            log.warning("Redis unreachable: the %s limit is counted per process", self.name)


class LocalWindows:
    """A fixed window per key and rate in this process. Each rate's windows are kept in
    the order they started, so the expired ones are dropped from the front: a check costs
    a lookup and whatever it drops, however many keys are live."""

    def __init__(self) -> None:
        self._windows: dict[RateLimitItem, dict[tuple[str, ...], tuple[float, int]]] = {}

    def check(self, item: RateLimitItem, identifiers: tuple[str, ...], hit: bool = True) -> None:
        now = time.monotonic()
        window = item.get_expiry()
        windows = self._windows.setdefault(item, {})
        while windows:
            oldest = next(iter(windows))
            if now - windows[oldest][0] < window:
                break
            del windows[oldest]
        started, count = windows.get(identifiers, (now, 0))
        if count >= item.amount:
            raise too_many(started + window - now)
        if not hit:
            return
        windows[identifiers] = (started, count + 1)  # a new key goes last: order kept
        if len(windows) > MAX_LOCAL_KEYS:
            del windows[next(iter(windows))]

    def __len__(self) -> int:
        return sum(len(windows) for windows in self._windows.values())
