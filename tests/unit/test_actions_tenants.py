"""`webchat.actions.tenants`: pure parts (demo credentials, input checks)."""

from __future__ import annotations

import pytest

from webchat.actions.tenants import (
    DEMO_AGENT_EMAIL,
    InvalidInput,
    check_origin_value,
    check_tenant_id,
    demo_credentials,
)
from webchat.gateway.keys import key_kind, key_prefix

SECRET_A = "a" * 64
SECRET_B = "b" * 64


def test_demo_credentials_are_deterministic_per_secret() -> None:
    assert demo_credentials(SECRET_A) == demo_credentials(SECRET_A)
    a, b = demo_credentials(SECRET_A), demo_credentials(SECRET_B)
    assert a.public_key != b.public_key
    assert a.secret_key != b.secret_key
    assert a.agent_password != b.agent_password
    assert a.agent_email == b.agent_email == DEMO_AGENT_EMAIL


def test_demo_credentials_are_well_formed_keys() -> None:
    creds = demo_credentials(SECRET_A)
    assert key_kind(creds.public_key) == "public"
    assert key_kind(creds.secret_key) == "secret"
    assert len(creds.public_key) - 3 >= 24
    assert len(creds.secret_key) - 3 >= 32
    assert len(creds.agent_password) >= 8
    assert SECRET_A not in creds.public_key + creds.secret_key + creds.agent_password
    # Distinct prefixes, so `webchat key revoke <prefix>` names one key.
    assert key_prefix(creds.public_key) != key_prefix(creds.secret_key)


@pytest.mark.parametrize("tenant_id", ["acme", "a1", "acme-widgets", "0" * 63])
def test_valid_tenant_ids(tenant_id: str) -> None:
    check_tenant_id(tenant_id)


@pytest.mark.parametrize(
    "tenant_id", ["", "a", "Acme", "-acme", "acme_x", "acme:x", "a" * 64, "ac me"]
)
def test_invalid_tenant_ids(tenant_id: str) -> None:
    with pytest.raises(InvalidInput):
        check_tenant_id(tenant_id)


def test_origins_are_normalized_and_checked() -> None:
    assert check_origin_value("https://Shop.Example.com") == "https://shop.example.com"
    assert check_origin_value("http://localhost:3000") == "http://localhost:3000"
    for bad in ["shop.example.com", "ftp://x", "https://x/path", "*"]:
        with pytest.raises(InvalidInput):
            check_origin_value(bad)


def test_origin_with_a_trailing_slash_is_normalized_not_refused() -> None:
    """`check_origin_value` ends in `.rstrip("/")` and the gateway's `normalize_origin`
    strips it too, so `https://shop.example.com/` (as copied from an address bar) is meant
    to be accepted; the `count("/") > 2` test refuses it before the strip can run."""
    assert check_origin_value("https://Shop.Example.com/") == "https://shop.example.com"
