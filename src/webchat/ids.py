"""Identifiers: typed names for the ids of CONTRACT §1, and the server's message ids."""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from typing import NewType

TenantId = NewType("TenantId", str)
SessionId = NewType("SessionId", str)
ConversationId = NewType("ConversationId", str)
MessageId = NewType("MessageId", str)
AgentId = NewType("AgentId", str)

TENANT_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
FINGERPRINT_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,128}$")
ULID_PATTERN = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]


class _MonotonicUlid:
    """ULIDs that sort in creation order even within one millisecond.

    Plain random ULIDs made in the same millisecond sort at random, and history,
    `sync` and cursors all order by message id; so within a millisecond the
    random part is incremented instead of redrawn (the ULID spec's monotonic mode).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._last_random = 0

    def new(self) -> str:
        with self._lock:
            now_ms = time.time_ns() // 1_000_000
            if now_ms <= self._last_ms:
                now_ms = self._last_ms
                self._last_random += 1
            else:
                self._last_random = int.from_bytes(os.urandom(10), "big") >> 1
            self._last_ms = now_ms
            value = (now_ms << 80) | (self._last_random & ((1 << 80) - 1))
        # 26 characters of 5 bits = 13 pairs of 10 bits, each looked up at once.
        return "".join([_PAIRS[(value >> shift) & 1023] for shift in range(120, -1, -10)])


_ulids = _MonotonicUlid()


def new_ulid() -> str:
    return _ulids.new()


def new_message_id() -> MessageId:
    return MessageId(new_ulid())


def ulid_timestamp_ms(value: str) -> int:
    number = 0
    for char in value[:10]:
        number = number * 32 + _CROCKFORD.index(char)
    return number


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def is_canonical_uuid(value: str) -> bool:
    """Exactly the lowercase, hyphenated text `str(uuid.UUID(…))` gives."""
    return _CANONICAL_UUID.fullmatch(value) is not None


def canonical_uuid(value: str) -> str | None:
    """The canonical lowercase text of a UUID, or None if `value` is not one."""
    try:
        parsed = uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return None
    text = str(parsed)
    return text if text == value.lower() and len(value) == 36 else None


def ulid_floor(unix_ms: int) -> str:
    """The smallest ULID of that millisecond: every id made then or later sorts after it."""
    value = unix_ms << 80
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))
