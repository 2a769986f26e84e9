"""Request limits per visitor: a fixed window per key, counted in process memory.

The limit is written in the `limits` library's notation ("300/minute") and parsed by it.
The counting is ours: `limits`' in-memory storages run an expiry timer every 10 ms for as
long as any key exists (a thread hop each time), which profiling showed costing 2-7 % of
a busy server's CPU (docs/performance.md); a dict of windows checked inline costs a
lookup. Per-process counting is deliberate: with N processes a visitor gets at most N
times the limit, still a wall for a script, and no Redis round trip on the hot path.
"""

from __future__ import annotations

import math
import time

from limits import parse

from webchat.errors import ApiError

# Forgotten windows are swept once the table grows past this many keys.
SWEEP_THRESHOLD = 10_000


class RateLimiter:
    def __init__(self, rate: str) -> None:
        item = parse(rate)
        self.amount = item.amount
        self.window_seconds = item.get_expiry()
        self._windows: dict[tuple[str, ...], tuple[float, int]] = {}

    async def check(self, *identifiers: str) -> None:
        now = time.monotonic()
        started, count = self._windows.get(identifiers, (now, 0))
        if now - started >= self.window_seconds:
            started, count = now, 0
        if count >= self.amount:
            retry_after = max(1, math.ceil(started + self.window_seconds - now))
            raise ApiError(
                429,
                "rate_limited",
                "Too many requests; slow down.",
                headers={"Retry-After": str(retry_after)},
            )
        self._windows[identifiers] = (started, count + 1)
        if len(self._windows) > SWEEP_THRESHOLD:
            self._sweep(now)

    def _sweep(self, now: float) -> None:
        expired = [
            key
            for key, (started, _) in self._windows.items()
            if now - started >= self.window_seconds
        ]
        for key in expired:
            del self._windows[key]
