"""`webchat.gateway.identity`: userHash = hex HMAC-SHA256(identity secret, userId)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from webchat.db.records import TenantRecord
from webchat.errors import ApiError
from webchat.gateway.identity import check_identity, identity_hash

SECRET = "tenant-identity-secret"


def tenant(require_identity: bool = True) -> TenantRecord:
    return TenantRecord("acme", "Acme", SECRET, require_identity)


def test_identity_hash_is_hex_hmac_sha256() -> None:
    expected = hmac.new(SECRET.encode(), b"user-42", hashlib.sha256).hexdigest()
    assert identity_hash(SECRET, "user-42") == expected
    assert len(expected) == 64
    # Known answer, so a change of algorithm or encoding fails here.
    assert identity_hash("key", "The quick brown fox jumps over the lazy dog") == (
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    )


def test_valid_hash_passes_in_either_case() -> None:
    digest = identity_hash(SECRET, "user-42")
    check_identity(tenant(), "user-42", digest)
    check_identity(tenant(), "user-42", digest.upper())


def test_unicode_user_id_is_hashed_as_utf8() -> None:
    digest = hmac.new(SECRET.encode(), "Zoë".encode(), hashlib.sha256).hexdigest()
    check_identity(tenant(), "Zoë", digest)


@pytest.mark.parametrize(
    "user_hash",
    [
        None,
        "",
        identity_hash(SECRET, "user-43"),
        identity_hash("another-secret", "user-42"),
        identity_hash(SECRET, "user-42")[:-1],
        identity_hash(SECRET, "user-42") + "0",
    ],
)
def test_wrong_or_missing_hash_is_refused(user_hash: str | None) -> None:
    with pytest.raises(ApiError) as caught:
        check_identity(tenant(), "user-42", user_hash)
    assert (caught.value.status, caught.value.code) == (403, "identity_verification_failed")


def test_tenant_with_verification_off_accepts_any_user() -> None:
    check_identity(tenant(require_identity=False), "user-42", None)
    check_identity(tenant(require_identity=False), "user-42", "not even hex")
