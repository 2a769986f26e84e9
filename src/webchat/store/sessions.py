"""Visitor sessions: `session:<tenantId>:<sessionId>`, a hash that lives 24 h after last use."""

from __future__ import annotations

from dataclasses import dataclass

from webchat.store.client import Store

SESSION_TTL_SECONDS = 24 * 60 * 60

# Binds a session to the first fingerprint seen, atomically: two tabs racing on a new
# session cannot both bind different fingerprints. Returns false on a mismatch, else
# what the session already knows: {conversationId, userId, userInfo, "new" or ""}.
_BIND = """
local current = redis.call('HGET', KEYS[1], 'fingerprint')
if current and current ~= ARGV[1] then return false end
if not current then redis.call('HSET', KEYS[1], 'fingerprint', ARGV[1], 'createdAt', ARGV[3]) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
local known = redis.call('HMGET', KEYS[1], 'conversationId', 'userId', 'userInfo')
return {known[1] or '', known[2] or '', known[3] or '', current and '' or 'new'}
"""


@dataclass(frozen=True)
class SessionState:
    conversation_id: str | None
    user_id: str | None
    user_info_json: str
    # Bound by this call: the first time the session was seen.
    created: bool = False
    # False when Redis was away: nothing of the session is cached there.
    cached: bool = True


def session_key(tenant_id: str, session_id: str) -> str:
    return f"session:{tenant_id}:{session_id}"


async def bind_session(
    store: Store, tenant_id: str, session_id: str, fingerprint: str, now_iso: str
) -> SessionState | None:
    """Create the session bound to `fingerprint`, or refresh it; None on a mismatch."""
    async with store.guard():
        result = await store.redis.eval(
            _BIND, 1, session_key(tenant_id, session_id), fingerprint, SESSION_TTL_SECONDS, now_iso
        )
    if result is None:
        return None
    conversation_id, user_id, user_info_json, created = result
    return SessionState(conversation_id or None, user_id or None, user_info_json, created == "new")


async def forget_session(store: Store, tenant_id: str, session_id: str) -> None:
    async with store.guard():
        await store.redis.delete(session_key(tenant_id, session_id))


async def attach_conversation(
    store: Store,
    tenant_id: str,
    session_id: str,
    conversation_id: str,
    user_id: str | None,
    user_info_json: str,
) -> None:
    key = session_key(tenant_id, session_id)
    async with store.guard(), store.redis.pipeline(transaction=True) as pipe:
        pipe.hset(
            key,
            items=[
                "conversationId",
                conversation_id,
                "userId",
                user_id or "",
                "userInfo",
                user_info_json,
            ],
        )
        pipe.expire(key, SESSION_TTL_SECONDS)
        await pipe.execute()


async def get_conversation_id(store: Store, tenant_id: str, session_id: str) -> str | None:
    async with store.guard():
        value = await store.redis.hget(session_key(tenant_id, session_id), "conversationId")
    return str(value) if value else None


async def touch_session(store: Store, tenant_id: str, session_id: str) -> None:
    async with store.guard():
        await store.redis.expire(session_key(tenant_id, session_id), SESSION_TTL_SECONDS)
