"""`webchat.gateway.rate_limits`: a fixed window per key, answering 429 with Retry-After."""

from __future__ import annotations

import pytest

from webchat.errors import ApiError
from webchat.gateway import rate_limits
from webchat.gateway.rate_limits import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(rate_limits.time, "monotonic", clock)
    return clock


async def test_allows_the_amount_then_refuses_with_retry_after(clock: Clock) -> None:
    limiter = RateLimiter("3/minute")
    for _ in range(3):
        await limiter.check("acme", "session-1")
    clock.now += 20
    with pytest.raises(ApiError) as refused:
        await limiter.check("acme", "session-1")
    assert refused.value.status == 429
    assert refused.value.code == "rate_limited"
    assert refused.value.headers["Retry-After"] == "40"


async def test_keys_are_counted_apart(clock: Clock) -> None:
    limiter = RateLimiter("1/second")
    await limiter.check("acme", "a")
    await limiter.check("acme", "b")
    await limiter.check("other", "a")
    with pytest.raises(ApiError):
        await limiter.check("acme", "a")


async def test_a_new_window_starts_after_the_old_one(clock: Clock) -> None:
    limiter = RateLimiter("2/second")
    await limiter.check("k")
    await limiter.check("k")
    with pytest.raises(ApiError):
        await limiter.check("k")
    clock.now += 1.0
    await limiter.check("k")


async def test_expired_windows_are_dropped_and_live_ones_kept(clock: Clock) -> None:
    limiter = RateLimiter("5/second")
    for i in range(10):
        await limiter.check(str(i))
    clock.now += 0.5
    await limiter.check("later")
    clock.now += 0.6  # the first ten have expired, "later" has not
    await limiter.check("fresh")
    assert len(limiter._local) == 2


async def test_local_windows_are_bounded(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rate_limits, "MAX_LOCAL_KEYS", 100)
    limiter = RateLimiter("1/hour")
    for i in range(150):
        await limiter.check(str(i))
    assert len(limiter._local) == 100
    await limiter.check("0")  # the oldest went first: it starts afresh (fail open)


async def test_a_rate_given_per_call_replaces_the_default_and_counts_apart(clock: Clock) -> None:
    limiter = RateLimiter("1/minute")
    await limiter.check("acme", rate="2/minute")
    await limiter.check("acme", rate="2/minute")
    with pytest.raises(ApiError):
        await limiter.check("acme", rate="2/minute")
    await limiter.check("acme")  # the default's own window
    with pytest.raises(ApiError):
        await limiter.check("acme")


async def test_asking_counts_nothing_and_refuses_once_spent(clock: Clock) -> None:
    limiter = RateLimiter("2/minute")
    for _ in range(5):
        await limiter.check("ip", hit=False)
    await limiter.check("ip")
    await limiter.check("ip")
    with pytest.raises(ApiError) as refused:
        await limiter.check("ip", hit=False)
    assert refused.value.status == 429
