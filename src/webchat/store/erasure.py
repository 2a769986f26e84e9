"""A visitor's traces in Redis (CONTRACT §12): session bindings, presence, stream entries.

Every step is idempotent and keyed by what the caller knows without the database (the
session ids, the userId, the conversation ids), so an erasure that stopped halfway can
simply run again."""

from __future__ import annotations

import orjson

from webchat.store.client import Store
from webchat.store.presence import online_key, tabs_key
from webchat.store.sessions import session_key
from webchat.store.streams import stream_key

SCAN_COUNT = 1000


async def erase_visitor_traces(
    store: Store,
    tenant_id: str,
    session_ids: set[str],
    user_id: str | None,
    conversation_ids: set[str],
) -> int:
    """Delete the sessions' bindings and presence, and the stream entries of these
    conversations, sessions or user; returns how many stream entries went."""
    async with store.guard():
        redis = store.redis
        for session_id in session_ids:
            await redis.delete(session_key(tenant_id, session_id), tabs_key(tenant_id, session_id))
            await redis.hdel(online_key(tenant_id), session_id)
        removed = 0
        key = stream_key(tenant_id)
        start = "-"
        while True:
            entries = await redis.xrange(key, min=start, max="+", count=SCAN_COUNT)
            if not entries:
                break
            doomed: list[str] = []
            for raw_id, fields in entries:
                entry_id = _text(raw_id)
                raw = (fields or {}).get(b"message") or (fields or {}).get("message")
                try:
                    message = orjson.loads(raw) if raw else {}
                except orjson.JSONDecodeError:
                    continue
                if (
                    message.get("conversationId") in conversation_ids
                    or message.get("sessionId") in session_ids
                    or (user_id is not None and message.get("userId") == user_id)
                ):
                    doomed.append(entry_id)
            if doomed:
                removed += int(await redis.xdel(key, *doomed))
            start = "(" + _text(entries[-1][0])
            if len(entries) < SCAN_COUNT:
                break
        return removed


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
