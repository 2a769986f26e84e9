"""`webchat.gateway.rate_limits` on a real Redis: one limit whatever node counts the hit
(CONTRACT §14), and requests still answered, per process, while Redis is away."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from support.services import RedisProcess
from webchat.errors import ApiError
from webchat.gateway import rate_limits
from webchat.gateway.rate_limits import RateLimiter
from webchat.store.client import Store, connect_store


@pytest.fixture
async def redis() -> AsyncIterator[RedisProcess]:
    """Its own Redis: this module kills it."""
    process = RedisProcess().start()
    yield process
    process.cleanup()


@pytest.fixture
async def node(redis: RedisProcess) -> AsyncIterator[Callable[[str], RateLimiter]]:
    """``node(rate)``: a limiter on a store of its own, as another process would have."""
    stores: list[Store] = []

    def make(rate: str) -> RateLimiter:
        store = connect_store(redis.url)
        stores.append(store)
        return RateLimiter(rate, store, "visitor")

    yield make
    for store in stores:
        await store.close()


async def refused(limiter: RateLimiter, *key: str, hit: bool = True) -> ApiError | None:
    try:
        await limiter.check(*key, hit=hit)
    except ApiError as error:
        return error
    return None


async def test_two_nodes_share_one_limit(node: Callable[[str], RateLimiter]) -> None:
    first, second = node("4/minute"), node("4/minute")
    session = str(uuid.uuid4())
    for limiter in (first, second, first, second):
        assert await refused(limiter, "acme", session) is None
    for limiter in (first, second):
        error = await refused(limiter, "acme", session)
        assert error is not None and error.status == 429 and error.code == "rate_limited"
        assert 1 <= int(error.headers["Retry-After"]) <= 60
    # Another session, and the same session of another tenant, count apart.
    assert await refused(second, "acme", str(uuid.uuid4())) is None
    assert await refused(second, "globex", session) is None


async def test_limits_of_different_names_count_apart(redis: RedisProcess) -> None:
    store = connect_store(redis.url)
    try:
        login, transcript = (
            RateLimiter("1/minute", store, "login"),
            RateLimiter("1/minute", store, "transcript"),
        )
        assert await refused(login, "same-key") is None
        assert await refused(transcript, "same-key") is None
        assert await refused(login, "same-key") is not None
    finally:
        await store.close()


async def test_while_redis_is_away_each_process_counts_alone_then_shares_again(
    redis: RedisProcess, node: Callable[[str], RateLimiter], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rate_limits, "RETRY_REDIS_SECONDS", 0.2)
    first, second = node("3/minute"), node("3/minute")
    session = str(uuid.uuid4())
    assert await refused(first, "acme", session) is None
    redis.kill()
    # Sends keep being accepted with Redis down, each process a wall of its own.
    for limiter in (first, second):
        for _ in range(3):
            assert await refused(limiter, "acme", session) is None
        assert await refused(limiter, "acme", session) is not None
    redis.start()
    await asyncio.sleep(0.3)  # past RETRY_REDIS_SECONDS: Redis is asked again
    # Back in Redis (it kept nothing on disk): one count for both nodes again.
    fresh = str(uuid.uuid4())
    for limiter in (first, second, first):
        assert await refused(limiter, "acme", fresh) is None
    assert await refused(second, "acme", fresh) is not None


async def test_a_burst_of_concurrent_checks_is_counted_in_redis_exactly(
    node: Callable[[str], RateLimiter],
) -> None:
    """More checks at once than any pool has connections: they wait their turn and are all
    counted in Redis (redis-py's default pool refused past 100 and the limit fell back to
    per-process counting under exactly this load)."""
    limiter = node("1000/minute")
    results = await asyncio.gather(*(refused(limiter, "burst") for _ in range(1_200)))
    assert limiter._local_until == 0.0, "a healthy Redis was taken for an unreachable one"
    assert len(limiter._local) == 0
    assert sum(r is None for r in results) == 1_000
    assert all(r.status == 429 for r in results if r is not None)


async def test_keys_in_redis_are_keyed_hashes(redis: RedisProcess) -> None:
    store = connect_store(redis.url)
    try:
        one = RateLimiter("5/minute", store, "refusal", key=b"k" * 32)
        other = RateLimiter("5/minute", store, "refusal", key=b"x" * 32)
        await one.check("203.0.113.7")
        await other.check("203.0.113.7")
        keys = sorted(await store.redis.keys(f"{rate_limits.KEY_PREFIX}*"))
        assert keys and not any("203.0.113.7" in key for key in keys), keys
        assert len(keys) == 2, f"the same IP under two keys must hash apart: {keys}"
    finally:
        await store.close()


async def test_asking_in_redis_counts_nothing(node: Callable[[str], RateLimiter]) -> None:
    first, second = node("2/minute"), node("2/minute")
    for _ in range(5):
        assert await refused(first, "ip", hit=False) is None
    assert await refused(first, "ip") is None
    assert await refused(second, "ip") is None
    error = await refused(second, "ip", hit=False)
    assert error is not None and error.status == 429


async def test_a_refusal_is_remembered_until_its_retry_after(
    node: Callable[[str], RateLimiter], redis: RedisProcess
) -> None:
    """A flood's repeated refusals are answered without asking Redis: refused once, the
    key stays refused here for its Retry-After, even with Redis gone (where counting
    locally from zero would have let it through)."""
    limiter = node("1/minute")
    assert await refused(limiter, "flood") is None
    first = await refused(limiter, "flood")
    assert first is not None and first.status == 429
    redis.kill()
    again = await refused(limiter, "flood")
    assert again is not None and again.status == 429
    assert int(again.headers["Retry-After"]) <= int(first.headers["Retry-After"])
    assert limiter._local_until == 0.0, "Redis was asked"
    assert await refused(limiter, "someone else") is None  # counted locally now
