"""Tenants, their API keys and their agents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from webchat.clock import utcnow
from webchat.db.audit import Audit, record_audit
from webchat.db.engine import Database
from webchat.db.models import Agent, ApiKey, Base, Tenant
from webchat.db.records import AgentRecord, ApiKeyRecord, TenantRecord
from webchat.ids import new_ulid


class AlreadyExists(Exception):
    pass


async def _insert_new(
    db: Database, row: Base, duplicate_message: str, audit: Audit | None = None
) -> None:
    """Insert one row (and its audit entry); a unique-constraint clash becomes
    `AlreadyExists`."""
    try:
        async with db.session() as session:
            session.add(row)
            await session.flush()
            await record_audit(session, audit)
    except IntegrityError:
        raise AlreadyExists(duplicate_message) from None


def agent_record(row: Agent) -> AgentRecord:
    return AgentRecord(
        row.id,
        row.tenant_id,
        row.email,
        row.name,
        row.password_hash,
        role=row.role,
        capacity=row.capacity,
        created_at=row.created_at,
        disabled=row.disabled_at is not None,
    )


def _tenant_record(row: Tenant) -> TenantRecord:
    return TenantRecord(
        tenant_id=row.id,
        name=row.name,
        identity_secret=row.identity_secret,
        require_identity=row.require_identity,
        allowed_origins=list(row.allowed_origins or []),
        settings=dict(row.settings or {}),
    )


async def insert_tenant(
    db: Database,
    tenant_id: str,
    name: str,
    identity_secret: str,
    allowed_origins: list[str],
    require_identity: bool = True,
) -> TenantRecord:
    row = Tenant(
        id=tenant_id,
        name=name,
        identity_secret=identity_secret,
        require_identity=require_identity,
        allowed_origins=allowed_origins,
        created_at=utcnow(),
    )
    await _insert_new(db, row, f"tenant {tenant_id!r} already exists")
    return _tenant_record(row)


async def get_tenant(db: Database, tenant_id: str) -> TenantRecord | None:
    async with db.session() as session:
        row = await session.get(Tenant, tenant_id)
        return _tenant_record(row) if row else None


async def update_tenant_settings(
    db: Database,
    tenant_id: str,
    changes: dict[str, Any],
    *,
    nested: frozenset[str] = frozenset(),
    columns: dict[str, Any] | None = None,
    audit: Audit | None = None,
) -> bool:
    """Apply a settings change in one transaction, under the tenant row's lock: two
    admins saving different fields (or different keys of a `nested` object, merged key
    by key) at once both keep theirs, and the column changes land with the rest or not
    at all. False when the tenant does not exist."""
    async with db.session() as session:
        row = await session.get(Tenant, tenant_id, with_for_update=True)
        if row is None:
            return False
        document = dict(row.settings or {})
        for name, value in changes.items():
            if name in nested and isinstance(value, dict):
                value = {**(document.get(name) or {}), **value}
            document[name] = value
        row.settings = document
        for name, value in (columns or {}).items():
            setattr(row, name, value)
        await record_audit(session, audit)
    return True


async def insert_api_key(
    db: Database,
    tenant_id: str,
    kind: str,
    prefix: str,
    key_hash: str,
    audit: Audit | None = None,
) -> ApiKeyRecord:
    """A new key, with its audit entry (by default the CLI's)."""
    row = ApiKey(
        id=new_ulid(),
        tenant_id=tenant_id,
        kind=kind,
        prefix=prefix,
        key_hash=key_hash,
        created_at=utcnow(),
    )
    audit = audit or Audit(tenant_id, "cli", None, "key.created", prefix)
    await _insert_new(db, row, "that key already exists", audit)
    return ApiKeyRecord(row.id, tenant_id, kind, prefix, revoked=False)


# Read on every request and handshake, so revocation takes effect at once everywhere.
FIND_API_KEY = """
SELECT k.id, k.tenant_id, k.kind, k.prefix, k.revoked_at IS NOT NULL AS revoked,
       t.name, t.identity_secret, t.require_identity, t.allowed_origins, t.settings
FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
WHERE k.key_hash = :key_hash
"""


async def find_api_key(db: Database, key_hash: str) -> tuple[ApiKeyRecord, TenantRecord] | None:
    row = await db.fetch_one(FIND_API_KEY, key_hash=key_hash)
    if row is None:
        return None
    key = ApiKeyRecord(
        row["id"], row["tenant_id"], row["kind"], row["prefix"], bool(row["revoked"])
    )
    origins, settings = row["allowed_origins"], row["settings"]
    tenant = TenantRecord(
        tenant_id=row["tenant_id"],
        name=row["name"],
        identity_secret=row["identity_secret"],
        require_identity=bool(row["require_identity"]),
        allowed_origins=list(orjson.loads(origins) if isinstance(origins, str) else origins or []),
        settings=dict(orjson.loads(settings) if isinstance(settings, str) else settings or {}),
    )
    return key, tenant


async def revoke_api_keys(db: Database, key_hash: str, prefix: str) -> list[ApiKeyRecord]:
    """Revoke the key with this hash, or every live key with this prefix."""
    async with db.session() as session:
        rows = (
            await session.scalars(
                select(ApiKey).where(
                    or_(ApiKey.key_hash == key_hash, ApiKey.prefix == prefix),
                    ApiKey.revoked_at.is_(None),
                )
            )
        ).all()
        if rows:
            await session.execute(
                update(ApiKey)
                .where(ApiKey.id.in_([r.id for r in rows]))
                .values(revoked_at=utcnow())
            )
            for r in rows:
                await record_audit(
                    session, Audit(r.tenant_id, "cli", None, "key.revoked", r.prefix)
                )
        return [ApiKeyRecord(r.id, r.tenant_id, r.kind, r.prefix, revoked=True) for r in rows]


async def keys_revoked_since(db: Database, since: datetime) -> list[str]:
    """Ids of the keys revoked at or after `since`."""
    async with db.session() as session:
        return list(
            (await session.scalars(select(ApiKey.id).where(ApiKey.revoked_at >= since))).all()
        )


async def insert_agent(
    db: Database,
    tenant_id: str,
    email: str,
    name: str,
    password_hash: str,
    role: str = "agent",
    audit: Audit | None = None,
) -> AgentRecord:
    """A new agent, with its audit entry (by default the CLI's)."""
    row = Agent(
        id=new_ulid(),
        tenant_id=tenant_id,
        email=email,
        name=name,
        password_hash=password_hash,
        role=role,
        created_at=utcnow(),
    )
    audit = audit or Audit(tenant_id, "cli", None, "agent.created", email)
    await _insert_new(db, row, f"agent {email!r} already exists in tenant {tenant_id!r}", audit)
    return agent_record(row)


async def find_agent(db: Database, tenant_id: str, email: str) -> AgentRecord | None:
    async with db.session() as session:
        row = await session.scalar(
            select(Agent).where(Agent.tenant_id == tenant_id, Agent.email == email)
        )
        return agent_record(row) if row else None


async def find_agent_anywhere(db: Database, email: str) -> AgentRecord | None:
    """The agent with this e-mail when exactly one tenant has one; None when none or several."""
    async with db.session() as session:
        rows = (await session.scalars(select(Agent).where(Agent.email == email).limit(2))).all()
        return agent_record(rows[0]) if len(rows) == 1 else None


async def list_agents(db: Database, tenant_id: str) -> list[AgentRecord]:
    async with db.session() as session:
        rows = await session.scalars(
            select(Agent).where(Agent.tenant_id == tenant_id).order_by(Agent.created_at, Agent.id)
        )
        return [agent_record(row) for row in rows]


async def get_agent(db: Database, agent_id: str) -> AgentRecord | None:
    async with db.session() as session:
        row = await session.get(Agent, agent_id)
        return agent_record(row) if row else None


async def update_agent_role(db: Database, agent_id: str, role: str) -> None:
    async with db.session() as session:
        await session.execute(update(Agent).where(Agent.id == agent_id).values(role=role))


async def update_agent_password(db: Database, agent_id: str, password_hash: str) -> None:
    async with db.session() as session:
        await session.execute(
            update(Agent).where(Agent.id == agent_id).values(password_hash=password_hash)
        )
