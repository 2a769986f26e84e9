"""Running a tenant (CONTRACT §13): its agents and keys, changed with their audit entry in
the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from webchat.clock import as_utc, utcnow
from webchat.db.audit import Audit, record_audit
from webchat.db.engine import Database
from webchat.db.models import Agent, ApiKey
from webchat.db.records import AgentRecord
from webchat.db.tenants import agent_record


class LastAdmin(Exception):
    """The change would leave the tenant without an enabled admin."""


@dataclass(frozen=True)
class KeyInfo:
    prefix: str
    kind: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


async def change_agent(
    db: Database, tenant_id: str, agent_id: str, changes: dict[str, Any], audit: Audit
) -> AgentRecord | None:
    """Apply `changes` (name, role, disabled, capacity); None when the tenant has no such
    agent. The tenant's admins are locked first, so two admins demoting each other at
    once cannot both succeed and leave none."""
    async with db.session() as session:
        admins = (
            await session.scalars(
                select(Agent)
                .where(Agent.tenant_id == tenant_id, Agent.role == "admin")
                .order_by(Agent.id)
                .with_for_update()
            )
        ).all()
        row = await session.get(Agent, agent_id, with_for_update=True)
        if row is None or row.tenant_id != tenant_id:
            return None
        if "name" in changes:
            row.name = changes["name"]
        if "role" in changes:
            row.role = changes["role"]
        if "capacity" in changes:
            row.capacity = changes["capacity"]
        if "disabled" in changes:
            if changes["disabled"] and row.disabled_at is None:
                row.disabled_at = utcnow()
            elif not changes["disabled"]:
                row.disabled_at = None
        enabled_admins = [a for a in admins if a.role == "admin" and a.disabled_at is None]
        if not enabled_admins and any(a.id == agent_id for a in admins):
            raise LastAdmin()
        await session.flush()
        await record_audit(session, audit)
        return agent_record(row)


async def set_password(db: Database, agent_id: str, password_hash: str, audit: Audit) -> None:
    async with db.session() as session:
        await session.execute(
            update(Agent).where(Agent.id == agent_id).values(password_hash=password_hash)
        )
        await record_audit(session, audit)


async def agents_disabled_since(db: Database, since: datetime) -> list[str]:
    async with db.session() as session:
        return list(
            (await session.scalars(select(Agent.id).where(Agent.disabled_at >= since))).all()
        )


async def list_keys(db: Database, tenant_id: str) -> list[KeyInfo]:
    async with db.session() as session:
        rows = await session.scalars(
            select(ApiKey).where(ApiKey.tenant_id == tenant_id).order_by(ApiKey.created_at)
        )
        return [
            KeyInfo(
                r.prefix,
                r.kind,
                as_utc(r.created_at),
                as_utc(r.last_used_at) if r.last_used_at else None,
                as_utc(r.revoked_at) if r.revoked_at else None,
            )
            for r in rows
        ]


async def revoke_key(db: Database, tenant_id: str, prefix: str, audit: Audit) -> int:
    """Revoke the tenant's live keys with this prefix; how many."""
    async with db.session() as session:
        result = await session.execute(
            update(ApiKey)
            .where(
                ApiKey.tenant_id == tenant_id,
                ApiKey.prefix == prefix,
                ApiKey.revoked_at.is_(None),
            )
            .values(revoked_at=utcnow())
        )
        count = int(result.rowcount)  # type: ignore[attr-defined]
        if count:
            await record_audit(session, audit)
    return count


async def key_exists(db: Database, tenant_id: str, prefix: str) -> bool:
    async with db.session() as session:
        found = await session.scalar(
            select(func.count()).where(ApiKey.tenant_id == tenant_id, ApiKey.prefix == prefix)
        )
    return bool(found)


async def touch_key(db: Database, key_id: str) -> None:
    async with db.session() as session:
        await session.execute(
            update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=utcnow())
        )
