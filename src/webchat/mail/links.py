"""Signed links in e-mails: the unsubscribe link names a conversation and carries an
HMAC of it, keyed from the JWT secret, so nobody can opt someone else out."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode


def _key(jwt_secret: str) -> bytes:
    return hmac.new(jwt_secret.encode(), b"webchat-unsubscribe", hashlib.sha256).digest()


def unsubscribe_signature(jwt_secret: str, conversation_id: str) -> str:
    return hmac.new(_key(jwt_secret), conversation_id.encode(), hashlib.sha256).hexdigest()


def check_unsubscribe(jwt_secret: str, conversation_id: str, signature: str) -> bool:
    expected = unsubscribe_signature(jwt_secret, conversation_id)
    return hmac.compare_digest(expected, signature)


def unsubscribe_url(base_url: str, jwt_secret: str, conversation_id: str) -> str:
    query = urlencode(
        {"c": conversation_id, "s": unsubscribe_signature(jwt_secret, conversation_id)}
    )
    return f"{base_url}/webchat/unsubscribe?{query}"
