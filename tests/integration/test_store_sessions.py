"""`webchat.store.sessions`: a session is bound to its first fingerprint and lives 24 h
after its last use."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from webchat.store import Store
from webchat.store.sessions import (
    SESSION_TTL_SECONDS,
    attach_conversation,
    bind_session,
    get_conversation_id,
    session_key,
    touch_session,
)

NOW = "2026-11-24T10:00:00.000Z"


@pytest.fixture
def session_id() -> str:
    return str(uuid.uuid4())


async def test_first_bind_creates_an_empty_session(
    store: Store, tenant_id: str, session_id: str
) -> None:
    state = await bind_session(store, tenant_id, session_id, "fp_aaaaaaaa", NOW)
    assert state is not None
    assert (state.conversation_id, state.user_id, state.user_info_json) == (None, None, "")
    stored = await store.redis.hgetall(session_key(tenant_id, session_id))
    assert stored == {"fingerprint": "fp_aaaaaaaa", "createdAt": NOW}


async def test_same_fingerprint_rebinds_and_other_fingerprint_is_refused(
    store: Store, tenant_id: str, session_id: str
) -> None:
    assert await bind_session(store, tenant_id, session_id, "fp_aaaaaaaa", NOW) is not None
    assert await bind_session(store, tenant_id, session_id, "fp_aaaaaaaa", NOW) is not None
    assert await bind_session(store, tenant_id, session_id, "fp_bbbbbbbb", NOW) is None
    # The refusal changed nothing.
    key = session_key(tenant_id, session_id)
    assert await store.redis.hget(key, "fingerprint") == "fp_aaaaaaaa"


async def test_equal_session_ids_of_two_tenants_are_two_sessions(
    store: Store, session_id: str
) -> None:
    assert await bind_session(store, "tenant-a", session_id, "fp_aaaaaaaa", NOW) is not None
    assert await bind_session(store, "tenant-b", session_id, "fp_bbbbbbbb", NOW) is not None


async def test_racing_binds_with_different_fingerprints_bind_exactly_one(
    store_pair: tuple[Store, Store], tenant_id: str, session_id: str
) -> None:
    first, second = store_pair
    fingerprints = [f"fp_racer{i:03d}" for i in range(20)]
    results = await asyncio.gather(
        *(
            bind_session(first if i % 2 else second, tenant_id, session_id, fp, NOW)
            for i, fp in enumerate(fingerprints)
        )
    )
    winners = [fp for fp, state in zip(fingerprints, results, strict=True) if state is not None]
    assert len(winners) == 1
    assert await first.redis.hget(session_key(tenant_id, session_id), "fingerprint") == winners[0]


async def test_bind_sets_and_refreshes_the_24h_ttl(
    store: Store, tenant_id: str, session_id: str
) -> None:
    key = session_key(tenant_id, session_id)
    await bind_session(store, tenant_id, session_id, "fp_aaaaaaaa", NOW)
    ttl = await store.redis.ttl(key)
    assert SESSION_TTL_SECONDS - 5 <= ttl <= SESSION_TTL_SECONDS == 86_400
    await store.redis.expire(key, 60)
    assert await store.redis.ttl(key) <= 60
    await bind_session(store, tenant_id, session_id, "fp_aaaaaaaa", NOW)
    assert await store.redis.ttl(key) > SESSION_TTL_SECONDS - 5


async def test_touch_and_attach_refresh_the_ttl(
    store: Store, tenant_id: str, session_id: str
) -> None:
    key = session_key(tenant_id, session_id)
    await bind_session(store, tenant_id, session_id, "fp_aaaaaaaa", NOW)
    await store.redis.expire(key, 60)
    await touch_session(store, tenant_id, session_id)
    assert await store.redis.ttl(key) > SESSION_TTL_SECONDS - 5
    await store.redis.expire(key, 60)
    await attach_conversation(store, tenant_id, session_id, "conv-1", None, "")
    assert await store.redis.ttl(key) > SESSION_TTL_SECONDS - 5


async def test_real_redis_reports_the_ttl(
    store: Store, tenant_id: str, session_id: str, request: pytest.FixtureRequest
) -> None:
    if store.embedded:
        pytest.skip("the TTL command of the real server")
    await bind_session(store, tenant_id, session_id, "fp_aaaaaaaa", NOW)
    redis_server = request.getfixturevalue("redis_server")
    ttl = int(redis_server.command("TTL", session_key(tenant_id, session_id)).split()[-1])
    assert SESSION_TTL_SECONDS - 5 <= ttl <= SESSION_TTL_SECONDS


async def test_attached_conversation_is_returned_by_later_binds(
    store: Store, tenant_id: str, session_id: str
) -> None:
    await bind_session(store, tenant_id, session_id, "fp_aaaaaaaa", NOW)
    assert await get_conversation_id(store, tenant_id, session_id) is None
    await attach_conversation(store, tenant_id, session_id, "conv-1", "user-7", '{"name":"Ann"}')
    state = await bind_session(store, tenant_id, session_id, "fp_aaaaaaaa", "later")
    assert state is not None
    assert state.conversation_id == "conv-1"
    assert state.user_id == "user-7"
    assert state.user_info_json == '{"name":"Ann"}'
    assert await get_conversation_id(store, tenant_id, session_id) == "conv-1"
    # createdAt is the first bind's.
    assert await store.redis.hget(session_key(tenant_id, session_id), "createdAt") == NOW


async def test_expired_session_can_be_bound_again_by_anyone(
    store: Store, tenant_id: str, session_id: str
) -> None:
    await bind_session(store, tenant_id, session_id, "fp_aaaaaaaa", NOW)
    await store.redis.delete(session_key(tenant_id, session_id))
    assert await bind_session(store, tenant_id, session_id, "fp_bbbbbbbb", NOW) is not None
