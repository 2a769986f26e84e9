"""Request limits per visitor, with the `limits` library (moving window, in process memory).

Per-process counting is a deliberate simplicity: with N processes a visitor gets at most N
times the limit, still a wall for a script, and no Redis round trip on the hot path.
"""

from __future__ import annotations

import math
import time

from limits import parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from webchat.errors import ApiError


class RateLimiter:
    def __init__(self, rate: str) -> None:
        self._item = parse(rate)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def check(self, *identifiers: str) -> None:
        if await self._limiter.hit(self._item, *identifiers):
            return
        stats = await self._limiter.get_window_stats(self._item, *identifiers)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise ApiError(
            429,
            "rate_limited",
            "Too many requests; slow down.",
            headers={"Retry-After": str(retry_after)},
        )
