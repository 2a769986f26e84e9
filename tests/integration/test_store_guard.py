"""`Store.guard`: a Redis that hangs (SIGSTOP) costs one command its timeout; for a moment
after, the others fail at once and their callers fall back (CONTRACT §14), and then the
store asks Redis again."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid

import pytest

from support.services import RedisProcess
from webchat.store import StoreUnavailable
from webchat.store import client as store_client
from webchat.store.client import connect_store
from webchat.store.sessions import bind_session

TIMEOUT = 2.0


async def test_after_a_hung_command_the_next_fail_at_once_then_redis_is_asked_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(store_client, "SOCKET_TIMEOUT_SECONDS", TIMEOUT)
    redis = RedisProcess().start()
    store = connect_store(redis.url)
    session = str(uuid.uuid4())
    try:
        assert await bind_session(store, "acme", session, "fp_guard001", "now") is not None
        redis._signal_group(signal.SIGSTOP)
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            await bind_session(store, "acme", session, "fp_guard001", "now")
        assert time.monotonic() - started >= TIMEOUT * 0.9, "the hang was not waited for"
        started = time.monotonic()
        for _ in range(20):
            with pytest.raises(StoreUnavailable):
                await bind_session(store, "acme", session, "fp_guard001", "now")
        assert time.monotonic() - started < TIMEOUT / 2, "each call waited on the hung Redis"
        redis._signal_group(signal.SIGCONT)
        await asyncio.sleep(store_client.DOUBT_SECONDS + 0.1)
        assert await bind_session(store, "acme", session, "fp_guard001", "now") is not None
    finally:
        redis._signal_group(signal.SIGCONT)
        await store.close()
        redis.cleanup()
