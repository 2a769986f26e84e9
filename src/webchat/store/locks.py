"""A lease in Redis for jobs that one node at a time should run (retention)."""

from __future__ import annotations

from webchat.store.client import Store, StoreUnavailable


def _key(name: str) -> str:
    return f"lock:{name}"


async def acquire_lock(store: Store, name: str, seconds: int) -> bool:
    """True if this caller now holds the lock (it expires by itself after `seconds`)."""
    try:
        async with store.guard():
            return bool(await store.redis.set(_key(name), "1", nx=True, ex=seconds))
    except StoreUnavailable:
        return False


async def release_lock(store: Store, name: str) -> None:
    try:
        async with store.guard():
            await store.redis.delete(_key(name))
    except StoreUnavailable:
        return
