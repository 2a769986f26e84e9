"""Operator actions behind the CLI: tenants, keys, agents, and the demo tenant."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from contextlib import suppress
from dataclasses import dataclass

from webchat.db import Database
from webchat.db.tenants import (
    AlreadyExists,
    find_agent,
    get_tenant,
    insert_agent,
    insert_api_key,
    insert_tenant,
    revoke_api_keys,
    update_agent_password,
    update_agent_role,
)
from webchat.gateway.keys import KeyKind, generate_key, hash_key, key_prefix
from webchat.gateway.passwords import hash_password, verify_password
from webchat.gateway.tokens import AGENT_ROLES
from webchat.ids import TENANT_ID_PATTERN

DEMO_TENANT_ID = "demo"
DEMO_AGENT_EMAIL = "agent@demo.webchat.local"


class InvalidInput(Exception):
    pass


@dataclass(frozen=True)
class CreatedTenant:
    tenant_id: str
    public_key: str
    secret_key: str
    identity_secret: str

    def json(self) -> dict[str, str]:
        return {
            "tenantId": self.tenant_id,
            "publicKey": self.public_key,
            "secretKey": self.secret_key,
            "identitySecret": self.identity_secret,
        }


def check_tenant_id(tenant_id: str) -> None:
    if not TENANT_ID_PATTERN.fullmatch(tenant_id):
        raise InvalidInput(
            f"invalid tenant id {tenant_id!r}: 2-63 characters of a-z, 0-9 and -, "
            "starting with a letter or digit"
        )


def check_origin_value(origin: str) -> str:
    normalized = origin.strip().rstrip("/").lower()
    if not normalized.startswith(("http://", "https://")) or normalized.count("/") > 2:
        raise InvalidInput(f"invalid origin {origin!r}: expected scheme://host[:port]")
    return normalized


async def do_create_tenant(
    db: Database,
    tenant_id: str,
    name: str | None,
    allowed_origins: list[str],
    require_identity: bool = True,
) -> CreatedTenant:
    check_tenant_id(tenant_id)
    if name is not None and not 1 <= len(name) <= 200:
        raise InvalidInput("the tenant's name must have 1-200 characters")
    origins = [check_origin_value(o) for o in allowed_origins]
    identity_secret = secrets.token_urlsafe(32)
    try:
        await insert_tenant(
            db, tenant_id, name or tenant_id, identity_secret, origins, require_identity
        )
    except AlreadyExists as exc:
        raise InvalidInput(str(exc)) from None
    public_key = await do_create_key(db, tenant_id, "public")
    secret_key = await do_create_key(db, tenant_id, "secret")
    return CreatedTenant(tenant_id, public_key, secret_key, identity_secret)


async def do_create_key(db: Database, tenant_id: str, kind: KeyKind, key: str | None = None) -> str:
    if await get_tenant(db, tenant_id) is None:
        raise InvalidInput(f"no tenant {tenant_id!r}")
    key = key or generate_key(kind)
    await insert_api_key(db, tenant_id, kind, key_prefix(key), hash_key(key))
    return key


async def do_revoke_key(db: Database, key_or_prefix: str) -> list[dict[str, str]]:
    if len(key_or_prefix) < 8:
        raise InvalidInput("give the whole key or its prefix (its first 12 characters)")
    revoked = await revoke_api_keys(db, hash_key(key_or_prefix), key_or_prefix[:12])
    if not revoked:
        raise InvalidInput(f"no live key matches {key_or_prefix!r}")
    return [{"tenantId": k.tenant_id, "kind": k.kind, "prefix": k.prefix} for k in revoked]


async def do_create_agent(
    db: Database,
    tenant_id: str,
    email: str,
    password: str,
    name: str | None = None,
    role: str = "agent",
) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise InvalidInput(f"invalid e-mail {email!r}")
    # Long enough to resist online guessing; the demo agent's is random.
    if len(password) < 8:
        raise InvalidInput("the password must have at least 8 characters")
    if name is not None and not 1 <= len(name) <= 200:
        raise InvalidInput("the agent's name must have 1-200 characters")
    if role not in AGENT_ROLES:
        raise InvalidInput(f"the role must be one of {', '.join(AGENT_ROLES)}")
    if await get_tenant(db, tenant_id) is None:
        raise InvalidInput(f"no tenant {tenant_id!r}")
    try:
        agent = await insert_agent(
            db, tenant_id, email, name or email.split("@")[0], hash_password(password), role
        )
    except AlreadyExists as exc:
        raise InvalidInput(str(exc)) from None
    return agent.agent_id


@dataclass(frozen=True)
class DemoCredentials:
    public_key: str
    secret_key: str
    agent_email: str
    agent_password: str


def demo_credentials(jwt_secret: str) -> DemoCredentials:
    """Derived from the JWT secret, so every process sharing it knows the same demo keys
    without keeping them in clear anywhere (they are stored hashed like any key)."""

    def derive(label: str, length: int) -> str:
        digest = hmac.new(jwt_secret.encode(), f"webchat-demo:{label}".encode(), hashlib.sha256)
        return digest.hexdigest()[:length]

    return DemoCredentials(
        public_key="pk_demo" + derive("public", 32),
        secret_key="sk_demo" + derive("secret", 40),
        agent_email=DEMO_AGENT_EMAIL,
        agent_password=derive("agent-password", 16),
    )


async def ensure_demo_tenant(db: Database, jwt_secret: str) -> DemoCredentials:
    """Create the demo tenant, its keys and its agent unless present (idempotent, and safe
    when several processes start at once: the unique constraints settle races)."""
    creds = demo_credentials(jwt_secret)
    # The demo page is anonymous; identity verification stays on as everywhere.
    with suppress(AlreadyExists):
        await insert_tenant(db, DEMO_TENANT_ID, "Demo", secrets.token_urlsafe(32), [], True)
    for kind, key in (("public", creds.public_key), ("secret", creds.secret_key)):
        with suppress(AlreadyExists):
            await insert_api_key(db, DEMO_TENANT_ID, kind, key_prefix(key), hash_key(key))
    agent = await find_agent(db, DEMO_TENANT_ID, DEMO_AGENT_EMAIL)
    if agent is None:
        with suppress(AlreadyExists):
            await insert_agent(
                db,
                DEMO_TENANT_ID,
                DEMO_AGENT_EMAIL,
                "Demo Agent",
                hash_password(creds.agent_password),
                role="admin",
            )
        return creds
    if not verify_password(agent.password_hash, creds.agent_password):
        # The JWT secret changed since the demo agent was made: follow it.
        await update_agent_password(db, agent.agent_id, hash_password(creds.agent_password))
    if agent.role != "admin":
        # Made before roles existed: the demo agent runs the demo tenant.
        await update_agent_role(db, agent.agent_id, "admin")
    return creds
