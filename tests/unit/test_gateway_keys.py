"""`webchat.gateway.keys` and `webchat.gateway.passwords`."""

from __future__ import annotations

import hashlib
import re

import pytest

from webchat.gateway.keys import PREFIX_LENGTH, generate_key, hash_key, key_kind, key_prefix
from webchat.gateway.passwords import hash_password, verify_password

URLSAFE = re.compile(r"^[A-Za-z0-9_-]+$")


@pytest.mark.parametrize(
    ("kind", "prefix", "minimum"), [("public", "pk_", 24), ("secret", "sk_", 32)]
)
def test_generated_keys_have_their_prefix_and_enough_random_characters(
    kind: str, prefix: str, minimum: int
) -> None:
    keys = [generate_key(kind) for _ in range(200)]  # type: ignore[arg-type]
    assert len(set(keys)) == 200
    for key in keys:
        assert key.startswith(prefix)
        random_part = key[len(prefix) :]
        assert len(random_part) >= minimum
        assert URLSAFE.match(random_part)
        assert key_kind(key) == kind


def test_random_part_is_not_constant_per_position() -> None:
    keys = [generate_key("public") for _ in range(200)]
    # Every position past the prefix takes many values: it is random, not padding.
    for position in range(3, len(keys[0])):
        assert len({k[position] for k in keys}) > 10


def test_key_kind_is_decided_by_the_prefix_only() -> None:
    assert key_kind("pk_anything") == "public"
    assert key_kind("sk_anything") == "secret"
    assert key_kind("PK_anything") is None
    assert key_kind("eyJhbGciOi.token.sig") is None
    assert key_kind("") is None


def test_hash_is_sha256_hex_and_depends_on_the_whole_key() -> None:
    key = generate_key("secret")
    assert hash_key(key) == hashlib.sha256(key.encode()).hexdigest()
    assert len(hash_key(key)) == 64
    assert hash_key(key) != hash_key(key[:-1])
    assert key not in hash_key(key)


def test_prefix_is_the_first_12_characters() -> None:
    assert PREFIX_LENGTH == 12
    key = generate_key("public")
    assert key_prefix(key) == key[:12]
    assert len(key_prefix(key)) == 12
    assert key.startswith(key_prefix(key))


def test_password_hash_verifies_only_the_right_password() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse battery ")
    assert not verify_password(stored, "")
    # Salted: the same password hashes differently each time.
    assert hash_password("correct horse battery") != stored


def test_unknown_agent_and_garbage_hash_never_verify() -> None:
    assert not verify_password(None, "webchat-timing-equalizer")
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")
