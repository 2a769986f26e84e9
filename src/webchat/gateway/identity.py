"""Identity verification: a host site proves a `userId` with
HMAC-SHA256(identity secret, userId)."""

from __future__ import annotations

import hashlib
import hmac

from webchat.db.records import TenantRecord
from webchat.errors import ApiError


def identity_hash(identity_secret: str, user_id: str) -> str:
    return hmac.new(identity_secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def check_identity(tenant: TenantRecord, user_id: str, user_hash: str | None) -> None:
    if not tenant.require_identity:
        return
    expected = identity_hash(tenant.identity_secret, user_id)
    if not user_hash or not hmac.compare_digest(expected, user_hash.lower()):
        raise ApiError(
            403,
            "identity_verification_failed",
            "userId needs a valid userHash: hex HMAC-SHA256(identity secret, userId).",
        )
