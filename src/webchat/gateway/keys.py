"""API keys: `pk_…` public, `sk_…` secret; shown once, stored as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import secrets
from typing import Literal

KeyKind = Literal["public", "secret"]
KEY_PREFIXES: dict[KeyKind, str] = {"public": "pk_", "secret": "sk_"}
# 24 bytes -> 32 characters (contract: >= 24) and 32 bytes -> 43 characters (>= 32).
KEY_RANDOM_BYTES: dict[KeyKind, int] = {"public": 24, "secret": 32}
# Enough to name a key later (`webchat key revoke pk_AbCdEfGh`), too short to use it.
PREFIX_LENGTH = 12


def generate_key(kind: KeyKind) -> str:
    return KEY_PREFIXES[kind] + secrets.token_urlsafe(KEY_RANDOM_BYTES[kind])


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_prefix(key: str) -> str:
    return key[:PREFIX_LENGTH]


def key_kind(key: str) -> KeyKind | None:
    for kind, prefix in KEY_PREFIXES.items():
        if key.startswith(prefix):
            return kind
    return None
