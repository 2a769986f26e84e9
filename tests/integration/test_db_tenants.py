"""`webchat.db.tenants` and the operator actions on them: keys, revocation, agents."""

from __future__ import annotations

import pytest

from webchat.actions.tenants import (
    InvalidInput,
    demo_credentials,
    do_create_agent,
    do_create_key,
    do_create_tenant,
    do_revoke_key,
    ensure_demo_tenant,
)
from webchat.db import Database
from webchat.db.tenants import (
    AlreadyExists,
    find_agent,
    find_api_key,
    get_tenant,
    insert_tenant,
    revoke_api_keys,
)
from webchat.gateway.keys import hash_key, key_prefix
from webchat.gateway.passwords import verify_password

JWT_SECRET = "j" * 64


async def test_tenant_round_trip_and_duplicates(db: Database) -> None:
    created = await do_create_tenant(db, "acme", "Acme Inc", ["https://Shop.example.com"])
    tenant = await get_tenant(db, "acme")
    assert tenant is not None
    assert tenant.name == "Acme Inc"
    assert tenant.allowed_origins == ["https://shop.example.com"]
    assert tenant.require_identity is True
    assert tenant.identity_secret == created.identity_secret
    with pytest.raises(AlreadyExists):
        await insert_tenant(db, "acme", "again", "s", [])
    with pytest.raises(InvalidInput):
        await do_create_tenant(db, "acme", None, [])
    assert await get_tenant(db, "nobody") is None


async def test_keys_are_stored_hashed_and_found_by_hash(db: Database) -> None:
    created = await do_create_tenant(db, "acme", None, [])
    found = await find_api_key(db, hash_key(created.public_key))
    assert found is not None
    key, tenant = found
    assert (key.kind, key.prefix, key.revoked) == ("public", created.public_key[:12], False)
    assert tenant.tenant_id == "acme"
    async with db.engine.connect() as connection:
        stored = (await connection.exec_driver_sql("SELECT key_hash, prefix FROM api_keys")).all()
    everything = repr(stored)
    assert created.public_key not in everything and created.secret_key not in everything
    assert await find_api_key(db, hash_key("pk_unknown")) is None


async def test_revoke_by_whole_key(db: Database) -> None:
    created = await do_create_tenant(db, "acme", None, [])
    revoked = await do_revoke_key(db, created.secret_key)
    assert revoked == [{"tenantId": "acme", "kind": "secret", "prefix": created.secret_key[:12]}]
    secret = await find_api_key(db, hash_key(created.secret_key))
    public = await find_api_key(db, hash_key(created.public_key))
    assert secret is not None and secret[0].revoked
    assert public is not None and not public[0].revoked


async def test_revoke_by_prefix_touches_only_that_key(db: Database) -> None:
    created = await do_create_tenant(db, "acme", None, [])
    extra = await do_create_key(db, "acme", "public")
    prefix = key_prefix(extra)
    records = await revoke_api_keys(db, hash_key(prefix), prefix)
    assert [(r.kind, r.prefix, r.revoked) for r in records] == [("public", prefix, True)]
    assert (await find_api_key(db, hash_key(extra)))[0].revoked  # type: ignore[index]
    assert not (await find_api_key(db, hash_key(created.public_key)))[0].revoked  # type: ignore[index]
    # Revoking again finds no live key.
    assert await revoke_api_keys(db, hash_key(prefix), prefix) == []
    with pytest.raises(InvalidInput):
        await do_revoke_key(db, prefix)


async def test_revoke_refuses_too_short_or_unknown(db: Database) -> None:
    await do_create_tenant(db, "acme", None, [])
    with pytest.raises(InvalidInput):
        await do_revoke_key(db, "pk_")
    with pytest.raises(InvalidInput):
        await do_revoke_key(db, "pk_nothing_like_it")


async def test_agents(db: Database) -> None:
    await do_create_tenant(db, "acme", None, [])
    agent_id = await do_create_agent(db, "acme", " Ann@Example.COM ", "long enough pw")
    agent = await find_agent(db, "acme", "ann@example.com")
    assert agent is not None and agent.agent_id == agent_id
    assert agent.name == "ann"
    assert verify_password(agent.password_hash, "long enough pw")
    with pytest.raises(InvalidInput):
        await do_create_agent(db, "acme", "ann@example.com", "another pw!")
    with pytest.raises(InvalidInput):
        await do_create_agent(db, "acme", "bob@example.com", "short")
    with pytest.raises(InvalidInput):
        await do_create_agent(db, "nobody", "bob@example.com", "long enough pw")
    assert await find_agent(db, "other", "ann@example.com") is None


async def test_demo_tenant_is_idempotent_and_follows_the_secret(db: Database) -> None:
    creds = await ensure_demo_tenant(db, JWT_SECRET)
    assert creds == demo_credentials(JWT_SECRET)
    assert await ensure_demo_tenant(db, JWT_SECRET) == creds
    found = await find_api_key(db, hash_key(creds.public_key))
    assert found is not None and found[1].tenant_id == "demo"
    agent = await find_agent(db, "demo", creds.agent_email)
    assert agent is not None and verify_password(agent.password_hash, creds.agent_password)
    # A new secret: new keys and the agent's password follows.
    other = await ensure_demo_tenant(db, "k" * 64)
    agent = await find_agent(db, "demo", other.agent_email)
    assert agent is not None and verify_password(agent.password_hash, other.agent_password)
    assert await find_api_key(db, hash_key(other.secret_key)) is not None
